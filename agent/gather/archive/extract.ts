/**
 * Unpacks an archive a user handed over (a capture tarball, a zip of logs) into a private directory
 * of its own, so it can be read like any directory — and so that nothing in it can reach outside:
 * - the directory is new (mkdtemp, mode 0700), and removed when the caller is done;
 * - a member name that is absolute, has a `..` segment, a drive letter or a NUL is refused;
 * - links, devices and FIFOs are never created (listed as skipped): nothing can point out;
 * - files are created exclusively (O_CREAT|O_EXCL|O_NOFOLLOW), mode 0600; a second member of the
 *   same name is skipped, never written over the first;
 * - member count, member size and total size are limited before anything is inflated (entries.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ArchiveError, gunzipLimited, tarEntries, zipEntries, type ArchiveEntry, type ArchiveLimits } from './entries.js';
import { isTarHeader } from '../../evidence/text/detect.js';
import { createExclusiveSync } from '../../sources/io.js';

/** Default limits: a generous capture is a few MB; a VBox.log of days is a few hundred. */
export const ARCHIVE_LIMITS: ArchiveLimits = { maxEntries: 10_000, maxMemberBytes: 1024 * 1024 * 1024, maxTotalBytes: 2 * 1024 * 1024 * 1024 };

/** What was unpacked. */
export interface Extracted {
  /** The private directory holding the members (remove with `cleanup`). */
  root: string;
  /** Members not written, with why (links, devices, unsafe names, duplicates). */
  skipped: { name: string; reason: string }[];
  cleanup(): void;
}

/** The member's path under the root as segments, or why it may not be written. */
export function safeMemberPath(name: string): { segments: string[] } | { reason: string } {
  if (name.includes('\0')) return { reason: 'name holds a NUL byte' };
  const n = name.replace(/\\/g, '/');
  if (n.startsWith('/') || /^[A-Za-z]:/.test(n)) return { reason: 'absolute path' };
  const segments = n.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) return { reason: 'path leaves the archive (..)' };
  if (segments.length === 0) return { reason: 'empty name' };
  return { segments };
}

/** Create the directories of `segments` under `root` (mode 0700); refuses anything that is not a plain directory we made. */
function mkdirsUnder(root: string, segments: readonly string[]): string {
  let dir = root;
  for (const s of segments) {
    dir = path.join(dir, s);
    try {
      fs.mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!fs.lstatSync(dir).isDirectory()) throw new ArchiveError(`${segments.join('/')}: a file of that name came first`);
    }
  }
  return dir;
}

function writeMember(root: string, segments: string[], data: Buffer): void {
  const dir = mkdirsUnder(root, segments.slice(0, -1));
  const fd = createExclusiveSync(path.join(dir, segments[segments.length - 1]!), 0o600);
  try {
    fs.writeSync(fd, data);
  } finally {
    fs.closeSync(fd);
  }
}

/** The members of an archive buffer (a .tar.gz is gunzipped first). A plain .gz holds one member: the file itself. */
export function archiveEntries(buf: Buffer, type: 'gzip' | 'zip' | 'tar', gzName: string, limits: ArchiveLimits = ARCHIVE_LIMITS): ArchiveEntry[] {
  if (type === 'zip') return zipEntries(buf, limits);
  if (type === 'tar') return tarEntries(buf, limits);
  const inner = gunzipLimited(buf, limits.maxTotalBytes);
  if (isTarHeader(inner)) return tarEntries(inner, limits);
  return [{ name: gzName.replace(/\.gz$/i, '') || 'content', type: 'file', size: inner.length, data: () => inner }];
}

/** Unpack `entries` into a new private directory. */
export function extractEntries(entries: readonly ArchiveEntry[]): Extracted {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'clockdoctor-archive-'));
  fs.chmodSync(root, 0o700);
  const skipped: Extracted['skipped'] = [];
  const cleanup = (): void => fs.rmSync(root, { recursive: true, force: true });
  try {
    for (const e of entries) {
      const safe = safeMemberPath(e.name);
      // `tar -C dir .` stores the root itself as `./`: that is the extraction root, not a member to report.
      if ('reason' in safe && e.type === 'dir' && safe.reason === 'empty name') continue;
      if ('reason' in safe) { skipped.push({ name: e.name, reason: safe.reason }); continue; }
      if (e.type === 'dir') { mkdirsUnder(root, safe.segments); continue; }
      if (e.type === 'link') { skipped.push({ name: e.name, reason: 'a link (links in archives are never followed)' }); continue; }
      if (e.type === 'other') { skipped.push({ name: e.name, reason: 'not a regular file (device, FIFO)' }); continue; }
      try {
        writeMember(root, safe.segments, e.data());
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        skipped.push({ name: e.name, reason: code === 'EEXIST' ? 'a second member of the same name' : err instanceof ArchiveError ? err.message : `not written (${code ?? String(err)})` });
      }
    }
  } catch (err) {
    cleanup();
    throw err;
  }
  return { root, skipped, cleanup };
}
