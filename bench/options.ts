/** Command-line options of `npm run bench`, with the full and `--quick` defaults. */
import { DEFAULT_FUZZ_RUNS_PER_ROUTE } from './fuzz';

export type SectionId = 'synth' | 'functions' | 'messages' | 'cost' | 'reliability';
export const ALL_SECTIONS: readonly SectionId[] = ['synth', 'functions', 'messages', 'cost', 'reliability'];

export interface BenchOptions {
  quick: boolean;
  sections: SectionId[];
  skipBaselines: boolean;
  synthRuns: number;
  baselineRuns: number;
  coldRuns: number;
  warmInvocations: number;
  clients: number;
  threads: number;
  agentsPerThread: number;
  steadySeconds: number;
  steadyRate: number;
  burstSeconds: number;
  inFlightPerSender: number;
  drainSeconds: number;
  hotPathMessages: number;
  /** Reliability: frames the flooding connection pipelines, fresh clients probed alone and under the flood. */
  floodFrames: number;
  fairnessProbes: number;
  pausedReaderRequests: number;
  /** Reliability: generated cases per route for the fuzzing (bench/fuzz.ts). */
  fuzzRuns: number;
  soakClients: number;
  soakSeconds: number;
  soakRate: number;
  resultsDir?: string;
}

export const USAGE = `npm run bench [-- options]

  --quick                  CI smoke run: fewer runs and clients, a few minutes
  --only <list>            sections to run: synth,functions,messages,cost,reliability (default all)
  --skip-baselines         synth without the ts-node baselines (no npm install needed)
  --synth-runs <n>         synth runs of this project (default 5; quick 1)
  --baseline-runs <n>      runs of each ts-node baseline (default 3; quick 1)
  --cold-runs <n>          cold starts per handler and variant (default 7; quick 1)
  --clients <n>            WebSocket connections (default 200; quick 40)
  --threads <n>            chat threads they spread over (default 50; quick 10)
  --agents-per-thread <n>  of each thread's connections, agents (receivers) (default 1)
  --steady-seconds <n>     steady phase length (default 20; quick 5)
  --rate <n>               steady phase: total user messages/s over all senders (default 40; quick 20)
  --burst-seconds <n>      max-throughput phase length (default 20; quick 5)
  --in-flight <n>          messages awaiting ack per sender in the burst (default 1)
  --hot-path-messages <n>  messages in each message.send hot-path probe (default 100; quick 20)
  --drain-seconds <n>      how long to wait for late acks, deliveries and bot replies (default 30)
  --flood-frames <n>       reliability: frames one connection pipelines (default 2000)
  --fairness-probes <n>    reliability: fresh clients probed alone and under the flood (default 20; quick 5)
  --paused-requests <n>    reliability: history requests of a client that never reads (default 1000; quick 200)
  --fuzz-runs <n>          reliability: generated cases per route (default 10000; quick 200)
  --soak-clients <n>       reliability: connections in the soak (default 300; quick 40)
  --soak-seconds <n>       reliability: soak length (default 600; quick 15)
  --soak-rate <n>          reliability: soak's total user messages/s (default 30; quick 10)
  --results-dir <dir>      where to write the JSON (default bench/results)
  --markdown [file]        print the tables of a results file (default latest.json) as markdown
  --help                   this text`;

function positive(name: string, raw: string | undefined): number {
  const value = Number(raw);
  if (raw === undefined || !Number.isFinite(value) || value < 0) throw new Error(`${name} needs a non-negative number, got "${raw}"`);
  return value;
}

export function parseOptions(argv: readonly string[]): BenchOptions | 'help' {
  const quick = argv.includes('--quick');
  const options: BenchOptions = {
    quick,
    sections: [...ALL_SECTIONS],
    skipBaselines: false,
    synthRuns: quick ? 1 : 5,
    baselineRuns: quick ? 1 : 3,
    coldRuns: quick ? 1 : 7,
    warmInvocations: quick ? 3 : 10,
    clients: quick ? 40 : 200,
    threads: quick ? 10 : 50,
    agentsPerThread: 1,
    steadySeconds: quick ? 5 : 20,
    steadyRate: quick ? 20 : 40,
    burstSeconds: quick ? 5 : 20,
    inFlightPerSender: 1,
    drainSeconds: 30,
    hotPathMessages: quick ? 20 : 100,
    floodFrames: 2000,
    fairnessProbes: quick ? 5 : 20,
    pausedReaderRequests: quick ? 200 : 1000,
    fuzzRuns: quick ? 200 : DEFAULT_FUZZ_RUNS_PER_ROUTE,
    soakClients: quick ? 40 : 300,
    soakSeconds: quick ? 15 : 600,
    soakRate: quick ? 10 : 30,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = (): string | undefined => argv[++i];
    switch (arg) {
      case '--quick':
        break;
      case '--help':
      case '-h':
        return 'help';
      case '--only': {
        const list = (next() ?? '').split(',').map((s) => s.trim()).filter(Boolean);
        const unknown = list.filter((s) => !ALL_SECTIONS.includes(s as SectionId));
        if (list.length === 0 || unknown.length > 0) throw new Error(`--only takes ${ALL_SECTIONS.join(',')}; got "${list.join(',')}"`);
        options.sections = list as SectionId[];
        break;
      }
      case '--skip-baselines':
        options.skipBaselines = true;
        break;
      case '--synth-runs': options.synthRuns = Math.max(1, positive(arg, next())); break;
      case '--baseline-runs': options.baselineRuns = Math.max(1, positive(arg, next())); break;
      case '--cold-runs': options.coldRuns = Math.max(1, positive(arg, next())); break;
      case '--clients': options.clients = Math.max(2, positive(arg, next())); break;
      case '--threads': options.threads = Math.max(1, positive(arg, next())); break;
      case '--agents-per-thread': options.agentsPerThread = positive(arg, next()); break;
      case '--steady-seconds': options.steadySeconds = positive(arg, next()); break;
      case '--rate': options.steadyRate = positive(arg, next()); break;
      case '--burst-seconds': options.burstSeconds = positive(arg, next()); break;
      case '--in-flight': options.inFlightPerSender = Math.max(1, positive(arg, next())); break;
      case '--hot-path-messages': options.hotPathMessages = Math.max(1, positive(arg, next())); break;
      case '--drain-seconds': options.drainSeconds = Math.max(1, positive(arg, next())); break;
      case '--flood-frames': options.floodFrames = Math.max(1, positive(arg, next())); break;
      case '--fairness-probes': options.fairnessProbes = Math.max(1, positive(arg, next())); break;
      case '--paused-requests': options.pausedReaderRequests = Math.max(1, positive(arg, next())); break;
      case '--fuzz-runs': options.fuzzRuns = Math.max(1, positive(arg, next())); break;
      case '--soak-clients': options.soakClients = Math.max(2, positive(arg, next())); break;
      case '--soak-seconds': options.soakSeconds = Math.max(1, positive(arg, next())); break;
      case '--soak-rate': options.soakRate = Math.max(1, positive(arg, next())); break;
      case '--results-dir': options.resultsDir = next(); break;
      default:
        throw new Error(`unknown option "${arg}"\n\n${USAGE}`);
    }
  }
  return options;
}
