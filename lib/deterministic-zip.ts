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

/**
 * The fields a local file header and its central directory record share, in the same order (from
 * `version needed` to `file name length`): written at `at`, offset 4 in a local header, 6 in a central one.
 */
function writeEntryFields(header: Buffer, at: number, entry: { crc: number; compressedSize: number; size: number; nameLength: number }): void {
  header.writeUInt16LE(20, at); // version needed: deflate
  header.writeUInt16LE(0x0800, at + 2); // UTF-8 names
  header.writeUInt16LE(8, at + 4); // deflate
  header.writeUInt16LE(DOS_TIME, at + 6);
  header.writeUInt16LE(DOS_DATE, at + 8);
  header.writeUInt32LE(entry.crc, at + 10);
  header.writeUInt32LE(entry.compressedSize, at + 14);
  header.writeUInt32LE(entry.size, at + 18);
  header.writeUInt16LE(entry.nameLength, at + 22);
  // Extra field length (and, in a central record, comment length, disk, internal attributes) stay 0.
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
    const entry = { crc: zlib.crc32(file.data), compressedSize: compressed.length, size: file.data.length, nameLength: name.length };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    writeEntryFields(local, 4, entry);
    locals.push(local, name, compressed);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, so the mode is honoured
    writeEntryFields(central, 6, entry);
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
