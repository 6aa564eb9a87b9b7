#!/usr/bin/env node
/**
 * The cdktf app command (cdktf.json): `node tools/run-app.cjs main.ts`.
 *
 * Transpiles the app's own TypeScript (main.ts and lib/, never node_modules) with esbuild into one
 * CommonJS module and runs it from memory with plain node. That is the whole synth path: no type-checking (that is
 * `npm run typecheck`, a separate CI step) and no loader hooks on every `require`, which together
 * cost more than the synth itself. Source maps are off because cdktf captures a full stack trace
 * for every token it creates and each one would be source-mapped; run with
 * `NODE_OPTIONS=--enable-source-maps` to get TypeScript positions in a synth error.
 */
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const { build } = require('esbuild');

const [entry] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node tools/run-app.cjs <app entry, e.g. main.ts>');
  process.exit(2);
}
const projectRoot = path.resolve(__dirname, '..');
const entryFile = path.resolve(entry);
// Where the compiled app presents itself (never written): beside the entry, named for stack traces.
const entryName = path.basename(entryFile, path.extname(entryFile));
const compiledFile = path.join(path.dirname(entryFile), `${entryName}.compiled.cjs`);
const sourceMapsAsked =
  process.execArgv.includes('--enable-source-maps') || /--enable-source-maps/.test(process.env.NODE_OPTIONS ?? '');

/**
 * The app's files are inlined into one module: give each file its own
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

/** The app compiled into one CommonJS module, in memory. */
async function compile() {
  const result = await build({
    entryPoints: [entryFile],
    absWorkingDir: projectRoot,
    outfile: compiledFile,
    write: false,
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: sourceMapsAsked ? 'inline' : false,
    logLevel: 'error',
    plugins: [keepSourceLocation],
  });
  return result.outputFiles[0].text;
}

async function main() {
  let code;
  try {
    code = await compile();
  } catch {
    return 1; // esbuild has printed the error with its location
  }
  if (!sourceMapsAsked) process.setSourceMapsEnabled(false);
  // Node 22.1+: V8's code cache for the modules a synth loads (cdktf, the provider classes), kept
  // between synths; compiling them is about a fifth of a synth. A no-op on older Node versions.
  Module.enableCompileCache?.(path.join(projectRoot, 'node_modules', '.cache', 'cdktf-chat-server-compile'));
  // The app sees the command line it would see run directly: `node <entry> [args...]`.
  process.argv = [process.argv[0], entryFile, ...process.argv.slice(3)];
  // Run from memory as a module beside the entry, so it resolves packages exactly as the sources do
  // and nothing is written (a read-only checkout synthesizes too).
  const app = new Module(compiledFile, module);
  app.filename = compiledFile;
  app.paths = Module._nodeModulePaths(path.dirname(compiledFile));
  app._compile(code, compiledFile);
  return 0;
}

main().then((code) => {
  if (code !== 0) process.exitCode = code;
});
