/**
 * The prebuilt handler bundles a built package ships (dist/bundles, `npm run build`): the construct deploys them
 * as they are when its root holds no handler sources, checked by the SHA-256 their manifest records, and they are
 * the bytes a build from the sources gives.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundleHandlers, SHIPPED_BUNDLES_DIR, SHIPPED_BUNDLES_MANIFEST, writeShippedBundles } from '../../lib/bundling';
import { HANDLERS, type HandlerId } from '../../lib/schema';
import { REPO_ROOT, baseProps, synthChatServer, tempDir, type Json } from '../construct/support/synth';

const IDS = Object.keys(HANDLERS) as HandlerId[];

/** A package root as npm installs it: shipped bundles, no handler sources. */
function installedPackageRoot(label: string): string {
  const root = tempDir(label);
  writeShippedBundles(REPO_ROOT, root);
  return root;
}

function manifestOf(root: string): { bundles: Record<HandlerId, { file: string; sha256: string }> } {
  return JSON.parse(fs.readFileSync(path.join(root, SHIPPED_BUNDLES_DIR, SHIPPED_BUNDLES_MANIFEST), 'utf8'));
}

describe('shipped bundles', () => {
  test('build: the shipped bundles are byte for byte what bundling the sources gives, and two builds write identical files', () => {
    // GIVEN two package roots built from the same sources
    const first = installedPackageRoot('shipped-a');
    const second = installedPackageRoot('shipped-b');
    const fromSources = bundleHandlers(REPO_ROOT);
    // THEN every bundle and the manifest are identical, and each is the source build's bundle
    expect(fs.readFileSync(path.join(second, SHIPPED_BUNDLES_DIR, SHIPPED_BUNDLES_MANIFEST))).toEqual(
      fs.readFileSync(path.join(first, SHIPPED_BUNDLES_DIR, SHIPPED_BUNDLES_MANIFEST)),
    );
    for (const id of IDS) {
      const shipped = fs.readFileSync(path.join(first, SHIPPED_BUNDLES_DIR, manifestOf(first).bundles[id].file));
      expect({ id, same: shipped.equals(fs.readFileSync(path.join(fromSources[id].directory, 'index.js'))) }).toEqual({ id, same: true });
      expect(manifestOf(first).bundles[id].sha256).toBe(fromSources[id].sha256);
    }
  });

  test('handlerSourceRoot: a root without sources deploys its shipped bundles: each function\'s asset is its shipped bundle', () => {
    // GIVEN an installed package's root
    const root = installedPackageRoot('shipped-synth');
    // WHEN the construct synthesizes from it
    const stack = synthChatServer(baseProps({ handlerSourceRoot: root }));
    // THEN every function's archive is made from an asset holding a shipped bundle (named by its SHA-256)
    const archives = Object.values((stack.data as Json).archive_file as Record<string, Json>).map((archive) => path.basename(archive.source_dir as string));
    expect(archives.sort()).toEqual(IDS.map((id) => manifestOf(root).bundles[id].sha256).sort());
  });

  test('hash check: a shipped bundle changed after the build is refused, naming the file and the hash expected', () => {
    // GIVEN an installed package whose messageSend bundle was edited
    const root = installedPackageRoot('shipped-tampered');
    const file = path.join(root, SHIPPED_BUNDLES_DIR, manifestOf(root).bundles.messageSend.file);
    fs.appendFileSync(file, '\n/* edited */');
    // THEN synth fails and says which file and what to do
    expect(() => synthChatServer(baseProps({ handlerSourceRoot: root }))).toThrow(
      new RegExp(`shipped bundle ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} does not have the SHA-256 its manifest records \\(${manifestOf(root).bundles.messageSend.sha256}\\); reinstall the package`),
    );
  });

  test('manifest: a manifest missing a handler is refused, naming it', () => {
    const root = installedPackageRoot('shipped-incomplete');
    const manifest = manifestOf(root) as { bundles: Partial<Record<HandlerId, unknown>> };
    delete manifest.bundles.outbox;
    fs.writeFileSync(path.join(root, SHIPPED_BUNDLES_DIR, SHIPPED_BUNDLES_MANIFEST), JSON.stringify(manifest));
    expect(() => synthChatServer(baseProps({ handlerSourceRoot: root }))).toThrow(/the shipped bundles have none for outbox: rebuild the package \(npm run build\)/);
  });

  test('handlerSourceRoot: a root with neither sources nor shipped bundles names the missing entry files', () => {
    const root = tempDir('shipped-none');
    expect(() => synthChatServer(baseProps({ handlerSourceRoot: root }))).toThrow(/handler entry file\(s\) not found under .*handlers\/message-send\.ts \(HANDLERS\.messageSend\)/);
  });
});
