/**
 * `npm run build`: the npm package in dist/ (what `npm pack` ships, package.json `files`):
 * - dist/lib, dist/handlers, dist/local: compiled JavaScript with `.d.ts` (tsconfig.build.json); the pages of
 *   the local runtime copied as they are;
 * - dist/bundles: the handler bundles, prebuilt from these sources (deterministic esbuild output), with a
 *   manifest of their SHA-256: the construct and the local runtime use them, checked by their hash, so a
 *   consumer needs no esbuild and every consumer deploys the same bytes;
 * - dist/cdktn: the construct library again for CDK Terrain (cdktn 0.24, @cdktn/provider-* bindings), the same
 *   code with its imports of cdktf and @cdktf/provider-* renamed: CDK Terrain's packages are a rename with the
 *   same APIs and logical ids.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeShippedBundles } from '../lib/bundling';
import { PACKAGE_ROOT } from '../lib/package-root';

const DIST = path.join(PACKAGE_ROOT, 'dist');
/** What this build writes under dist/ (the Terraform module build writes dist/terraform-aws-chat-server). */
const OUTPUTS = ['lib', 'handlers', 'local', 'bundles', 'cdktn'];

/** cdktf's packages and CDK Terrain's, in the order the renames apply. */
export const CDKTN_RENAMES: ReadonlyArray<readonly [RegExp, string]> = [
  [/(["'])cdktf(\/[^"']*)?\1/g, '$1cdktn$2$1'],
  [/(["'])@cdktf\/provider-aws(\/[^"']*)?\1/g, '$1@cdktn/provider-aws$2$1'],
  [/(["'])@cdktf\/provider-archive(\/[^"']*)?\1/g, '$1@cdktn/provider-archive$2$1'],
];

function compile(): void {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(PACKAGE_ROOT, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
}

function copyPages(): void {
  const from = path.join(PACKAGE_ROOT, 'local', 'web');
  const to = path.join(DIST, 'local', 'web');
  fs.mkdirSync(to, { recursive: true });
  for (const file of fs.readdirSync(from).sort()) fs.copyFileSync(path.join(from, file), path.join(to, file));
}

/** dist/cdktn/{lib,handlers}: the compiled library with cdktf's packages renamed to CDK Terrain's. */
function writeCdktnBuild(): void {
  for (const part of ['lib', 'handlers']) {
    const copy = (from: string, to: string): void => {
      fs.mkdirSync(to, { recursive: true });
      for (const entry of fs.readdirSync(from, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const source = path.join(from, entry.name);
        const target = path.join(to, entry.name);
        if (entry.isDirectory()) copy(source, target);
        else if (/\.(js|d\.ts)$/.test(entry.name)) {
          let text = fs.readFileSync(source, 'utf8');
          for (const [pattern, replacement] of CDKTN_RENAMES) text = text.replace(pattern, replacement);
          fs.writeFileSync(target, text);
        }
      }
    };
    copy(path.join(DIST, part), path.join(DIST, 'cdktn', part));
  }
}

export function buildPackage(): void {
  for (const output of OUTPUTS) fs.rmSync(path.join(DIST, output), { recursive: true, force: true });
  compile();
  copyPages();
  writeShippedBundles(PACKAGE_ROOT, PACKAGE_ROOT);
  writeCdktnBuild();
}

if (require.main === module) {
  buildPackage();
  console.log(`package built in ${path.relative(process.cwd(), DIST) || '.'} (${OUTPUTS.map((output) => `dist/${output}`).join(', ')})`);
}
