/**
 * Section 2, functions: for every handler in lib/schema.ts HANDLERS, the deployment zip's size
 * (bundled by the construct's own bundling function, zipped deterministically) and its cold start
 * in a fresh `node` process: node's boot + loading the module + the first invocation against the
 * bench's dynalite, median of several. Side by side: the same handler unbundled (its own code
 * transpiled, every package loaded from node_modules, as it would run with the runtime's SDK), and
 * an empty handler's cold start (the floor: node's own boot). Warm invocations after the first give
 * the per-invocation durations the cost section bills. Beside the handlers: the size of a bot bundled the same
 * way from each of the package's bot entries, and whether any cdktf or construct code got into it.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHAT_SERVER_DEFAULTS } from '../lib/chat-server-defaults';
import {
  deploymentModel,
  functionOf,
  functionsOf,
  resolvedEnvironment,
  type DeploymentModel,
  type FunctionModel,
} from '../lib/deployment-model';
import { ENV, HANDLERS, type HandlerId } from '../lib/schema';
import { BOT_ENTRIES, bundleBot, bundleHandler, bundleHandlerUnbundled, type BotBundle, type BundledHandler } from './bundling';
import { EventFactory } from './handler-events';
import { startFixtures, type Fixtures } from './fixtures';
import { median, ratio, round } from './stats';
import { deterministicZip } from './zip';

export interface ColdStartSample {
  bootMs: number;
  loadMs: number;
  firstInvokeMs: number;
  coldStartMs: number;
  warmMs: number[];
  result: unknown;
}

export interface ColdStartSummary {
  runs: number;
  coldStartMs: number;
  /** Node's boot + module load, before the first invocation (what Lambda reports as Init Duration). */
  initMs: number;
  loadMs: number;
  firstInvokeMs: number;
  warmMs: number;
  samples: number[];
}

export interface HandlerResult {
  id: HandlerId;
  entry: string;
  zipBytes: number;
  bundleBytes: number;
  bundled: ColdStartSummary;
  unbundled: ColdStartSummary;
  /** bundled cold start / empty handler cold start. */
  vsEmpty: number;
  /** bundled init (boot + load) / empty handler init. */
  initVsEmpty: number;
  /** unbundled cold start / bundled cold start (higher = bundling helps more). */
  unbundledVsBundled: number;
  firstResult: unknown;
}

export interface FunctionsResult {
  bundling: string;
  emptyHandler: ColdStartSummary;
  handlers: HandlerResult[];
  /** A bot importing each of the package's bot entries, bundled as the handlers are. */
  botBundles: BotBundle[];
  failures: string[];
}

export interface FunctionsOptions {
  repoRoot: string;
  coldRuns: number;
  warmInvocations: number;
  log: (line: string) => void;
}

const CHILD = join(__dirname, 'coldstart-child.cjs');
const REGION = 'us-east-1';

/**
 * The bench's deployment: the construct's model for the fixtures (development identity mode, so events need
 * no authorizer context; the authorizer's model verifies the fixtures' tokens).
 */
function benchModel(fixtures: Fixtures, withAuthorizer: boolean): DeploymentModel {
  const defaults = CHAT_SERVER_DEFAULTS;
  return deploymentModel({
    name: fixtures.instanceName,
    auth: withAuthorizer
      ? { mode: 'jwt', jwksUrl: fixtures.jwksUrl, issuer: fixtures.issuer, audience: fixtures.audience, userIdClaim: defaults.userIdClaim, rolesClaim: defaults.rolesClaim, agentRole: defaults.agentRole }
      : { mode: 'none' },
    snsTopicName: `${fixtures.instanceName}-responder`,
    stageName: 'bench',
    messageRetentionDays: defaults.messageRetentionDays,
    rateLimit: { ...defaults.rateLimit },
    lambda: { ...defaults.lambda },
    logLevel: defaults.logLevel,
  });
}

/** What Lambda sets, pointed at the fixtures, plus the function's environment in the model (nothing for `empty`). */
function lambdaEnv(fixtures: Fixtures, handler: HandlerId | 'empty'): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_ENDPOINT_URL_DYNAMODB: fixtures.dynamodbEndpoint,
    AWS_ENDPOINT_URL_SNS: fixtures.snsEndpoint,
    AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
  };
  if (handler === 'empty') return env;
  const model = benchModel(fixtures, handler === 'authorizer');
  return { ...env, ...functionEnvironment(model, functionOf(model, handler), fixtures) };
}

