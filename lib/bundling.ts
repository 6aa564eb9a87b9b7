/**
 * Bundles every Lambda handler (lib/schema.ts HANDLERS) with esbuild at synth, in one build call.
 *
 * Each bundle is a single minified CommonJS file `index.js` (handler `index.handler`) with the AWS SDK
 * inside, so a function never depends on the SDK version the runtime happens to ship. esbuild output is
 * deterministic; each bundle is written to a directory named by its SHA-256 (under the project's
 * node_modules/.cache, see bundleRoot), so the same sources always give the same directory, concurrent
 * synths never overwrite each other's files, and a changed handler changes only its own bundle.
 *
 * The build is skipped when none of its inputs changed: a manifest beside the bundles records every
 * input file of the last build (from esbuild's metafile) with the SHA-256 of its contents, keyed by
 * the source root, the esbuild version, the build options, package-lock.json and tsconfig.json.
 * Hashing the ~1,000 inputs takes ~15 ms against esbuild's ~700. The output is the same either way
 * (esbuild is deterministic); the cache only saves its time. A cached bundle is used only when its
 * file still hashes to the name it is stored under, and a manifest listing no inputs is ignored.
 * `CHAT_BUNDLE_CACHE=off` turns the cross-process cache off (the in-process one stays).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HANDLERS, type HandlerId } from './schema';

/**
 * esbuild, loaded only to bundle from sources (this repository, or a fork's handlerSourceRoot): the published
 * package ships its bundles and does not depend on it.
 */
function esbuild(): typeof import('esbuild') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('esbuild') as typeof import('esbuild');
  } catch {
    throw new Error(
      'ChatServer: bundling the handlers from sources (handlerSourceRoot) needs esbuild: npm install --save-dev esbuild',
    );
  }
}

/** Where a built package keeps its prebuilt bundles (`npm run build`), relative to the package root. */
export const SHIPPED_BUNDLES_DIR = 'dist/bundles';
export const SHIPPED_BUNDLES_MANIFEST = 'manifest.json';

/** What the shipped bundles' manifest records of each bundle. */
export interface ShippedBundle {
  readonly file: string;
  readonly sha256: string;
  readonly sizeBytes: number;
}

/**
 * The bundles shipped with a built package at `<root>/dist/bundles`, each checked against the hash its manifest
 * records (a bundle that does not hash to it was changed after the build: refused). Undefined when `root` has
 * no shipped bundles.
 */
export function shippedBundles(root: string): HandlerBundles | undefined {
  const manifestPath = path.join(root, SHIPPED_BUNDLES_DIR, SHIPPED_BUNDLES_MANIFEST);
  if (!fs.existsSync(manifestPath)) return undefined;
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { bundles: Record<string, ShippedBundle> };
  const bundles = {} as Record<HandlerId, HandlerBundle>;
  for (const id of Object.keys(HANDLERS) as HandlerId[]) {
    const entry = manifest.bundles[id];
    if (!entry) throw new Error(`ChatServer: the shipped bundles have none for ${id}: rebuild the package (npm run build)`);
    const file = path.join(root, SHIPPED_BUNDLES_DIR, entry.file);
    const actual = sha256Of(fs.readFileSync(file));
    if (actual !== entry.sha256) {
      throw new Error(`ChatServer: the shipped bundle ${file} does not have the SHA-256 its manifest records (${entry.sha256}); reinstall the package`);
    }
    bundles[id] = { handlerId: id, directory: path.dirname(file), sha256: entry.sha256, sizeBytes: entry.sizeBytes };
  }
  return bundles;
}

/**
 * Writes the bundles of the handlers under `sourceRoot` into `<packageRoot>/dist/bundles` with their manifest
 * (`npm run build`): what shippedBundles reads back.
 */
export function writeShippedBundles(sourceRoot: string, packageRoot: string): void {
  const bundles = bundleHandlers(sourceRoot);
  const manifest: Record<string, ShippedBundle> = {};
  for (const id of Object.keys(HANDLERS) as HandlerId[]) {
    const file = `${id}/index.js`;
    const target = path.join(packageRoot, SHIPPED_BUNDLES_DIR, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(bundles[id].directory, 'index.js'), target);
    manifest[id] = { file, sha256: bundles[id].sha256, sizeBytes: bundles[id].sizeBytes };
  }
  fs.writeFileSync(path.join(packageRoot, SHIPPED_BUNDLES_DIR, SHIPPED_BUNDLES_MANIFEST), `${JSON.stringify({ bundles: manifest }, null, 2)}\n`);
}

/** Whether `root` holds the handlers' sources (this repository or a fork), rather than a built package's bundles. */
function hasHandlerSources(root: string): boolean {
  return (Object.values(HANDLERS) as string[]).every((entry) => fs.existsSync(path.join(root, entry)));
}

