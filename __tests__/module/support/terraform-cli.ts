/**
 * The Terraform CLI on small configurations without providers (variables, outputs, `terraform fmt`): no
 * `init`, no provider mirror, no network, nothing of the caller's AWS or TF_ settings.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TERRAFORM } from '../../construct/support/terraform';

export interface TerraformResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** One diagnostic of `terraform plan -json`. */
export interface TerraformDiagnostic {
  readonly severity: 'error' | 'warning';
  readonly summary: string;
  readonly detail: string;
  readonly snippet?: { readonly code: string };
}

const tempDirs: string[] = [];

/** A fresh directory, removed after the test file. */
export function terraformDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `chat-module-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs terraform in `dir` with an empty CLI configuration and returns its exit status and output. */
export function terraform(dir: string, args: readonly string[]): TerraformResult {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('AWS_') && !key.startsWith('TF_')) env[key] = value;
  }
  const cliConfig = path.join(dir, '.terraformrc');
  if (!fs.existsSync(cliConfig)) fs.writeFileSync(cliConfig, '');
  const result = spawnSync(TERRAFORM, [...args, '-no-color'], {
    cwd: dir,
    env: { ...env, TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: '1', TF_INPUT: '0', CHECKPOINT_DISABLE: '1' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw new Error(`terraform could not run (${TERRAFORM}): ${result.error.message}; install Terraform >= 1.9 or set TERRAFORM_BINARY`);
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** The diagnostics of a `-json` run (one JSON object a line). */
export function diagnostics(result: TerraformResult): TerraformDiagnostic[] {
  return result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { type?: string; diagnostic?: TerraformDiagnostic })
    .filter((message) => message.type === 'diagnostic' && message.diagnostic)
    .map((message) => message.diagnostic!);
}
