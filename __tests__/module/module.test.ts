/**
 * The Terraform module `npm run module` builds, tested as its users and a registry meet it, all offline (the
 * AWS provider from the machine's mirror; the module needs no archive provider): its files and determinism,
 * `terraform fmt -check`, `validate` of the module and every example, its own `terraform test` suite, a plan of
 * every example, checkov on the folder, main.tf planning exactly as the Terraform JSON it was rendered from,
 * and the equivalence with the synthesized default stack.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { DEFAULT_REGION } from '../../lib/chat-infra-stack';
import { appConfigFromEnv } from '../../lib/env-config';
import { buildModule, MODULE_EXAMPLES, moduleResources, synthesizeModuleStack, REPO_ROOT, type BuiltModule } from '../../lib/module/build';
import { SETTINGS } from '../../lib/settings';
import { assertTerraformAvailable, OFFLINE_AWS_PROVIDER, planStack, prepareWorkspace, terraformIn } from '../construct/support/terraform';
import { fullSynth, listFiles, tempDir, type Json } from '../construct/support/synth';

jest.setTimeout(600_000);

const CHECKOV = process.env.CHECKOV_BINARY ?? 'checkov';

let built: BuiltModule;
let root: string;

beforeAll(() => {
  assertTerraformAvailable();
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-module-test-'));
  built = buildModule(path.join(root, 'terraform-aws-chat-server'));
});

afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** A root module of the test's own in `dir`, calling the module, planned offline; returns `terraform show -json`. */
function planRoot(dir: string, mainTf: string): Json {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'main.tf'), mainTf);
  fs.writeFileSync(path.join(dir, 'offline_override.tf.json'), JSON.stringify({ provider: { aws: OFFLINE_AWS_PROVIDER } }));
  const run = terraformIn(dir);
  run(['init', '-input=false', '-backend=false']);
  run(['plan', '-input=false', '-lock=false', '-out=plan.tfplan']);
  return JSON.parse(run(['show', '-json', 'plan.tfplan'])) as Json;
}