export interface HandlerBundle {
  readonly handlerId: HandlerId;
  /** Directory holding `index.js`. */
  readonly directory: string;
  /** SHA-256 (hex) of `index.js`. */
  readonly sha256: string;
  readonly sizeBytes: number;
}

export type HandlerBundles = Readonly<Record<HandlerId, HandlerBundle>>;

/** Lambda `handler` setting for every bundle. */
export const BUNDLE_HANDLER = 'index.handler';

/**
 * esbuild settings: Node 22 (the nodejs22.x runtime), CommonJS, minified, everything bundled. Also how the bench
 * bundles a bot from the package's bot entries.
 */
export const BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  // The SDK's ES module builds tree-shake far better than its CommonJS ones.
  mainFields: ['module', 'main'],
  legalComments: 'none',
  sourcemap: false,
  charset: 'utf8',
  logLevel: 'silent',
  write: false,
  metafile: true,
} as const;

/** An input file of a build: absolute path and SHA-256 (hex) of its contents. */
type BuildInput = readonly [file: string, sha256: string];

interface CachedBuild {
  readonly inputs: ReadonlyArray<BuildInput>;
  readonly bundles: HandlerBundles;
}

const builds = new Map<string, CachedBuild>();

function sha256Of(contents: Uint8Array | string): string {
  return crypto.createHash('sha256').update(contents).digest('hex');
}

/**
 * The build's input files with their content hashes; undefined when one of them was modified after
 * `buildStartedMs` (saved while esbuild ran): the bundle may hold its old content, so it is not cached.
 */
function describeInputs(files: string[], buildStartedMs: number): BuildInput[] | undefined {
  const inputs: BuildInput[] = [];
  for (const file of files) {
    if (fs.statSync(file).mtimeMs > buildStartedMs) return undefined;
    inputs.push([file, sha256Of(fs.readFileSync(file))]);
  }
  return inputs;
}

/** By content, not mtime: a checkout or a copy keeps the cache, an edit that keeps the mtime does not. */
function inputUnchanged([file, sha256]: BuildInput): boolean {
  return sha256Of(fs.readFileSync(file)) === sha256;
}

/** A bundle is what its manifest entry says: in its content-addressed directory, with that content. */
function bundleIntact(id: string, bundle: HandlerBundle): boolean {
  return (
    bundle.handlerId === id &&
    bundle.directory === path.join(bundleRoot(), bundle.sha256) &&
    sha256Of(fs.readFileSync(path.join(bundle.directory, 'index.js'))) === bundle.sha256
  );
}

function unchanged(build: CachedBuild): boolean {
  try {
    const ids = Object.keys(HANDLERS);
    return (
      build.inputs.length > 0 &&
      build.inputs.every(inputUnchanged) &&
      ids.length === Object.keys(build.bundles).length &&
      ids.every((id) => bundleIntact(id, build.bundles[id as HandlerId]))
    );
  } catch {
    return false;
  }
}

/**
 * Where bundles and manifests live: `CHAT_BUNDLE_CACHE_DIR`, else the project's
 * `node_modules/.cache` (the working directory's, as cdktf runs the app from the project) if it is
 * writable, else a directory of this user's under the OS temp dir. Never a directory another user can write to:
 * whatever is there ends up in a deployed function.
 */
function bundleRoot(): string {
  if (process.env.CHAT_BUNDLE_CACHE_DIR) return path.resolve(process.env.CHAT_BUNDLE_CACHE_DIR);
  const projectModules = path.join(process.cwd(), 'node_modules');
  try {
    fs.accessSync(projectModules, fs.constants.W_OK); // a read-only checkout falls through to the temp dir
    return path.join(projectModules, '.cache', 'cdktf-chat-server-bundles');
  } catch {
    return path.join(os.tmpdir(), `cdktf-chat-server-bundles-${os.userInfo().uid}`);
  }
}

function ensureBundleRoot(): void {
  const root = bundleRoot();
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  const stat = fs.statSync(root);
  const uid = process.getuid?.();
  if (uid !== undefined && (stat.uid !== uid || (stat.mode & 0o022) !== 0)) {
    throw new Error(`ChatServer: the bundle directory ${root} must be owned by you and not writable by others`);
  }
}

/** Where the cross-process manifest for builds of `sourceRoot` lives; undefined when the cache is off. */
function manifestFile(sourceRoot: string): string | undefined {
  if (process.env.CHAT_BUNDLE_CACHE === 'off') return undefined;
  const fileHash = (name: string) => {
    try {
      return sha256Of(fs.readFileSync(path.join(sourceRoot, name)));
    } catch {
      return 'none';
    }
  };
  const key = sha256Of(
    JSON.stringify([
      sourceRoot,
      esbuild().version,
      BUILD_OPTIONS,
      HANDLERS,
      fileHash('package-lock.json'),
      fileHash('tsconfig.json'),
    ]),
  );
  return path.join(bundleRoot(), `manifest-${key}.json`);
}

