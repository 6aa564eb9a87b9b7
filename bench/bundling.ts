/**
 * The two ways a handler is packaged for the functions section. Bundled: exactly what the construct
 * deploys, from its own bundling function (lib/bundling.ts `bundleHandlers`), not a copy of its
 * options. Unbundled: the handler's own code transpiled to one CommonJS file with every package
 * left as a `require` from node_modules, how it would run shipped beside the runtime's AWS SDK.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { bundleHandlers, BUNDLE_HANDLER, type HandlerBundles } from '../lib/bundling';
import type { HandlerId } from '../lib/schema';
import type { ZipEntry } from './zip';

export interface BundledHandler {
  description: string;
  entryFile: string;
  files: ZipEntry[];
}

let cached: { repoRoot: string; bundles: HandlerBundles } | undefined;

/** The construct's bundle of one handler: the files its zip holds. */
export function bundleHandler(repoRoot: string, id: HandlerId): BundledHandler {
  if (cached?.repoRoot !== repoRoot) cached = { repoRoot, bundles: bundleHandlers(repoRoot) };
  const bundle = cached.bundles[id];
  const entryFile = `${BUNDLE_HANDLER.split('.')[0]}.js`;
  return {
    description: `lib/bundling.ts bundleHandlers (the construct's esbuild build), handler ${BUNDLE_HANDLER}`,
    entryFile,
    files: [{ name: entryFile, data: readFileSync(join(bundle.directory, entryFile)) }],
  };
}

/** Writes the unbundled variant of `entry` under `outDir` (inside node_modules) and returns its path. */
export async function bundleHandlerUnbundled(repoRoot: string, entry: string, outDir: string): Promise<string> {
  const outfile = join(outDir, 'index.js');
  await build({
    absWorkingDir: repoRoot,
    entryPoints: [relative(repoRoot, entry)],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    logLevel: 'silent',
  });
  return outfile;
}
