/**
 * Section 1, synth: the default stack's full synth (the app command `cdktf synth` runs, esbuild
 * bundling included), each run in a fresh child process with a fresh output directory, measured
 * from the outside. The project runs twice over: with the bundle cache warm (a synth after a change
 * that left the handlers alone, or a CI runner that keeps the cache) and with it off (a fresh CI
 * runner: every synth bundles). Baselines on the same stack in the same run, cache warm like the
 * project's, interleaved run by run so machine drift hits every variant alike:
 *   (a) the stock cdktf TypeScript template's app command, `ts-node main.ts` (type-checking);
 *   (b) the same, with the provider imported from the package root (`import * as aws from ...`).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTsNode } from './baseline-tools';
import { runMeasured, type MeasuredRun } from './proc';
import { createRootImportVariant } from './root-import-variant';
import { median, ratio, round } from './stats';

export interface SynthVariantResult {
  id: 'project' | 'projectNoBundleCache' | 'tsNode' | 'tsNodeRootImport';
  label: string;
  command: string;
  runs: number;
  wallMs: { median: number; min: number; max: number; samples: number[] };
  peakRssMb: { median: number; max: number };
  treePeakRssMb: { median: number; max: number };
  resources: number;
  /** SHA-256 of the synthesized cdk.tf.json with the output and app directory paths (and local state path) normalized. */
  outputSha256: string;
}

export interface SynthResult {
  stack: string;
  variants: SynthVariantResult[];
  /** Baseline time / project time (higher = the project is faster). */
  speedupVsTsNode?: number;
  speedupVsRootImport?: number;
  memoryRatioVsTsNode?: number;
  memoryRatioVsRootImport?: number;
  sameOutputAcrossVariants: boolean;
  rootImportRewrite?: { filesRewritten: number; importsRewritten: number };
  /** The construct's handler bundling alone (esbuild, all handlers, cache off) in a fresh process: what a synth with a cold bundle cache pays. */
  bundlingMs?: number;
  /** Why the ts-node baselines did not run (ts-node could not be installed). */
  baselineError?: string;
  /** Memory/architecture of the synthesized functions (for the cost section). */
  lambda?: LambdaConfig;
}

interface Variant {
  id: SynthVariantResult['id'];
  label: string;
  cwd: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  samples: MeasuredRun[];
  outputs: { resources: number; sha: string }[];
}

export interface SynthOptions {
  repoRoot: string;
  projectRuns: number;
  baselineRuns: number;
  skipBaselines: boolean;
  log: (line: string) => void;
}

/** The project's own app command from cdktf.json (`node tools/run-app.cjs main.ts`). */
function projectAppCommand(repoRoot: string): string[] {
  const config = JSON.parse(readFileSync(join(repoRoot, 'cdktf.json'), 'utf8')) as { app: string };
  return config.app.trim().split(/\s+/);
}

export interface LambdaConfig {
  functions: number;
  /** The memory size most functions have (the construct's default). */
  memoryMb: number;
  architecture: string;
  runtime: string;
}

function lambdaConfig(json: { resource?: Record<string, Record<string, unknown>> }): LambdaConfig | undefined {
  const functions = Object.values(json.resource?.aws_lambda_function ?? {}) as {
    memory_size?: number;
    architectures?: string[];
    runtime?: string;
  }[];
  if (functions.length === 0) return undefined;
  const mostCommon = <T>(values: T[]): T => {
    const counts = new Map<T, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
  };
  return {
    functions: functions.length,
    memoryMb: Number(mostCommon(functions.map((f) => f.memory_size ?? 128))),
    architecture: mostCommon(functions.map((f) => f.architectures?.[0] ?? 'x86_64')),
    runtime: mostCommon(functions.map((f) => f.runtime ?? '')),
  };
}

function readSynthOutput(outdir: string, appDir: string): { stack: string; resources: number; sha: string; lambda?: LambdaConfig } {
  const stacksDir = join(outdir, 'stacks');
  if (!existsSync(stacksDir)) throw new Error(`synth wrote no stacks under ${outdir}`);
  const stacks = readdirSync(stacksDir).sort();
  if (stacks.length === 0) throw new Error(`synth wrote no stack under ${stacksDir}`);
  const stack = stacks[0];
  const text = readFileSync(join(stacksDir, stack, 'cdk.tf.json'), 'utf8').split(outdir).join('<outdir>').split(appDir).join('<app>');
  const json = JSON.parse(text) as {
    resource?: Record<string, Record<string, unknown>>;
    terraform?: { backend?: { local?: { path?: string } } };
  };
  // The local state file's path is relative from the output dir to the app dir: it differs by layout only.
  if (json.terraform?.backend?.local?.path) json.terraform.backend.local.path = '<app>/state';
  const resources = Object.values(json.resource ?? {}).reduce((sum, byName) => sum + Object.keys(byName).length, 0);
  return { stack, resources, sha: createHash('sha256').update(JSON.stringify(json)).digest('hex'), lambda: lambdaConfig(json) };
}