function functionEnvironment(model: DeploymentModel, fn: FunctionModel, fixtures: Fixtures): Record<string, string> {
  return resolvedEnvironment(fn, (value) => {
    switch (value.kind) {
      case 'tableName':
        return model.tables[value.table].name;
      case 'topicArn':
        return `arn:aws:sns:${REGION}:123456789012:${model.topic.name}`;
      case 'connectionsEndpoint':
        return fixtures.connectionsEndpoint;
      case 'userPool':
      case 'planTimeAuth':
        throw new Error('the bench verifies the fixtures\' issuer');
    }
  });
}

/** The in-process seeding handlers use every table: the union of the functions' environments. */
function seedingEnv(fixtures: Fixtures): Record<string, string> {
  const model = benchModel(fixtures, false);
  return Object.assign({}, lambdaEnv(fixtures, 'empty'), ...functionsOf(model).map((fn) => functionEnvironment(model, fn, fixtures)));
}

function runChild(modulePath: string, eventsPath: string, env: Record<string, string>, cwd: string): Promise<ColdStartSample> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, modulePath, eventsPath], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    // A handler stuck on a request (SDK retries against a dead endpoint) must not hang the bench.
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', () => clearTimeout(timer));
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{"bootMs"'));
      if (code !== 0 || !line) {
        reject(new Error(`cold start of ${modulePath} exited ${code}: ${stderr.slice(-2000) || stdout.slice(-2000)}`));
        return;
      }
      resolve(JSON.parse(line) as ColdStartSample);
    });
  });
}

function summarize(samples: ColdStartSample[]): ColdStartSummary {
  return {
    runs: samples.length,
    coldStartMs: round(median(samples.map((s) => s.coldStartMs))),
    initMs: round(median(samples.map((s) => s.coldStartMs - s.firstInvokeMs))),
    loadMs: round(median(samples.map((s) => s.loadMs))),
    firstInvokeMs: round(median(samples.map((s) => s.firstInvokeMs))),
    warmMs: round(median(samples.flatMap((s) => s.warmMs))),
    samples: samples.map((s) => round(s.coldStartMs)),
  };
}

/** A handler that did not do its job must not pass as a fast cold start. */
function invocationFailed(id: HandlerId, result: unknown): string | undefined {
  const r = result as { statusCode?: number; status?: string; batchItemFailures?: unknown[]; policyEffect?: string } | undefined;
  if (id === 'authorizer') return r?.policyEffect === 'Allow' ? undefined : `authorizer did not allow: ${JSON.stringify(r)}`;
  if (id === 'outbox') return r?.batchItemFailures && r.batchItemFailures.length > 0 ? `outbox reported failures: ${JSON.stringify(r)}` : undefined;
  if (id === 'botReply') return r?.status === 'delivered' ? undefined : `bot-reply answered ${JSON.stringify(r)}`;
  if (id === 'default') return undefined; // its job is the UNKNOWN_ACTION error frame
  // Two-way routes answer 200 with their frame as the body: an error frame is a failure too.
  const errorFrame = typeof (r as { body?: unknown })?.body === 'string' && (r as { body: string }).body.startsWith('{"type":"error"');
  return r?.statusCode === 200 && !errorFrame ? undefined : `${id} answered ${JSON.stringify(r).slice(0, 300)}`;
}

