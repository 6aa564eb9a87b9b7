/**
 * The one deterministic zip writer (node:zlib only), building a function archive the way the
 * `archive_file` data source does: every file of a directory, sorted, deflated, one fixed timestamp and
 * one fixed file mode, so the same files always give the same bytes and the same base64 SHA-256.
 * The construct tests use it in place of `archive_file` for `terraform plan`; the benchmark measures
 * function zip sizes with it. Not part of the package entry (lib/index.ts).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

/** File mode of every zip entry: the construct's `archive_file` `output_file_mode`. */
export const ARCHIVE_FILE_MODE = '0644';

/** 1980-01-01 00:00:00, the earliest DOS date (what archive_file writes for a zero time). */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

export interface ZipFile {
  readonly name: string;
  readonly data: Buffer;
}

function filesOf(root: string, dir = root): ZipFile[] {
  const files: ZipFile[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...filesOf(root, full));
    else files.push({ name: path.relative(root, full).split(path.sep).join('/'), data: fs.readFileSync(full) });
  }
  return files;
}

/** Zip bytes of `files` (in name order, whatever order they come in) with `mode` (octal string like '0644') on every entry. */
export function zipFiles(unsorted: readonly ZipFile[], mode: string = ARCHIVE_FILE_MODE): Buffer {
  const files = [...unsorted].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const unixMode = 0o100000 | parseInt(mode, 8);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const name = Buffer.from(file.name, 'utf8');
    const compressed = zlib.deflateRawSync(file.data, { level: 9 });
    const crc = zlib.crc32(file.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(file.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, compressed);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, so the mode is honoured
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(file.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE((unixMode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const centralDirectory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralDirectory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralDirectory, end]);
}

/** Zips a directory like archive_file (`source_dir`, `output_file_mode`); returns the bytes and their base64 SHA-256. */
export function zipDirectory(dir: string, mode: string): { zip: Buffer; base64sha256: string } {
  const zip = zipFiles(filesOf(dir), mode);
  return { zip, base64sha256: crypto.createHash('sha256').update(zip).digest('base64') };
}