export async function runSynthBench(options: SynthOptions): Promise<SynthResult> {
  const { repoRoot, log } = options;
  const [appBin, ...appArgs] = projectAppCommand(repoRoot);
  const variants: Variant[] = [
    { id: 'project', label: 'this project (run-app, lib/ imports)', cwd: repoRoot, command: appBin, args: appArgs, samples: [], outputs: [] },
    {
      id: 'projectNoBundleCache', label: 'this project, bundle cache off', cwd: repoRoot, command: appBin, args: appArgs,
      env: { CHAT_BUNDLE_CACHE: 'off' }, samples: [], outputs: [],
    },
  ];
  let rewrite: SynthResult['rootImportRewrite'];
  let variantDir: string | undefined;
  let tsNode: string | undefined;
  let baselineError: string | undefined;
  if (!options.skipBaselines) {
    try {
      tsNode = ensureTsNode(log);
    } catch (error) {
      // No registry, no baselines: the project's own synth is still measured, and the report says why.
      baselineError = (error as Error).message;
      log(`synth: baselines skipped: ${baselineError}`);
    }
  }
  if (tsNode) {
    variants.push({
      id: 'tsNode', label: '(a) ts-node main.ts (stock template)', cwd: repoRoot, command: process.execPath, args: [tsNode, 'main.ts'], samples: [], outputs: [],
    });
    const variant = createRootImportVariant(repoRoot);
    variantDir = variant.dir;
    rewrite = { filesRewritten: variant.filesRewritten, importsRewritten: variant.importsRewritten };
    variants.push({
      id: 'tsNodeRootImport', label: '(b) ts-node, provider from package root', cwd: variant.dir, command: process.execPath, args: [tsNode, 'main.ts'], samples: [], outputs: [],
    });
  }
  let stackName = '';
  let lambda: LambdaConfig | undefined;
  const maxRuns = Math.max(options.projectRuns, tsNode ? options.baselineRuns : 0);
  const bundlingSamples: number[] = [];
  const bundle = (sourceRoot: string, env: Record<string, string> = {}) =>
    runMeasured(appBin, [...appArgs.slice(0, -1), join('bench', 'measure-bundling.ts'), sourceRoot], {
      cwd: repoRoot,
      env: { ...process.env, NODE_OPTIONS: '', ...env },
    });
  try {
    // Warm the bundle cache of every source tree, so the first measured run of each is like the rest.
    for (const variant of variants) {
      const primed = await bundle(variant.cwd);
      if (primed.exitCode !== 0) throw new Error(`bundling ${variant.cwd} failed:\n${primed.stderr.slice(-4000)}`);
    }
    for (let run = 0; run < maxRuns; run++) {
      if (run < options.projectRuns) {
        // The bundling alone, in the same rotation so it sees the same machine conditions.
        const measured = await bundle(repoRoot, { CHAT_BUNDLE_CACHE: 'off' });
        const line = measured.stdout.trim().split('\n').pop() ?? '';
        if (measured.exitCode === 0 && line.startsWith('{')) bundlingSamples.push((JSON.parse(line) as { bundlingMs: number }).bundlingMs);
      }
      for (const variant of variants) {
        const wanted = variant.id.startsWith('project') ? options.projectRuns : options.baselineRuns;
        if (run >= wanted) continue;
        const outdir = mkdtempSync(join(tmpdir(), 'chat-bench-synth-'));
        try {
          const env = { ...process.env, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: '1', NODE_OPTIONS: '', ...variant.env };
          const result = await runMeasured(variant.command, variant.args, { cwd: variant.cwd, env, timeoutMs: 10 * 60_000 });
          if (result.exitCode !== 0) {
            throw new Error(`synth ${variant.label} exited ${result.exitCode}:\n${result.stderr.slice(-4000)}`);
          }
          const output = readSynthOutput(outdir, variant.cwd);
          stackName = output.stack;
          if (variant.id === 'project') lambda = output.lambda;
          variant.samples.push(result);
          variant.outputs.push({ resources: output.resources, sha: output.sha });
          log(`synth ${variant.id} run ${run + 1}: ${Math.round(result.wallMs)} ms, peak ${Math.round(result.peakRssMb)} MB`);
        } finally {
          rmSync(outdir, { recursive: true, force: true });
        }
      }
    }
  } finally {
    if (variantDir) rmSync(variantDir, { recursive: true, force: true });
  }
  const results = variants.map((variant): SynthVariantResult => {
    const walls = variant.samples.map((s) => s.wallMs);
    const rss = variant.samples.map((s) => s.peakRssMb);
    const tree = variant.samples.map((s) => s.treePeakRssMb);
    return {
      id: variant.id,
      label: variant.label,
      command: [variant.command === process.execPath ? 'node' : variant.command, ...variant.args].join(' '),
      runs: variant.samples.length,
      wallMs: { median: round(median(walls)), min: round(Math.min(...walls)), max: round(Math.max(...walls)), samples: walls.map(round) },
      peakRssMb: { median: round(median(rss)), max: round(Math.max(...rss)) },
      treePeakRssMb: { median: round(median(tree)), max: round(Math.max(...tree)) },
      resources: variant.outputs[0]?.resources ?? 0,
      outputSha256: variant.outputs[0]?.sha ?? '',
    };
  });
  const byId = (id: SynthVariantResult['id']) => results.find((r) => r.id === id);
  const project = byId('project')!;
  const tsNodeResult = byId('tsNode');
  const rootImport = byId('tsNodeRootImport');
  const allShas = variants.flatMap((v) => v.outputs.map((o) => o.sha));
  return {
    stack: stackName,
    variants: results,
    speedupVsTsNode: tsNodeResult && ratio(tsNodeResult.wallMs.median, project.wallMs.median),
    speedupVsRootImport: rootImport && ratio(rootImport.wallMs.median, project.wallMs.median),
    memoryRatioVsTsNode: tsNodeResult && ratio(tsNodeResult.peakRssMb.median, project.peakRssMb.median),
    memoryRatioVsRootImport: rootImport && ratio(rootImport.peakRssMb.median, project.peakRssMb.median),
    sameOutputAcrossVariants: new Set(allShas).size === 1,
    rootImportRewrite: rewrite,
    bundlingMs: bundlingSamples.length > 0 ? round(median(bundlingSamples)) : undefined,
    baselineError,
    lambda,
  };
}
