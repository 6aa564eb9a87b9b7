/**
 * Prints how long the construct's handler bundling (lib/bundling.ts bundleHandlers: one esbuild call
 * for every handler) takes in a fresh process, so the synth table can say how much of a synth it is.
 * Run by bench/synth.ts: `node node_modules/tsx/dist/cli.mjs bench/measure-bundling.ts <repoRoot>`.
 */
import { performance } from 'node:perf_hooks';
import { bundleHandlers } from '../lib/bundling';

const repoRoot = process.argv[2] ?? process.cwd();
const started = performance.now();
bundleHandlers(repoRoot);
process.stdout.write(`${JSON.stringify({ bundlingMs: performance.now() - started })}\n`);
