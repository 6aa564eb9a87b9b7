/**
 * Property-based fuzzing of every client route and the bot-reply function against the real handlers
 * on dynalite: arbitrary frames (wrong types, odd numbers, prototype keys, unicode, malformed JSON)
 * never get INTERNAL_ERROR or an uncaught exception, a refused one leaves no trace, and an accepted
 * message is stored exactly as acknowledged. Fixed seed: a failure reproduces; bench/fuzz.ts runs more cases.
 */
import fc from 'fast-check';
import { FUZZ_ROUTES, ROUTE_INPUTS } from './frame-arbitraries';
import { runCase, startFuzzWorld, type FuzzWorld } from './fuzz-runner';

const SEED = 20261202;
const RUNS_PER_ROUTE = 150;

let world: FuzzWorld;

beforeAll(async () => {
  world = await startFuzzWorld();
});

afterAll(async () => {
  await world?.harness.stop();
});

describe('fuzzed client input', () => {
  test.each(FUZZ_ROUTES)(
    'GIVEN %s input from the arbitraries WHEN sent THEN never INTERNAL_ERROR or uncaught, refusals leave no trace, stored messages equal their acks',
    async (route) => {
      await fc.assert(
        fc.asyncProperty(ROUTE_INPUTS[route], async (input) => {
          const outcome = await runCase(world, route, input);
          expect(outcome.violations).toEqual([]);
        }),
        { seed: SEED, numRuns: RUNS_PER_ROUTE, endOnFailure: true },
      );
    },
  );
});
