/**
 * The baselines need `ts-node`, which the project deliberately does not depend on (type-checking
 * belongs in `tsc --noEmit`, not in the synth path). It is installed on demand into a throwaway
 * directory outside the repository, never into the project's node_modules.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const BENCH_TOOLS_DIR = process.env.CHAT_BENCH_TOOLS_DIR ?? '/tmp/bench-tools';
const TS_NODE_SPEC = 'ts-node@10.9.2';
// The same TypeScript as the project pins, so the baseline type-checks with the project's compiler.
const TYPESCRIPT_SPEC = 'typescript@5.9.3';

/** Path to ts-node's CLI, installing it into BENCH_TOOLS_DIR first when missing. */
export function ensureTsNode(log: (line: string) => void): string {
  const bin = join(BENCH_TOOLS_DIR, 'node_modules', 'ts-node', 'dist', 'bin.js');
  if (existsSync(bin)) return bin;
  log(`baseline tools: installing ${TS_NODE_SPEC} into ${BENCH_TOOLS_DIR} (outside the repo; needs the npm registry)...`);
  try {
    execFileSync('npm', ['install', '--prefix', BENCH_TOOLS_DIR, '--no-audit', '--no-fund', '--no-save', '--fetch-retries=1', '--fetch-timeout=30000', TS_NODE_SPEC, TYPESCRIPT_SPEC], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (error) {
    throw new Error(
      `could not install ${TS_NODE_SPEC} into ${BENCH_TOOLS_DIR} for the synth baselines: ${(error as Error).message}\n` +
        `Install it by hand (npm install --prefix ${BENCH_TOOLS_DIR} ${TS_NODE_SPEC} ${TYPESCRIPT_SPEC}) or run with --skip-baselines.`,
    );
  }
  if (!existsSync(bin)) throw new Error(`ts-node was installed but ${bin} is missing`);
  return bin;
}
