#!/usr/bin/env node
/**
 * The cdktf app command (cdktf.json): `node tools/run-app.cjs main.ts`.
 *
 * Transpiles the app's own TypeScript (main.ts and lib/, never node_modules) with esbuild into one
 * CommonJS file and runs it with plain node. That is the whole synth path: no type-checking (that is
 * `npm run typecheck`, a separate CI step) and no loader hooks on every `require`, which together
 * cost more than the synth itself. Source maps are off because cdktf captures a full stack trace
 * for every token it creates and each one would be source-mapped; run with
 * `NODE_OPTIONS=--enable-source-maps` to get TypeScript positions in a synth error.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { build } = require('esbuild');

const [entry] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node tools/run-app.cjs <app entry, e.g. main.ts>');
  process.exit(2);
}
const projectRoot = path.resolve(__dirname, '..');
const entryFile = path.resolve(entry);
// Inside node_modules so that the compiled app resolves packages exactly as the sources do; one file
// per process so that concurrent synths never run each other's half-written output.
const outDir = path.join(projectRoot, 'node_modules', '.cache', 'cdktf-chat-server-app');
const outFile = path.join(outDir, `${path.basename(entryFile, path.extname(entryFile))}-${process.pid}.cjs`);

/**
 * The app's files are inlined into one file in another directory: give each file its own
 * `__dirname`/`__filename` back, so that code locating files next to itself (lib/ finding handlers/)
 * still does.
 */
const keepSourceLocation = {
  name: 'keep-source-location',
  setup(esbuild) {
    esbuild.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
      const source = fs.readFileSync(args.path, 'utf8');
      const contents = source
        .replace(/\b__dirname\b/g, JSON.stringify(path.dirname(args.path)))
        .replace(/\b__filename\b/g, JSON.stringify(args.path));
      return { contents, loader: path.extname(args.path).includes('t') ? 'ts' : 'js' };
    });
  },
};

async function main() {
  try {
    await build({
      entryPoints: [entryFile],
      absWorkingDir: projectRoot,
      outfile: outFile,
      bundle: true,
      packages: 'external',
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      sourcemap: 'inline',
      logLevel: 'error',
      plugins: [keepSourceLocation],
    });
  } catch {
    return 1; // esbuild has printed the error with its location
  }
  const sourceMapsAsked =
    process.execArgv.includes('--enable-source-maps') || /--enable-source-maps/.test(process.env.NODE_OPTIONS ?? '');
  if (!sourceMapsAsked) process.setSourceMapsEnabled(false);
  // Node 22.1+: V8's code cache for the modules a synth loads (cdktf, the provider classes), kept
  // between synths; compiling them is about a fifth of a synth. A no-op on older Node versions.
  require('node:module').enableCompileCache?.(path.join(projectRoot, 'node_modules', '.cache', 'cdktf-chat-server-compile'));
  // The app sees the command line it would see run directly: `node <entry> [args...]`.
  process.argv = [process.argv[0], entryFile, ...process.argv.slice(3)];
  try {
    require(outFile);
  } finally {
    fs.rmSync(outFile, { force: true });
  }
  return 0;
}

main().then((code) => {
  if (code !== 0) process.exitCode = code;
});
