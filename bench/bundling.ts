/**
 * The two ways a handler is packaged for the functions section. Bundled: exactly what the construct
 * deploys, from its own bundling function (lib/bundling.ts `bundleHandlers`), not a copy of its
 * options. Unbundled: the handler's own code transpiled to one CommonJS file with every package
 * left as a `require` from node_modules, how it would run shipped beside the runtime's AWS SDK. And a bot
 * bundled the same way from the package's bot entries (`cdktf-chat-server/bot`, `/utilities`).
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { BUILD_OPTIONS, bundleHandlers, BUNDLE_HANDLER, type HandlerBundles } from '../lib/bundling';
import type { HandlerId } from '../lib/schema';
import { deterministicZip, type ZipEntry } from './zip';

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

/** The package's entries a bot imports, each bundled into a one-function bot. */
export const BOT_ENTRIES = [
  { entry: 'cdktf-chat-server/bot', source: 'lib/bot.ts', uses: 'replyAsBot' },
  { entry: 'cdktf-chat-server/utilities', source: 'lib/utilities.ts', uses: 'replyAsBot, setHumanTakeover, postFrame' },
] as const;

/** Inputs a bot's bundle must not contain: cdktf, the construct library, the providers' bindings. */
const CONSTRUCT_CODE = /(^|\/)node_modules\/(cdktf|cdktn|constructs|@cdktf|@cdktn)\/|(^|\/)lib\/(chat-server|chat-infra-stack|deployment-model|module\/)/;

export interface BotBundle {
  entry: string;
  uses: string;
  bytes: number;
  /** Its deployment zip (as the handlers' are zipped). */
  zipBytes: number;
  /** Inputs of cdktf, cdktn, constructs or the construct library in the bundle (none expected). */
  constructInputs: string[];
}

/** A bot that imports `uses` from one of the package's entries, bundled with the construct's own esbuild settings. */
export async function bundleBot(repoRoot: string, bot: (typeof BOT_ENTRIES)[number]): Promise<BotBundle> {
  const result = await build({
    ...BUILD_OPTIONS,
    mainFields: [...BUILD_OPTIONS.mainFields],
    absWorkingDir: repoRoot,
    stdin: {
      contents: `export { ${bot.uses} } from './${bot.source.replace(/\.ts$/, '')}';\nexport const handler = async () => undefined;\n`,
      resolveDir: repoRoot,
      loader: 'ts',
      sourcefile: 'bot.ts',
    },
    outfile: join(repoRoot, '.bench-bot.js'),
  });
  return {
    entry: bot.entry,
    uses: bot.uses,
    bytes: result.outputFiles[0].contents.byteLength,
    zipBytes: deterministicZip([{ name: 'index.js', data: Buffer.from(result.outputFiles[0].contents) }]).length,
    constructInputs: Object.keys(result.metafile.inputs).filter((input) => CONSTRUCT_CODE.test(input)),
  };
}
