/**
 * The root of this package, wherever its code runs from: the repository (sources, run through tsx or ts-jest),
 * the built package (`dist/lib`), or its CDK Terrain build (`dist/cdktn/lib`). The prebuilt bundles and, in the
 * repository, the handlers' sources are found from it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const PACKAGE_NAME = 'cdktf-chat-server';

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
    if (path.dirname(dir) === dir) throw new Error(`${PACKAGE_NAME}: no package.json of ${PACKAGE_NAME} above ${from}`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(__dirname);
