/** Command-line options of `npm run bench`, with the full and `--quick` defaults. */

export type SectionId = 'synth' | 'functions' | 'messages' | 'cost';
export const ALL_SECTIONS: readonly SectionId[] = ['synth', 'functions', 'messages', 'cost'];

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
  resultsDir?: string;
}

export const USAGE = `npm run bench [-- options]

  --quick                  CI smoke run: fewer runs and clients, under 2 minutes
  --only <list>            sections to run: synth,functions,messages,cost (default all)
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
      case '--results-dir': options.resultsDir = next(); break;
      default:
        throw new Error(`unknown option "${arg}"\n\n${USAGE}`);
    }
  }
  return options;
}
