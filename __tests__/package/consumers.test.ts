/**
 * The npm package as its users get it: `npm pack`'s tarball, installed from the tarball and the npm registry
 * into fresh apps outside the repository (no tsx, no esbuild), each synthesizing the default stack and planning
 * it with Terraform offline (the machine's provider mirror, the archive data sources swapped as the plan test
 * does): (1) a TypeScript app like `cdktf init --template=typescript` makes (ts-node, default module
 * resolution), (2) a plain JavaScript app, (3) a CDK Terrain (cdktn 0.24) TypeScript app. (1) and (3) give the
 * same addresses. Then the package's command runs a consumer's own bot against the local chat server.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import WebSocket from 'ws';
import { PACKAGE_ROOT } from '../../lib/package-root';
import { buildPackage } from '../../tools/build-package';
import { assertTerraformAvailable, planStack, prepareWorkspace } from '../construct/support/terraform';
import type { Json } from '../construct/support/synth';

jest.setTimeout(900_000);

const PINNED = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
const CDKTF_PACKAGES = ['cdktf', 'constructs', '@cdktf/provider-aws', '@cdktf/provider-archive'].map((name) => `${name}@${PINNED.devDependencies[name]}`);
/** CDK Terrain 0.24 and its bindings (AWS provider 6.66), constructs in the range cdktn accepts. */
const CDKTN_PACKAGES = ['cdktn@0.24.0', '@cdktn/provider-aws@25.7.0', '@cdktn/provider-archive@14.0.1', 'constructs@10.7.0'];
const TYPESCRIPT = [`typescript@${PINNED.devDependencies.typescript}`, 'ts-node@10.9.2', '@types/node@20'];

/** The stock template's tsconfig (`cdktf init --template=typescript`): CommonJS, default module resolution. */
const TEMPLATE_TSCONFIG = {
  compilerOptions: {
    alwaysStrict: true,
    declaration: true,
    experimentalDecorators: true,
    inlineSourceMap: true,
    inlineSources: true,
    lib: ['es2018'],
    module: 'CommonJS',
    noEmitOnError: true,
    noFallthroughCasesInSwitch: true,
    noImplicitAny: true,
    noImplicitReturns: true,
    noImplicitThis: true,
    noUnusedLocals: true,
    noUnusedParameters: true,
    resolveJsonModule: true,
    strict: true,
    strictNullChecks: true,
    strictPropertyInitialization: true,
    stripInternal: true,
    target: 'ES2018',
    incremental: true,
    skipLibCheck: true,
  },
  include: ['**/*.ts'],
  exclude: ['node_modules', 'cdktf.out'],
};

let work: string;
let tarball: string;

/** The environment of a consumer's shell: none of this repository's npm settings or jest's. */
function consumerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^(npm_|JEST_|NODE_OPTIONS$|NODE_PATH$)/i.test(key)) env[key] = value;
  return { ...env, CHECKPOINT_DISABLE: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
}

function run(cwd: string, command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { cwd, env: consumerEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} in ${cwd} failed:\n${failure.stderr ?? ''}\n${failure.stdout ?? ''}`);
  }
}

/** A fresh app outside the repository with these packages installed (the tarball and the registry only). */
function app(name: string, packages: string[], files: Record<string, string>, npmOptions: string[] = []): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
  run(dir, 'npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...npmOptions, tarball, ...packages]);
  for (const [file, contents] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), contents);
  return dir;
}

const installed = (dir: string, name: string): boolean => fs.existsSync(path.join(dir, 'node_modules', name));

/** The synthesized default stack of an app (cdktf.out/stacks/chat). */
function synthesized(dir: string): { json: Json; stackDir: string } {
  const stackDir = path.join(dir, 'cdktf.out', 'stacks', 'chat');
  return { json: JSON.parse(fs.readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8')) as Json, stackDir };
}

function addresses(stack: Json): string[] {
  return Object.entries((stack.resource ?? {}) as Record<string, Record<string, unknown>>).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`)).sort();
}

/** validate + plan of a synthesized stack; every resource planned for creation. */
function expectPlans(stack: { json: Json; stackDir: string }): void {
  const plan = planStack(prepareWorkspace(stack.json, stack.stackDir, fs.mkdtempSync(path.join(work, 'plan-'))), true);
  const managed = (plan.resource_changes as Json[]).filter((change) => change.mode === 'managed');
  expect(managed.map((change) => change.address).sort()).toEqual(addresses(stack.json));
  expect(managed.every((change) => change.change.actions.join() === 'create')).toBe(true);
}

