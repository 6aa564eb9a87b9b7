/**
 * Function zips for the size measurement, built by the construct's one deterministic zip writer
 * (lib/deterministic-zip.ts: fixed timestamps, file mode 0644, entries in name order, raw deflate), the
 * same way Terraform's `archive_file` builds the deployed zip.
 */
import { zipFiles, type ZipFile } from '../lib/deterministic-zip';

export type ZipEntry = ZipFile;

export function deterministicZip(entries: readonly ZipEntry[]): Buffer {
  return zipFiles(entries);
}
