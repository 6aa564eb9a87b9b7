/**
 * Runs the real Terraform CLI on a synthesized stack, offline: the AWS provider comes from a local
 * filesystem mirror, each `archive_file` data source is replaced by a zip built the same way (the
 * archive provider is not in the mirror), the backend is dropped (local state in the work directory),
 * and an override file gives the provider fake credentials and its skip_* flags so nothing calls AWS.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Json } from './synth';
import { zipDirectory } from '../../../lib/deterministic-zip';

/** Folder holding registry.terraform.io/hashicorp/aws/<version>/<platform>/ (override with TF_PROVIDER_MIRROR). */
export const PROVIDER_MIRROR = process.env.TF_PROVIDER_MIRROR ?? '/opt/tf-plugins';
export const TERRAFORM = process.env.TERRAFORM_BINARY ?? 'terraform';

export function assertTerraformAvailable(): void {
  const awsMirror = path.join(PROVIDER_MIRROR, 'registry.terraform.io', 'hashicorp', 'aws');
  if (!fs.existsSync(awsMirror)) {
    throw new Error(
      `No AWS provider mirror at ${awsMirror}: set TF_PROVIDER_MIRROR to a folder made with ` +
        '`terraform providers mirror` (registry.terraform.io/hashicorp/aws/<version>/<platform>/).',
    );
  }
  try {
    execFileSync(TERRAFORM, ['version'], { stdio: 'ignore', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
  } catch {
    throw new Error(`Terraform CLI not found (${TERRAFORM}); install Terraform >= 1.10 or set TERRAFORM_BINARY`);
  }
}

export interface PlanWorkspace {
  readonly dir: string;
  /** base64 SHA-256 of each replaced archive, by archive_file name. */
  readonly archiveHashes: Record<string, string>;
  run(args: string[]): string;
}

function cliConfig(dir: string): string {
  const file = path.join(dir, 'terraform.rc');
  fs.writeFileSync(
    file,
    [
      'provider_installation {',
      '  filesystem_mirror {',
      `    path    = ${JSON.stringify(PROVIDER_MIRROR)}`,
      '    include = ["registry.terraform.io/hashicorp/aws"]',
      '  }',
      '  direct {',
      '    exclude = ["registry.terraform.io/hashicorp/aws"]',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  return file;
}

/** Environment without the caller's AWS settings or credentials: nothing may reach a real account. */
function terraformEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_') && !key.startsWith('TF_')) env[key] = value;
  }
  return {
    ...env,
    TF_CLI_CONFIG_FILE: cliConfig(dir),
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** Provider settings for plans that must not reach AWS: placeholder keys and every skip_* flag. */
export const OFFLINE_AWS_PROVIDER = {
  access_key: 'AKIAFAKEFAKEFAKEFAKE',
  secret_key: 'fake-secret-key-for-offline-plans',
  skip_credentials_validation: true,
  skip_requesting_account_id: true,
  skip_metadata_api_check: true,
  skip_region_validation: true,
} as const;

/** Runs terraform in `dir` offline (provider from the mirror, none of the caller's AWS or TF_ settings); throws with its output on failure. */
export function terraformIn(dir: string): (args: string[]) => string {
  const env = terraformEnv(dir);
  return (args) => {
    try {
      return execFileSync(TERRAFORM, [...args, '-no-color'], {
        cwd: dir,
        env,
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (error) {
      const failure = error as { stdout?: string; stderr?: string };
      throw new Error(`terraform ${args.join(' ')} in ${dir} failed:\n${failure.stderr ?? ''}\n${failure.stdout ?? ''}`);
    }
  };
}

/**
 * Writes `stack` (from `stackDir`) into `dir` ready for `terraform init/validate/plan`. Replaces a
 * previous stack in the same directory (an initialized directory can plan several stacks).
 */
export function prepareWorkspace(stack: Json, stackDir: string, dir: string): PlanWorkspace {
  fs.mkdirSync(path.join(dir, 'build'), { recursive: true });
  const archives = (stack.data?.archive_file ?? {}) as Record<string, Json>;
  let text = JSON.stringify(stack);
  const archiveHashes: Record<string, string> = {};
  for (const [name, archive] of Object.entries(archives)) {
    const sourceDir = path.join(stackDir, (archive.source_dir as string).replace('${path.module}/', ''));
    const { zip, base64sha256 } = zipDirectory(sourceDir, archive.output_file_mode as string);
    const zipPath = `build/${name}.zip`;
    fs.writeFileSync(path.join(dir, zipPath), zip);
    archiveHashes[name] = base64sha256;
    text = text
      .split(`\${data.archive_file.${name}.output_path}`)
      .join(zipPath)
      .split(`\${data.archive_file.${name}.output_base64sha256}`)
      .join(base64sha256);
  }
  if (text.includes('data.archive_file.')) throw new Error('an archive_file output is referenced in a way the test does not replace');
  const config = JSON.parse(text) as Json;
  delete config.data.archive_file;
  if (Object.keys(config.data).length === 0) delete config.data;
  delete config.terraform.backend;
  delete config.terraform.required_providers.archive;
  delete config.provider.archive;
  fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify(config, null, 2));
  fs.writeFileSync(
    path.join(dir, 'offline_override.tf.json'),
    JSON.stringify({ provider: { aws: OFFLINE_AWS_PROVIDER } }, null, 2),
  );
  return { dir, archiveHashes, run: terraformIn(dir) };
}

/** init (first time) → validate → plan -out → show -json; returns the plan JSON. */
export function planStack(workspace: PlanWorkspace, init: boolean): Json {
  if (init) workspace.run(['init', '-input=false', '-backend=false']);
  workspace.run(['validate']);
  workspace.run(['plan', '-input=false', '-lock=false', '-out=plan.tfplan']);
  return JSON.parse(workspace.run(['show', '-json', 'plan.tfplan'])) as Json;
}