const DEFAULT_STACK = "createChatInfraStack(app, 'chat', { name: 'chat', auth: { createCognitoUserPool: true } });";

beforeAll(() => {
  assertTerraformAvailable();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-consumers-'));
  buildPackage();
  const packed = JSON.parse(run(PACKAGE_ROOT, 'npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work])) as Array<{ filename: string }>;
  tarball = path.join(work, packed[0].filename);
});

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('the tarball', () => {
  test('files: the compiled code, its types, the prebuilt bundles, the command and the docs; no sources, tests or local data', () => {
    const files = run(work, 'tar', ['-tzf', tarball]).split('\n').filter(Boolean).map((file) => file.replace(/^package\//, ''));
    for (const file of ['package.json', 'README.md', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/lib/utilities.js', 'dist/lib/bot.js', 'dist/lib/schema.d.ts', 'dist/cdktn/lib/index.js', 'dist/local/cli.js', 'dist/local/web/index.html', 'dist/bundles/manifest.json', 'dist/bundles/messageSend/index.js', 'help/deploy.md']) {
      expect(files).toContain(file);
    }
    const unwanted = files.filter(
      (file) =>
        /^(__tests__|bench|tools|module|\.ci|lib|handlers|local)\//.test(file) ||
        /(^|\/)(node_modules|\.chat-data|cdktf\.out|terraform-aws-chat-server)\//.test(file) ||
        (/\.ts$/.test(file) && !/\.d\.ts$/.test(file)) ||
        /\.(test|spec)\.js$/.test(file),
    );
    expect(unwanted).toEqual([]);
  });
});

describe('what the entries load', () => {
  /** Modules of cdktf, cdktn, constructs and the provider bindings that `node` loads with `entry` (of the built package). */
  function constructModulesLoadedBy(entry: string): string[] {
    const script = `require(${JSON.stringify(path.join(PACKAGE_ROOT, entry))}); process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
    const loaded = JSON.parse(run(PACKAGE_ROOT, process.execPath, ['-e', script])) as string[];
    return loaded.filter((file) => /node_modules\/(cdktf|cdktn|constructs|@cdktf|@cdktn)\//.test(file));
  }

  test.each(['dist/lib/bot.js', 'dist/lib/utilities.js', 'dist/local/local-chat.js', 'dist/local/cli.js'])(
    '%s: loads no cdktf, construct or provider code (a bot bundled from it stays small; the command runs in any app)',
    (entry) => {
      expect(constructModulesLoadedBy(entry)).toEqual([]);
    },
  );

  test('dist/lib/index.js: the construct library does load cdktf (the check above can see it)', () => {
    expect(constructModulesLoadedBy('dist/lib/index.js').length).toBeGreaterThan(0);
  });
});

describe('consumer apps', () => {
  let typescriptApp: string;

  test('(1) a TypeScript app like the stock cdktf template (ts-node, default moduleResolution) synthesizes and plans the default stack, without tsx or esbuild', () => {
    typescriptApp = app('consumer-ts', [...CDKTF_PACKAGES, ...TYPESCRIPT], {
      'tsconfig.json': JSON.stringify(TEMPLATE_TSCONFIG, null, 2),
      'main.ts': [
        "import { App } from 'cdktf';",
        "import { createChatInfraStack } from 'cdktf-chat-server';",
        "import type { BotReplyResult } from 'cdktf-chat-server/utilities';",
        '',
        'const app = new App();',
        DEFAULT_STACK,
        'app.synth();',
        'export type Reply = BotReplyResult;',
        '',
      ].join('\n'),
    });
    expect(installed(typescriptApp, 'tsx') || installed(typescriptApp, 'esbuild')).toBe(false);
    run(typescriptApp, 'npx', ['ts-node', 'main.ts']);
    expectPlans(synthesized(typescriptApp));
  });

  test('(2) a plain JavaScript app, installed without optional dependencies, synthesizes and plans the default stack; the command names what it lacks', () => {
    const dir = app(
      'consumer-js',
      CDKTF_PACKAGES,
      {
        'main.js': [
          "const { App } = require('cdktf');",
          "const { createChatInfraStack } = require('cdktf-chat-server');",
          '',
          'const app = new App();',
          DEFAULT_STACK,
          'app.synth();',
          '',
        ].join('\n'),
      },
      ['--omit=optional'],
    );
    expect(['tsx', 'esbuild', 'dynalite', 'ws'].filter((name) => installed(dir, name))).toEqual([]);
    run(dir, 'node', ['main.js']);
    expectPlans(synthesized(dir));
    // The local runtime's packages are optional dependencies: without them the command says which to install.
    const optional = Object.entries((JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { optionalDependencies: Record<string, string> }).optionalDependencies);
    const started = spawnSync('npx', ['cdktf-chat-server', 'start'], { cwd: dir, env: consumerEnv(), encoding: 'utf8', timeout: 60_000 });
    expect(started.status).toBe(2);
    expect(started.stderr).toContain(`npm install --save-dev ${optional.map(([name, version]) => `${name}@${version}`).join(' ')}`);
  });

  test('(3) a CDK Terrain 0.24 TypeScript app synthesizes and plans the default stack, with the addresses and attributes of (1)', () => {
    const dir = app('consumer-cdktn', [...CDKTN_PACKAGES, ...TYPESCRIPT], {
      'tsconfig.json': JSON.stringify(TEMPLATE_TSCONFIG, null, 2),
      'main.ts': [
        "import { App } from 'cdktn';",
        "import { createChatInfraStack } from 'cdktf-chat-server/cdktn';",
        '',
        'const app = new App();',
        DEFAULT_STACK,
        'app.synth();',
        '',
      ].join('\n'),
    });
    expect(installed(dir, 'cdktf') || installed(dir, 'tsx') || installed(dir, 'esbuild')).toBe(false);
    run(dir, 'npx', ['ts-node', 'main.ts']);
    const cdktn = synthesized(dir);
    expectPlans(cdktn);
    const cdktf = synthesized(typescriptApp).json;
    expect(addresses(cdktn.json)).toEqual(addresses(cdktf));
    // Every resource, data source, output and provider setting alike: a migration replaces nothing.
    for (const block of ['resource', 'data', 'output', 'provider', 'terraform']) expect({ block, value: cdktn.json[block] }).toEqual({ block, value: cdktf[block] });
  });

  test("the package's command: `cdktf-chat-server start --bot ./bot.js` runs the local chat server from the installed package and the consumer's bot answers", async () => {
    // GIVEN a bot of the consumer's, replying through the package's `bot` entry
    fs.writeFileSync(
      path.join(typescriptApp, 'bot.js'),
      [
        "const { replyAsBot } = require('cdktf-chat-server/bot');",
        'exports.handler = async (event) => {',
        '  for (const record of event.Records) {',
        '    const { message } = JSON.parse(record.Sns.Message);',
        '    await replyAsBot(',
        '      { threadId: message.threadId, message: { text: `consumer bot heard: ${message.text}`, messageId: `reply-${message.messageId}` } },',
        '      { functionName: process.env.CHAT_BOT_REPLY_FUNCTION_NAME },',
        '    );',
        '  }',
        '};',
        '',
      ].join('\n'),
    );
    // WHEN the command starts the server on a free port
    const server: ChildProcess = spawn('npx', ['cdktf-chat-server', 'start', '--bot', './bot.js', '--port', '0', '--data-dir', ':memory:'], {
      cwd: typescriptApp,
      env: consumerEnv(),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the server did not start within 60 s:\n${output}`)), 60_000);
        const poll = setInterval(() => {
          const match = /WebSocket API\s+ws:\/\/localhost:(\d+)\//.exec(output);
          if (match) {
            clearInterval(poll);
            clearTimeout(timer);
            resolve(Number(match[1]));
          }
        }, 50);
        server.once('exit', (code) => reject(new Error(`the server exited with ${code}:\n${output}`)));
      });
      // THEN a message gets the consumer's bot's answer
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = new WebSocket(`ws://127.0.0.1:${port}/?userId=consumer&threadId=consumer-thread`);
        const timer = setTimeout(() => reject(new Error(`no bot reply within 30 s:\n${output}`)), 30_000);
        socket.on('open', () => socket.send(JSON.stringify({ action: 'message.send', text: 'hello' })));
        socket.on('message', (data: Buffer) => {
          const frame = JSON.parse(data.toString()) as { type: string; message?: { messageType: string; text: string } };
          if (frame.type === 'message' && frame.message?.messageType === 'bot') {
            clearTimeout(timer);
            socket.close();
            resolve(frame.message.text);
          }
        });
        socket.on('error', reject);
      });
      expect(reply).toBe('consumer bot heard: hello');
    } finally {
      if (server.pid) process.kill(-server.pid, 'SIGTERM');
      await new Promise((resolve) => (server.exitCode !== null ? resolve(undefined) : server.once('exit', resolve)));
    }
  });
});
