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
const crypto = require('node:crypto');
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
// Inside node_modules so that the compiled app resolves packages exactly as the sources do.
const outDir = path.join(projectRoot, 'node_modules', '.cache', 'cdktf-chat-server-app');
const entryName = path.basename(entryFile, path.extname(entryFile));
const sourceMapsAsked =
  process.execArgv.includes('--enable-source-maps') || /--enable-source-maps/.test(process.env.NODE_OPTIONS ?? '');

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

/**
 * The compiled app, named by its content: the same sources give the same file (and Node's compile
 * cache, where it exists, finds it again), and a concurrent synth of other sources never runs it.
 */
async function compile() {
  const result = await build({
    entryPoints: [entryFile],
    absWorkingDir: projectRoot,
    outfile: path.join(outDir, `${entryName}.cjs`),
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
  const contents = result.outputFiles[0].contents;
  const hash = crypto.createHash('sha256').update(contents).digest('hex').slice(0, 16);
  const file = path.join(outDir, `${entryName}-${hash}.cjs`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(outDir, { recursive: true });
    const staging = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(staging, contents);
    fs.renameSync(staging, file); // atomic: another synth never reads half a file
  }
  return file;
}

/**
 * Keeps the cache directory to the apps in use: other compilations of this entry go once they are
 * a minute old (a concurrent synth of other sources may be about to load its own).
 */
function removeOlderCompilations(current) {
  const cutoff = Date.now() - 60_000;
  for (const name of fs.readdirSync(outDir)) {
    const file = path.join(outDir, name);
    if (file === current || !name.startsWith(`${entryName}-`) || !name.endsWith('.cjs')) continue;
    try {
      if (fs.statSync(file).mtimeMs < cutoff) fs.rmSync(file, { force: true });
    } catch {
      // Removed by another synth meanwhile.
    }
  }
}

async function main() {
  let compiled;
  try {
    compiled = await compile();
  } catch {
    return 1; // esbuild has printed the error with its location
  }
  if (!sourceMapsAsked) process.setSourceMapsEnabled(false);
  // Node 22.1+: V8's code cache for the modules a synth loads (cdktf, the provider classes), kept
  // between synths; compiling them is about a fifth of a synth. A no-op on older Node versions.
  require('node:module').enableCompileCache?.(path.join(projectRoot, 'node_modules', '.cache', 'cdktf-chat-server-compile'));
  // The app sees the command line it would see run directly: `node <entry> [args...]`.
  process.argv = [process.argv[0], entryFile, ...process.argv.slice(3)];
  require(compiled);
  removeOlderCompilations(compiled);
  return 0;
}

main().then((code) => {
  if (code !== 0) process.exitCode = code;
});
