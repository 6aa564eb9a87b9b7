/**
 * Determinism: synthesizing twice gives byte-identical output, and changing one handler changes only
 * that function's bundle (its asset path, its zip hash), nothing else.
 */
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, baseProps, fullSynth, listFiles, tempDir, type Json } from './support/synth';
import { ARCHIVE_FILE_MODE, zipDirectory, zipFiles } from '../../lib/deterministic-zip';
import { deterministicZip } from '../../bench/zip';

/** Every file of a directory with the SHA-256 of its bytes. */
function snapshot(root: string): Record<string, string> {
  return Object.fromEntries(
    listFiles(root).map((file) => [file, crypto.createHash('sha256').update(fs.readFileSync(path.join(root, file))).digest('hex')]),
  );
}

/** Paths (a.b.c) whose leaf values differ between two JSON values. */
function differences(a: unknown, b: unknown, at = ''): string[] {
  if (a === b) return [];
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) {
    return [at];
  }
  const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
  return [...keys].flatMap((key) =>
    differences((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], at ? `${at}.${key}` : key),
  );
}

/** A temporary source root holding a copy of handlers/, the lib/ files they import and tsconfig.json (node_modules linked). */
function copyOfHandlerSources(label: string): string {
  const root = tempDir(label);
  fs.cpSync(path.join(REPO_ROOT, 'handlers'), path.join(root, 'handlers'), { recursive: true });
  fs.mkdirSync(path.join(root, 'lib'));
  for (const file of ['schema.ts', 'metrics.ts']) fs.copyFileSync(path.join(REPO_ROOT, 'lib', file), path.join(root, 'lib', file));
  fs.copyFileSync(path.join(REPO_ROOT, 'tsconfig.json'), path.join(root, 'tsconfig.json'));
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  return root;
}