describe('the module folder', () => {
  test('structure: the standard module structure, a zip per function, the examples and the tests', () => {
    const files = listFiles(built.directory);
    for (const file of ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf', 'README.md', 'LICENSE', 'CHANGELOG.md']) expect(files).toContain(file);
    expect(files.filter((file) => /^functions\/[a-z-]+\.zip$/.test(file))).toHaveLength(11);
    for (const example of MODULE_EXAMPLES) expect(files).toContain(`examples/${example.name}/main.tf`);
    expect(files.filter((file) => file.startsWith('tests/') && file.endsWith('.tftest.hcl')).length).toBeGreaterThanOrEqual(2);
  });

  test('determinism: two builds from the same sources are byte-identical', () => {
    // GIVEN a second build into another directory WHEN every file is hashed THEN the two folders are the same
    const again = buildModule(path.join(root, 'again'));
    const hashes = (dir: string) => Object.fromEntries(listFiles(dir).map((file) => [file, sha256(path.join(dir, file))]));
    expect(hashes(again.directory)).toEqual(hashes(built.directory));
  });

  test('nothing of the build machine: no absolute path, no provider block or backend in the module, files read through path.module', () => {
    const moduleFiles = ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf'].map((file) => fs.readFileSync(path.join(built.directory, file), 'utf8'));
    for (const text of [...moduleFiles, fs.readFileSync(path.join(built.directory, 'README.md'), 'utf8')]) {
      expect(text).not.toContain(REPO_ROOT);
      expect(text).not.toContain(os.tmpdir());
      expect(text).not.toMatch(/\/(home|root|Users)\//);
    }
    for (const text of moduleFiles) {
      expect(text).not.toMatch(/^provider\s+"/m);
      expect(text).not.toMatch(/\bbackend\s+"/);
    }
    const reads = fs.readFileSync(path.join(built.directory, 'main.tf'), 'utf8').match(/(filename|filebase64sha256\()[^\n]*/g) ?? [];
    expect(reads.length).toBe(22);
    for (const read of reads) expect(read).toContain('${path.module}/functions/');
  });

  test('version: the module README pins the package version', () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const readme = fs.readFileSync(path.join(built.directory, 'README.md'), 'utf8');
    expect(readme).toContain(`version = "${version}"`);
    expect(readme).toContain(`?ref=v${version}`);
  });
});

describe('terraform on the module', () => {
  test('fmt: every file is formatted (terraform fmt -check -recursive)', () => {
    terraformIn(built.directory)(['fmt', '-check', '-recursive', '-diff']);
  });

  test('validate: the module and every example', () => {
    const run = terraformIn(built.directory);
    run(['init', '-input=false', '-backend=false']);
    run(['validate']);
    for (const example of MODULE_EXAMPLES) {
      const runExample = terraformIn(path.join(built.directory, 'examples', example.name));
      runExample(['init', '-input=false', '-backend=false']);
      runExample(['validate']);
    }
  });

  test("terraform test: the module's own suite passes (defaults, optional parts on and off, every rule failing)", () => {
    const run = terraformIn(built.directory);
    run(['init', '-input=false', '-backend=false']);
    const output = run(['test']);
    expect(output).toMatch(/Success! \d+ passed, 0 failed\./);
    expect(Number(/Success! (\d+) passed/.exec(output)![1])).toBeGreaterThan(30);
  });

  test.each(MODULE_EXAMPLES.map((example) => example.name))('example %s: plans the whole backend', (name) => {
    // GIVEN the example as a user writes it, with an override file keeping the provider offline
    const dir = path.join(built.directory, 'examples', name);
    fs.writeFileSync(path.join(dir, 'offline_override.tf.json'), JSON.stringify({ provider: { aws: OFFLINE_AWS_PROVIDER } }));
    try {
      const run = terraformIn(dir);
      run(['init', '-input=false', '-backend=false']);
      run(['plan', '-input=false', '-lock=false', '-out=plan.tfplan']);
      const plan = JSON.parse(run(['show', '-json', 'plan.tfplan'])) as Json;
      // THEN every module resource is created, the functions among them
      const changes = (plan.resource_changes as Json[]).filter((change) => change.module_address === 'module.chat' && change.mode === 'managed');
      expect(changes.length).toBeGreaterThan(80);
      expect(changes.every((change) => change.change.actions.join() === 'create')).toBe(true);
      expect(changes.filter((change) => change.type === 'aws_lambda_function').length).toBeGreaterThanOrEqual(10);
    } finally {
      fs.rmSync(path.join(dir, 'offline_override.tf.json'), { force: true });
    }
  });

  test('checkov (--framework terraform) on the module folder: no failed check, every accepted finding skipped next to its resource', () => {
    const output = execFileSync(CHECKOV, ['--compact', '--skip-download', '--framework', 'terraform', '-d', built.directory, '-o', 'json'], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    const report = JSON.parse(output) as Json;
    expect(report.summary.failed).toBe(0);
    expect(report.summary.parsing_errors).toBe(0);
    expect(report.summary.passed).toBeGreaterThan(100);
    const skipped = report.results.skipped_checks as Json[];
    expect(skipped.length).toBeGreaterThan(50);
    for (const check of skipped) expect({ check: check.check_id, reason: check.check_result.suppress_comment.trim().length > 20 }).toEqual({ check: check.check_id, reason: true });
  });
});

/** Resource changes of a plan, by address relative to their module (`[0]` of a part that is on dropped). */
function resourcesByAddress(plan: Json, module?: string): Map<string, Json> {
  const changes = (plan.resource_changes as Json[]).filter(
    (change) => change.mode === 'managed' && (module ? change.module_address === module : change.module_address === undefined),
  );
  return new Map(changes.map((change) => [String(change.address).replace(/^module\.[^.]+\./, '').replace(/\[0\]$/, ''), change]));
}

/** The attributes that make a resource what it is, where the plan knows them. */
const KEY_ATTRIBUTES = [
  'name', 'function_name', 'runtime', 'architectures', 'handler', 'memory_size', 'timeout', 'hash_key', 'range_key', 'attribute',
  'global_secondary_index', 'ttl', 'point_in_time_recovery', 'stream_enabled', 'stream_view_type', 'billing_mode',
  'deletion_protection_enabled', 'route_key', 'authorization_type', 'protocol_type', 'route_selection_expression',
  'integration_type', 'retention_in_days', 'message_retention_seconds', 'batch_size', 'maximum_retry_attempts',
  'bisect_batch_on_function_error', 'starting_position', 'filter_criteria', 'principal', 'action', 'source_code_hash',
];

function keyAttributes(change: Json): Json {
  const after = change.change.after as Json;
  return Object.fromEntries(KEY_ATTRIBUTES.filter((key) => after[key] !== undefined && after[key] !== null).map((key) => [key, after[key]]));
}

/**
 * Every IAM document of a Terraform JSON configuration (role policies, managed policies, trust policies), parsed,
 * references normalized, the module's variables replaced by the values they take (`variables`, else their defaults).
 */
function iamDocuments(config: Json, variables: Record<string, unknown> = {}, include: (address: string) => boolean = () => true): Record<string, unknown> {
  const valueOf = (variable: string): string => {
    const setting = Object.values(SETTINGS).find((candidate) => candidate.variable === variable);
    const value = variable in variables ? variables[variable] : setting?.default;
    if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`a policy refers to var.${variable}, which has no literal value`);
    return String(value);
  };
  const documents: Record<string, unknown> = {};
  for (const type of ['aws_iam_role_policy', 'aws_iam_policy', 'aws_iam_role']) {
    for (const [name, resource] of Object.entries((config.resource?.[type] ?? {}) as Record<string, Json>)) {
      if (!include(`${type}.${name}`)) continue;
      const text = (resource.policy ?? resource.assume_role_policy) as string;
      // A reference to a part switched at plan time reads one(x[*].attribute) in the module: the same resource.
      const normalized = text
        .replace(/one\(([a-z0-9_]+\.[^[]+)\[\*\]\.([a-z_]+)\)/g, '$1.$2')
        .replace(/\$\{var\.([a-z0-9_]+)\}/g, (_, variable: string) => valueOf(variable));
      documents[`${type}.${name}`] = JSON.parse(normalized);
    }
  }
  return documents;
}

describe('equivalence with the synthesized default stack', () => {
  let stackPlan: Json;
  let modulePlan: Json;
  let stackJson: Json;
  const defaultApp = appConfigFromEnv({}).props;

  beforeAll(() => {
    // GIVEN the default app's stack (main.ts with no settings) and the module called with the same settings
    const { stackId, props } = appConfigFromEnv({});
    const stack = fullSynth(props, { stackId });
    stackJson = stack.json;
    stackPlan = planStack(prepareWorkspace(stack.json, stack.stackDir, tempDir('stack-plan')), true);
    modulePlan = planRoot(
      path.join(root, 'equivalence'),
      [
        'provider "aws" {',
        `  region = "${props.region ?? DEFAULT_REGION}"`,
        '}',
        '',
        'module "chat" {',
        `  source = "${built.directory}"`,
        '',
        `  name = "${props.name}"`,
        '}',
        '',
      ].join('\n'),
    );
  });

  test('resources: the same addresses under the module prefix, with the same types', () => {
    const stack = resourcesByAddress(stackPlan);
    const module = resourcesByAddress(modulePlan, 'module.chat');
    expect([...module.keys()].sort()).toEqual([...stack.keys()].sort());
    for (const [address, change] of stack) expect({ address, type: module.get(address)!.type }).toEqual({ address, type: change.type });
  });

  test('key attributes: tables (keys, TTL, PITR, stream), functions (runtime, architecture, code), routes, the outbox mapping, permissions are planned alike', () => {
    const stack = resourcesByAddress(stackPlan);
    const module = resourcesByAddress(modulePlan, 'module.chat');
    for (const [address, change] of stack) {
      expect({ address, attributes: keyAttributes(module.get(address)!) }).toEqual({ address, attributes: keyAttributes(change) });
    }
  });

  test('IAM: every role policy, managed policy and trust policy states the same statements', () => {
    // The module's documents of the parts its defaults plan (a customer-key policy is there, with count 0).
    const planned = resourcesByAddress(modulePlan, 'module.chat');
    const module = iamDocuments(moduleResources(synthesizeModuleStack().json).resources, { name: defaultApp.name }, (address) => planned.has(address));
    expect(module).toEqual(iamDocuments(stackJson));
  });
});

describe('main.tf', () => {
  test('faithful: planning main.tf and the Terraform JSON it was rendered from gives the same plan', () => {
    // GIVEN the module twice: as built (main.tf), and with main.tf replaced by the JSON it came from
    const asJson = path.join(root, 'as-json');
    fs.cpSync(built.directory, asJson, { recursive: true });
    fs.rmSync(path.join(asJson, 'main.tf'));
    fs.writeFileSync(path.join(asJson, 'main.tf.json'), JSON.stringify(built.resources));
    // WHEN both are planned with every optional part on (a bot, a domain with its zone, a customer key)
    const call = (source: string) =>
      [
        'provider "aws" {',
        '  region = "eu-west-1"',
        '}',
        '',
        'module "chat" {',
        `  source          = "${source}"`,
        '  name            = "faithful"',
        '  domain_name     = "chat.example.com"',
        '  certificate_arn = "arn:aws:acm:eu-west-1:111122223333:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"',
        '  hosted_zone_id  = "Z0123456789ABCDEFGHIJ"',
        '  kms_key_arn     = "arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"',
        '  bots = {',
        '    faq = { function_arn = "arn:aws:lambda:eu-west-1:111122223333:function:faq", function_name = "faq" }',
        '  }',
        '}',
        '',
      ].join('\n');
    const fromHcl = planRoot(path.join(root, 'faithful-hcl'), call(built.directory));
    const fromJson = planRoot(path.join(root, 'faithful-json'), call(asJson));
    // THEN the planned changes are the same, value for value
    const changes = (plan: Json) => (plan.resource_changes as Json[]).map(({ address, type, change }) => ({ address, type, after: change.after, unknown: change.after_unknown }));
    expect(changes(fromHcl)).toEqual(changes(fromJson));
    expect(changes(fromHcl).length).toBeGreaterThan(100);
  });
});