export async function runFunctionsBench(options: FunctionsOptions): Promise<FunctionsResult> {
  const { repoRoot, log } = options;
  const work = mkdtempSync(join(tmpdir(), 'chat-bench-functions-'));
  // The unbundled variant resolves its packages from the project's node_modules, so it lives there.
  const unbundledDir = join(repoRoot, 'node_modules', '.cache', 'chat-bench', 'unbundled');
  rmSync(unbundledDir, { recursive: true, force: true });
  const fixtures = await startFixtures('bench');
  const failures: string[] = [];
  try {
    // The in-process seeding handlers read the same environment the cold-started ones get.
    Object.assign(process.env, seedingEnv(fixtures));
    process.env[ENV.logLevel] = 'error'; // seeding only: the cold-started functions log as deployed
    const ids = Object.keys(HANDLERS) as HandlerId[];
    const bundles = new Map<HandlerId, { bundled: BundledHandler; modulePath: string; unbundledPath: string; zipBytes: number }>();
    let bundlingDescription = '';
    for (const id of ids) {
      const entry = join(repoRoot, HANDLERS[id]);
      const bundled = bundleHandler(repoRoot, id);
      bundlingDescription = bundled.description;
      const dir = join(work, 'bundled', id);
      mkdirSync(dir, { recursive: true });
      for (const file of bundled.files) writeFileSync(join(dir, file.name), file.data);
      const zip = deterministicZip(bundled.files);
      writeFileSync(join(work, `${id}.zip`), zip);
      const unbundledPath = await bundleHandlerUnbundled(repoRoot, entry, join(unbundledDir, id));
      bundles.set(id, { bundled, modulePath: join(dir, bundled.entryFile), unbundledPath, zipBytes: zip.length });
      log(`functions: ${id} zip ${(zip.length / 1024).toFixed(1)} KB`);
    }
    const botBundles: BotBundle[] = [];
    for (const bot of BOT_ENTRIES) {
      botBundles.push(await bundleBot(repoRoot, bot));
      log(`functions: a bot on ${bot.entry}: ${(botBundles[botBundles.length - 1].bytes / 1024).toFixed(1)} KB`);
    }
    const emptyDir = join(work, 'empty');
    mkdirSync(emptyDir, { recursive: true });
    const emptyModule = join(emptyDir, 'index.js');
    writeFileSync(emptyModule, "exports.handler = async () => ({ statusCode: 200, body: '' });\n");

    const samples = new Map<string, ColdStartSample[]>();
    const record = (key: string, sample: ColdStartSample) => samples.set(key, [...(samples.get(key) ?? []), sample]);
    const firstResults = new Map<HandlerId, unknown>();
    const eventCount = 1 + options.warmInvocations;
    for (let run = 0; run < options.coldRuns; run++) {
      const events = new EventFactory(repoRoot, fixtures, `r${run}`);
      const emptyEvents = join(work, `empty-${run}.json`);
      writeFileSync(emptyEvents, JSON.stringify(Array.from({ length: eventCount }, () => ({}))));
      record('empty', await runChild(emptyModule, emptyEvents, lambdaEnv(fixtures, 'empty'), emptyDir));
      for (const id of ids) {
        const bundle = bundles.get(id)!;
        for (const variant of ['bundled', 'unbundled'] as const) {
          const eventsPath = join(work, `${id}-${variant}-${run}.json`);
          writeFileSync(eventsPath, JSON.stringify(await events.events(id, eventCount)));
          const modulePath = variant === 'bundled' ? bundle.modulePath : bundle.unbundledPath;
          try {
            const sample = await runChild(modulePath, eventsPath, lambdaEnv(fixtures, id), join(work, 'bundled', id));
            const failed = invocationFailed(id, sample.result);
            if (failed) failures.push(`${variant} ${failed}`);
            if (variant === 'bundled' && !firstResults.has(id)) firstResults.set(id, sample.result);
            record(`${id}:${variant}`, sample);
          } catch (error) {
            failures.push(`${variant} ${id}: ${(error as Error).message}`);
          }
        }
      }
      log(`functions: cold-start round ${run + 1}/${options.coldRuns} done`);
    }
    const empty = summarize(samples.get('empty') ?? []);
    const handlers = ids.map((id): HandlerResult => {
      const bundle = bundles.get(id)!;
      const bundled = summarize(samples.get(`${id}:bundled`) ?? []);
      const unbundled = summarize(samples.get(`${id}:unbundled`) ?? []);
      return {
        id,
        entry: HANDLERS[id],
        zipBytes: bundle.zipBytes,
        bundleBytes: bundle.bundled.files.reduce((sum: number, f: { data: Buffer }) => sum + f.data.length, 0),
        bundled,
        unbundled,
        vsEmpty: ratio(bundled.coldStartMs, empty.coldStartMs),
        initVsEmpty: ratio(bundled.initMs, empty.initMs),
        unbundledVsBundled: ratio(unbundled.coldStartMs, bundled.coldStartMs),
        firstResult: firstResults.get(id),
      };
    });
    return { bundling: bundlingDescription, emptyHandler: empty, handlers, botBundles, failures };
  } finally {
    await fixtures.close();
    rmSync(work, { recursive: true, force: true });
  }
}
