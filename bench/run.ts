/**
 * `npm run bench [-- --quick]`: measured speed, size and cost, each next to a baseline measured in
 * the same run (these machines are shared: compare ratios, not absolutes). Sections: synth,
 * functions, message path, cost, reliability (fuzzing, fairness, soak). Prints the tables and writes bench/results/<timestamp>.json, and
 * bench/results/latest.json (committed, quoted in help/performance.md) for a full run of every
 * section only: a quick or partial run never replaces it. Exits non-zero only when a section fails or a message is lost: time
 * aims are reported (met / missed), never asserted.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { computeCost, DESIGN_REQUESTS_PER_MESSAGE, loadPrices, type CostInputs, type RequestCounts } from './cost';
import { runFunctionsBench } from './functions';
import { runMessagePathBench } from './message-path';
import { ALL_SECTIONS, parseOptions, USAGE, type BenchOptions } from './options';
import { computeAims, renderMarkdown, renderText, type BenchResults } from './report';
import { runSynthBench, type LambdaConfig } from './synth';
import { runFairnessBench, runFuzzInChild, runSoakBench, type ReliabilityResult } from './reliability';
import { DEFAULT_FUZZ_SEED } from './fuzz';

const REPO_ROOT = resolve(__dirname, '..');
/** The latest full run of the reliability section (committed, quoted in help/reliability.md). */
const RELIABILITY_RESULTS = 'reliability-latest.json';

function log(line: string): void {
  process.stderr.write(`[bench ${(performance.now() / 1000).toFixed(1)}s] ${line}\n`);
}

/** Design figures stand in when a section that measures them did not run; the cost says so. */
const FALLBACK_DURATIONS_MS = { messageSend: 25, outbox: 10, botReply: 25 };
const FALLBACK_LAMBDA: LambdaConfig = { functions: 0, memoryMb: 256, architecture: 'arm64', runtime: 'nodejs22.x' };

/** DynamoDB requests counted by operation → `<table>.<Operation>` for the cost's unit model. */
function byTable(byOperation: Record<string, number>): RequestCounts {
  // The runtime counts by operation; the design says which table each goes to: UpdateItem is split
  // between the connection's rate limit and the thread's timestamp grant (one each per message.send and one
  // thread update per bot reply), PutItem between messages and idempotency, Query is the broadcast.
  const counts: RequestCounts = {};
  for (const [operation, n] of Object.entries(byOperation)) {
    if (operation === 'UpdateItem') {
      counts['connections.UpdateItem'] = n / 3;
      counts['threads.UpdateItem'] = (2 * n) / 3;
    } else if (operation === 'PutItem') {
      counts['messages.PutItem'] = n / 2;
      counts['idempotency.PutItem'] = n / 2;
    } else if (operation === 'Query') {
      counts['connections.Query'] = n;
    } else {
      counts[`other.${operation}`] = n;
    }
  }
  return counts;
}