function readManifest(file: string | undefined): CachedBuild | undefined {
  if (!file) return undefined;
  try {
    const build = JSON.parse(fs.readFileSync(file, 'utf8')) as CachedBuild;
    return unchanged(build) ? build : undefined;
  } catch {
    return undefined;
  }
}

function writeManifest(file: string | undefined, build: CachedBuild): void {
  if (!file) return;
  try {
    const staging = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(staging, JSON.stringify(build));
    fs.renameSync(staging, file);
  } catch {
    // A cache that cannot be written only costs the next synth its esbuild time.
  }
}

function writeContentAddressed(contents: Uint8Array, sha256: string): string {
  const directory = path.join(bundleRoot(), sha256);
  const file = path.join(directory, 'index.js');
  if (fs.existsSync(file)) {
    if (sha256Of(fs.readFileSync(file)) === sha256) return directory;
    fs.rmSync(directory, { recursive: true, force: true }); // not what its name says: write it anew
  }
  // Write beside, then rename: another synth reading the same directory never sees half a file.
  const staging = fs.mkdtempSync(path.join(bundleRoot(), `.staging-${sha256.slice(0, 8)}-`));
  fs.writeFileSync(path.join(staging, 'index.js'), contents, { mode: 0o644 });
  try {
    fs.renameSync(staging, directory);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    // A concurrent synth produced the same bundle first: same content, nothing to do.
    if (!fs.existsSync(file)) throw error;
  }
  return directory;
}

/**
 * Bundles all handlers found under `sourceRoot` (which holds `handlers/` and `lib/schema.ts`).
 * Throws naming every missing entry file, and with esbuild's messages when the build fails.
 */
export function bundleHandlers(sourceRoot: string): HandlerBundles {
  // A built package ships its bundles; only sources (this repository, a fork) are bundled here.
  if (!hasHandlerSources(sourceRoot)) {
    const shipped = shippedBundles(sourceRoot);
    if (shipped) return shipped;
  }
  const cached = builds.get(sourceRoot);
  if (cached && unchanged(cached)) return cached.bundles;
  const manifest = manifestFile(sourceRoot);
  const previous = readManifest(manifest);
  if (previous) {
    builds.set(sourceRoot, previous);
    return previous.bundles;
  }
  const ids = Object.keys(HANDLERS) as HandlerId[];
  const missing = ids.filter((id) => !fs.existsSync(path.join(sourceRoot, HANDLERS[id])));
  if (missing.length > 0) {
    throw new Error(
      `ChatServer: handler entry file(s) not found under ${sourceRoot}: ` +
        missing.map((id) => `${HANDLERS[id]} (HANDLERS.${id})`).join(', '),
    );
  }
  ensureBundleRoot();
  const buildStartedMs = Date.now();
  const outdir = path.join(sourceRoot, '.chat-server-bundle');
  let result;
  try {
    result = esbuild().buildSync({
      ...BUILD_OPTIONS,
      mainFields: [...BUILD_OPTIONS.mainFields],
      absWorkingDir: sourceRoot,
      entryPoints: Object.fromEntries(ids.map((id) => [`${id}/index`, HANDLERS[id]])),
      outdir,
    });
  } catch (error) {
    const errors = (error as { errors?: Array<{ text: string; location?: { file: string; line: number } }> }).errors;
    const details = errors?.map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`);
    throw new Error(`ChatServer: bundling the handlers failed:\n${details?.join('\n') ?? String(error)}`);
  }
  const bundles = {} as Record<HandlerId, HandlerBundle>;
  for (const id of ids) {
    const expected = path.join(outdir, id, 'index.js');
    const output = result.outputFiles.find((file) => file.path === expected);
    if (!output) throw new Error(`ChatServer: esbuild produced no output for HANDLERS.${id}`);
    const sha256 = sha256Of(output.contents);
    bundles[id] = {
      handlerId: id,
      directory: writeContentAddressed(output.contents, sha256),
      sha256,
      sizeBytes: output.contents.byteLength,
    };
  }
  const inputs = describeInputs(
    Object.keys(result.metafile?.inputs ?? {}).map((input) => path.resolve(sourceRoot, input)),
    buildStartedMs,
  );
  if (inputs) {
    const build = { inputs, bundles };
    builds.set(sourceRoot, build);
    writeManifest(manifest, build);
  }
  return bundles;
}
