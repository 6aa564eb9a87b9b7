/**
 * Fuzz bench: many generated client frames per route (and bot-reply inputs) against the real
 * handlers on dynalite, with the properties of __tests__/reliability/fuzz.test.ts counted rather
 * than asserted. Standalone: `npx tsx bench/fuzz.ts [--runs 10000] [--seed 20261202]`.
 */
import fc from 'fast-check';
import { FUZZ_ROUTES, ROUTE_INPUTS, type FuzzRoute } from '../__tests__/reliability/frame-arbitraries';
import { runCase, startFuzzWorld } from '../__tests__/reliability/fuzz-runner';

/** Cases per route of the full bench. */
export const DEFAULT_FUZZ_RUNS_PER_ROUTE = 10_000;
export const DEFAULT_FUZZ_SEED = 20261202;

export interface FuzzRouteFigures {
  cases: number;
  refused: number;
  accepted: number;
  /** INTERNAL_ERROR answers to client input (aim: 0). */
  internalErrors: number;
  /** Exceptions out of a handler (aim: 0). */
  uncaught: number;
  /** Cases breaking another property: a refused frame left a trace, or a stored message differs from its ack (aim: 0). */
  violations: number;
  durationMs: number;
}

export type FuzzBenchResult = Record<FuzzRoute, FuzzRouteFigures>;

export interface FuzzBenchOptions {
  runsPerRoute?: number;
  seed?: number;
}

/** Runs `runsPerRoute` generated cases on every route, one after another, and counts outcomes. */
export async function runFuzzBench(options: FuzzBenchOptions = {}): Promise<FuzzBenchResult> {
  const runsPerRoute = options.runsPerRoute ?? DEFAULT_FUZZ_RUNS_PER_ROUTE;
  const seed = options.seed ?? DEFAULT_FUZZ_SEED;
  // The harness sets CHAT_LOG_LEVEL=error: only failures print.
  const world = await startFuzzWorld();
  const result = {} as FuzzBenchResult;
  try {
    for (const route of FUZZ_ROUTES) {
      const started = Date.now();
      const figures: FuzzRouteFigures = { cases: 0, refused: 0, accepted: 0, internalErrors: 0, uncaught: 0, violations: 0, durationMs: 0 };
      for (const input of fc.sample(ROUTE_INPUTS[route], { seed, numRuns: runsPerRoute })) {
        const outcome = await runCase(world, route, input);
        figures.cases++;
        if (outcome.kind === 'accepted') figures.accepted++;
        else if (outcome.kind === 'refused') figures.refused++;
        else if (outcome.kind === 'internalError') figures.internalErrors++;
        else figures.uncaught++;
        if (outcome.kind !== 'internalError' && outcome.kind !== 'uncaught' && outcome.violations.length > 0) figures.violations++;
      }
      figures.durationMs = Date.now() - started;
      result[route] = figures;
    }
  } finally {
    await world.harness.stop();
  }
  return result;
}

function numberArgument(args: string[], name: string): number | undefined {
  const index = args.indexOf(name);
  if (index === -1) return undefined;
  const value = Number(args[index + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} needs a positive integer`);
  return value;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  runFuzzBench({ runsPerRoute: numberArgument(args, '--runs'), seed: numberArgument(args, '--seed') })
    .then((result) => {
      // Forked by the bench (bench/reliability.ts runFuzzInChild): the figures go back over IPC.
      if (process.send) return void process.send({ result });
      console.table(result);
      const failures = Object.values(result).reduce((sum, figures) => sum + figures.internalErrors + figures.uncaught + figures.violations, 0);
      process.exitCode = failures === 0 ? 0 : 1;
    })
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    });
}