async function main(): Promise<number> {
  const parsed = parseOptions(process.argv.slice(2));
  if (parsed === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const options: BenchOptions = parsed;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.CHECKPOINT_DISABLE = '1';
  const started = new Date();
  const errors: string[] = [];
  const results: Omit<BenchResults, 'aims' | 'ok'> = {
    schemaVersion: 1,
    startedAt: started.toISOString(),
    finishedAt: '',
    mode: options.quick ? 'quick' : 'full',
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGb: Math.round(totalmem() / 1024 ** 3),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      loadAverageAtStart: loadavg().map((n) => Math.round(n * 100) / 100),
      note: 'shared machine: compare the ratios to baselines measured in the same run, not absolute times',
    },
    options: { ...options },
    errors,
  };
  const section = async <T>(name: string, run: () => Promise<T>): Promise<T | undefined> => {
    log(`${name}: start`);
    const t0 = performance.now();
    try {
      const value = await run();
      log(`${name}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      return value;
    } catch (error) {
      const message = `${name}: ${(error as Error).stack ?? String(error)}`;
      errors.push(message);
      log(`FAILED ${message}`);
      return undefined;
    }
  };

  if (options.sections.includes('synth')) {
    results.synth = await section('synth', () =>
      runSynthBench({ repoRoot: REPO_ROOT, projectRuns: options.synthRuns, baselineRuns: options.baselineRuns, skipBaselines: options.skipBaselines, log }),
    );
  }
  if (options.sections.includes('functions')) {
    results.functions = await section('functions', () =>
      runFunctionsBench({ repoRoot: REPO_ROOT, coldRuns: options.coldRuns, warmInvocations: options.warmInvocations, log }),
    );
  }
  if (options.sections.includes('messages')) {
    results.messagePath = await section('message path', () =>
      runMessagePathBench({
        repoRoot: REPO_ROOT,
        clients: options.clients,
        threads: options.threads,
        agentsPerThread: options.agentsPerThread,
        steadySeconds: options.steadySeconds,
        steadyRate: options.steadyRate,
        burstSeconds: options.burstSeconds,
        inFlightPerSender: options.inFlightPerSender,
        drainSeconds: options.drainSeconds,
        hotPathMessages: options.hotPathMessages,
        log,
      }),
    );
  }
  if (options.sections.includes('cost')) {
    results.cost = await section('cost', async () => {
      const lambda = results.synth?.lambda ?? FALLBACK_LAMBDA;
      const warm = (id: string) => results.functions?.handlers.find((h) => h.id === id)?.bundled.warmMs;
      const measured = results.messagePath;
      const invocations = measured?.perUserMessage.lambdaInvocations ?? {};
      const invocationsOf = (pattern: RegExp, fallback: number) => {
        const matching = Object.entries(invocations).filter(([name]) => pattern.test(name));
        return matching.length > 0 ? matching.reduce((sum, [, n]) => sum + n, 0) : fallback;
      };
      const inputs: CostInputs = {
        prices: loadPrices(REPO_ROOT),
        memoryMb: lambda.memoryMb,
        architecture: lambda.architecture,
        durationsMs: {
          messageSend: warm('messageSend') ?? FALLBACK_DURATIONS_MS.messageSend,
          outbox: warm('outbox') ?? FALLBACK_DURATIONS_MS.outbox,
          botReply: warm('botReply') ?? FALLBACK_DURATIONS_MS.botReply,
        },
        countsSource: measured ? 'measured' : 'design',
        dynamodbPerMessage: measured ? byTable(measured.perUserMessage.dynamodbByOperation) : DESIGN_REQUESTS_PER_MESSAGE,
        snsPublishesPerMessage: measured?.perUserMessage.snsPublishes ?? 1,
        invocationsPerMessage: measured
          ? { messageSend: invocationsOf(/message-?send/i, 1), outbox: invocationsOf(/outbox/i, 1), botReply: invocationsOf(/bot-?reply/i, 1) }
          : { messageSend: 1, outbox: 1, botReply: 1 },
        connectionMinutesPerMessagePerConnection: 1,
        tableAttribution: measured
          ? 'tables: the runtime counts requests by operation only; they are attributed as the design does them (UpdateItem: 1 in 3 the connection rate limit, 2 in 3 thread updates; PutItem: half messages, half idempotency records; Query: the broadcast)'
          : undefined,
      };
      const cost = computeCost(inputs);
      if (!results.synth?.lambda) cost.assumptions.push(`memory/architecture assumed ${FALLBACK_LAMBDA.memoryMb} MB ${FALLBACK_LAMBDA.architecture} (synth section did not run)`);
      if (!results.functions) cost.assumptions.push('durations assumed (functions section did not run)');
      return cost;
    });
  }

  if (options.sections.includes('reliability')) {
    const reliability: ReliabilityResult = {};
    reliability.fuzz = await section('reliability: fuzz', async () => ({
      seed: DEFAULT_FUZZ_SEED,
      routes: await runFuzzInChild(REPO_ROOT, options.fuzzRuns, DEFAULT_FUZZ_SEED),
    }));
    reliability.fairness = await section('reliability: fairness', () =>
      runFairnessBench({ floodFrames: options.floodFrames, probes: options.fairnessProbes, pausedReaderRequests: options.pausedReaderRequests, log }),
    );
    reliability.soak = await section('reliability: soak', () =>
      runSoakBench({
        repoRoot: REPO_ROOT,
        clients: options.soakClients,
        threads: Math.max(1, Math.round(options.soakClients / 4)),
        seconds: options.soakSeconds,
        messagesPerSecond: options.soakRate,
        sampleSeconds: Math.max(1, Math.round(options.soakSeconds / 60)),
        drainSeconds: options.drainSeconds,
        log,
      }),
    );
    results.reliability = reliability;
  }

  results.finishedAt = new Date().toISOString();
  const lost = results.messagePath?.load.lostMessages ?? 0;
  const functionFailures = results.functions?.failures ?? [];
  if (functionFailures.length > 0) errors.push(`functions: ${functionFailures.length} invocation(s) failed: ${functionFailures[0]}`);
  if (lost > 0) errors.push(`message path: ${lost} message(s) lost`);
  const soakLost = results.reliability?.soak?.lostMessages ?? 0;
  if (soakLost > 0) errors.push(`soak: ${soakLost} message(s) lost`);
  const fuzzInternal = Object.values(results.reliability?.fuzz?.routes ?? {}).reduce((sum, r) => sum + r.internalErrors + r.uncaught + r.violations, 0);
  if (fuzzInternal > 0) errors.push(`fuzz: ${fuzzInternal} case(s) answered INTERNAL_ERROR, threw or broke a property`);
  const aims = computeAims(results);
  const final: BenchResults = { ...results, aims, ok: errors.length === 0 };

  const dir = options.resultsDir ? resolve(options.resultsDir) : join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const json = `${JSON.stringify(final, null, 2)}\n`;
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(dir, `${stamp}.json`), json);
  const complete = !options.quick && ALL_SECTIONS.every((section) => options.sections.includes(section));
  if (complete) writeFileSync(join(dir, 'latest.json'), json);
  // help/reliability.md quotes the reliability section's latest full run, which takes half an hour on its own.
  const reliabilityRun = !options.quick && options.sections.includes('reliability') && results.reliability !== undefined;
  if (reliabilityRun) writeFileSync(join(dir, RELIABILITY_RESULTS), json);
  process.stdout.write(`${renderText(final)}\n`);
  const written =
    (complete ? ' and latest.json' : ' (latest.json is kept: it holds full runs only)') + (reliabilityRun ? ` and ${RELIABILITY_RESULTS}` : '');
  log(`results: ${join(dir, `${stamp}.json`)}${written} (${(performance.now() / 1000).toFixed(1)} s total)`);
  return final.ok ? 0 : 1;
}

if (process.argv.includes('--markdown')) {
  // Renders help/performance.md's tables from a results file: npm run bench -- --markdown [file]
  const file = process.argv[process.argv.indexOf('--markdown') + 1] ?? join(REPO_ROOT, 'bench', 'results', 'latest.json');
  const saved = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
  // Aims are recomputed from the measurements, so a results file reads with the current aim notes.
  process.stdout.write(`${renderMarkdown({ ...saved, aims: computeAims(saved) })}\n`);
} else {
  main().then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    },
  );
}