function runApp(outdir: string): void {
  const cdktfJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdktf.json'), 'utf8')) as { app: string };
  const [, ...args] = cdktfJson.app.split(' ');
  execFileSync(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

describe('determinism', () => {
  test('synth: two runs of the app (fresh processes) write byte-identical output', () => {
    // GIVEN one output directory WHEN the app synthesizes into it twice, from scratch each time
    const outdir = tempDir('twice');
    runApp(outdir);
    const first = snapshot(outdir);
    fs.rmSync(outdir, { recursive: true, force: true });
    runApp(outdir);
    const second = snapshot(outdir);
    // THEN every file (cdk.tf.json, manifest, assets, checkov baseline) is identical
    expect(Object.keys(first)).toEqual(expect.arrayContaining(['manifest.json', 'stacks/chat/cdk.tf.json', 'stacks/chat/checkov-baseline.json']));
    expect(Object.keys(first).filter((f) => f.endsWith('/index.js'))).toHaveLength(11);
    expect(second).toEqual(first);
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  test('handlers: changing one handler changes only that function\'s bundle, asset path and zip hash', () => {
    // GIVEN a copy of the handler sources (node_modules linked) synthesized once
    const root = copyOfHandlerSources('sources');
    const before = fullSynth(baseProps({ handlerSourceRoot: root }));

    // WHEN only the typing handler changes
    fs.appendFileSync(path.join(root, 'handlers', 'typing.ts'), '\nexport const deploymentProbe = 1;\n');
    const after = fullSynth(baseProps({ handlerSourceRoot: root }));

    // THEN the only difference in cdk.tf.json is the typing archive's source directory
    const typingArchive = Object.entries(before.json.data.archive_file as Record<string, Json>).find(([, archive]) =>
      (archive.output_path as string).endsWith('/chat-typing.zip'),
    )![0];
    expect(differences(before.json, after.json)).toEqual([`data.archive_file.${typingArchive}.source_dir`]);

    // AND the zips built from the assets differ for typing only
    const hashes = (synth: typeof before): Record<string, string> =>
      Object.fromEntries(
        Object.entries(synth.json.data.archive_file as Record<string, Json>).map(([name, archive]) => [
          name,
          zipDirectory(path.join(synth.stackDir, (archive.source_dir as string).replace('${path.module}/', '')), archive.output_file_mode)
            .base64sha256,
        ]),
      );
    const hashesBefore = hashes(before);
    const hashesAfter = hashes(after);
    const changed = Object.keys(hashesBefore).filter((name) => hashesBefore[name] !== hashesAfter[name]);
    expect(changed).toEqual([typingArchive]);
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('bundle cache: an untouched tree reuses its bundles in a new process; a tampered bundle or an edit at the same size and mtime is rebuilt', () => {
    // GIVEN a copy of the handler sources bundled once
    const root = copyOfHandlerSources('cache');
    const typing = path.join(root, 'handlers', 'typing.ts');
    const fixedTime = new Date('2026-01-01T00:00:00Z');
    fs.utimesSync(typing, fixedTime, fixedTime);
    let typingBundle = '';
    const bundleIn = (esbuildFails: boolean): Record<string, string> => {
      let shas: Record<string, string> = {};
      try {
        jest.isolateModules(() => {
          // A fresh module registry is a new process as far as the bundling module can tell.
          if (esbuildFails) {
            jest.doMock('esbuild', () => ({
              version: jest.requireActual<typeof import('esbuild')>('esbuild').version,
              buildSync: () => {
                throw new Error('esbuild ran');
              },
            }));
          }
          const { bundleHandlers } = require('../../lib/bundling') as typeof import('../../lib/bundling');
          const bundles = bundleHandlers(root);
          typingBundle = path.join(bundles.typing.directory, 'index.js');
          shas = Object.fromEntries(Object.entries(bundles).map(([id, bundle]) => [id, bundle.sha256]));
        });
      } finally {
        jest.dontMock('esbuild');
      }
      return shas;
    };
    const first = bundleIn(false);

    // WHEN a new process bundles the same tree with esbuild unable to run
    // THEN it gets the same bundles from the cache
    expect(bundleIn(true)).toEqual(first);

    // WHEN a cached bundle's file no longer holds what its name says (tampered with)
    const original = fs.readFileSync(typingBundle);
    fs.writeFileSync(typingBundle, 'exports.handler = async () => "not the chat handler";');
    // THEN the cache is not used, and a build writes the real bundle back under its name
    expect(() => bundleIn(true)).toThrow(/esbuild ran/);
    expect(bundleIn(false)).toEqual(first);
    expect(fs.readFileSync(typingBundle)).toEqual(original);

    // WHEN the typing handler's code changes with its size and mtime kept
    const size = fs.statSync(typing).size;
    const source = fs.readFileSync(typing, 'utf8');
    const edited = source.replace('threadId: caller.threadId', 'threadid: caller.threadId');
    expect(edited).not.toBe(source);
    fs.writeFileSync(typing, edited);
    fs.utimesSync(typing, fixedTime, fixedTime);
    expect(fs.statSync(typing)).toMatchObject({ size, mtimeMs: fixedTime.getTime() });
    // THEN the cache is not used (esbuild is needed) and the rebuild changes the typing bundle only
    expect(() => bundleIn(true)).toThrow(/esbuild ran/);
    const second = bundleIn(false);
    expect(Object.keys(first).filter((id) => first[id] !== second[id])).toEqual(['typing']);
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('zip writer: one implementation (lib/deterministic-zip.ts), used by the plan test and the bench alike', () => {
    // GIVEN every source of the repository (not node_modules, nor build output)
    const sources: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (['node_modules', 'cdktf.out', 'dist', '.git', '.chat-data'].includes(entry.name)) continue; // dist: build output
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (/\.(ts|cjs|js)$/.test(entry.name)) sources.push(full);
      }
    };
    walk(REPO_ROOT);
    // THEN exactly one of them writes zip local file headers (signature 0x04034b50)
    const writers = sources.filter((file) => /writeUInt32LE\(0x04034b50/.test(fs.readFileSync(file, 'utf8')));
    expect(writers.map((file) => path.relative(REPO_ROOT, file))).toEqual([path.join('lib', 'deterministic-zip.ts')]);
    // AND the bench's zips are that writer's zips, entries sorted whatever order they come in
    const files = [
      { name: 'z.js', data: Buffer.from('z') },
      { name: 'index.js', data: Buffer.from('exports.handler = async () => ({ statusCode: 200 });\n') },
    ];
    expect(deterministicZip(files).equals(zipFiles([...files].reverse(), ARCHIVE_FILE_MODE))).toBe(true);
  });
});
