/**
 * Writes a capture: every file the collectors read, at its original path under DIR (`proc/...`,
 * `sys/...`, `etc/adjtime`), command output under `commands/` (the kernel log as `commands/dmesg`),
 * plus `SOURCE.md` for people and `manifest.json` for tools. `check --from DIR` reads it back.
 *
 * A capture holds what only root may read (the kernel log under dmesg_restrict, timer_list), and
 * collect often runs as root, so it writes only where no one else can read along or redirect it:
 * into a directory it creates itself (0700), or an existing one that the caller owns, that is no
 * symbolic link and that neither group nor others can write. Every file is created
 * O_CREAT|O_EXCL|O_NOFOLLOW with mode 0600 (directories 0700), through the descriptor of the
 * directory that was checked (`/proc/self/fd/N/...`), so no link — planted before or during the run,
 * on DIR's parents or inside it — makes collect write anywhere else.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Snapshot } from '../snapshot.js';
import { createExclusiveSync, type Area, type RecordedFile } from '../sources/io.js';
import { fdPath } from '../roots.js';
import { UsageError } from '../errors.js';

/** Where each area lives inside a capture (the inverse of roots.ts `rootsFromCapture`). */
const AREA_DIR: Record<Area, string> = { procfs: 'proc', sysfs: 'sys', rootfs: '', commands: 'commands' };

/** Exit codes of `collect` beyond the common ones (BSD sysexits; README "Exit codes"). */
export const CAPTURE_EXIT = {
  /** EX_CANTCREAT: DIR (or a file in it) cannot be created safely: owned by someone else, writable by others, a link. */
  cantCreate: 73,
  /** EX_IOERR: writing failed part-way (disk full, I/O error). */
  ioErr: 74,
} as const;

/** Why collect will not write (or finish writing) a capture; names the path. */
export class CaptureError extends Error {
  override readonly name = 'CaptureError';
  constructor(
    message: string,
    readonly path: string,
    readonly exitCode: (typeof CAPTURE_EXIT)[keyof typeof CAPTURE_EXIT] = CAPTURE_EXIT.cantCreate,
  ) {
    super(message);
  }
}

export interface CaptureMeta {
  toolVersion: string;
  /** Text of procfs `version`, when read. */
  kernelVersion: string | null;
  hostname: string | null;
  /** The command line that made it (for the SOURCE note). */
  command: string;
}

/** A capture directory that passed the checks, held open so that later writes land in exactly it. */
export interface CaptureDir {
  /** DIR as the user gave it (for messages). */
  path: string;
  /** Where writes go: `/proc/self/fd/N` of the open directory, or DIR's real path where /proc is not mounted. */
  base: string;
  fd: number;
  /** --force: files already there may be replaced (never written through). */
  force: boolean;
  /** Directories under `base` already created or checked. */
  checked: Set<string>;
}

const euid = (): number => process.geteuid?.() ?? -1;

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Why a directory that exists may not be written into, or null when it is the caller's alone. */
function unsafeDir(st: fs.Stats): string | null {
  if (st.uid !== euid()) return `owned by uid ${st.uid}, not by you (uid ${euid()}): its owner could read or replace what collect writes; choose a new path`;
  if ((st.mode & 0o022) !== 0) return `writable by ${st.mode & 0o020 ? 'group' : 'others'} (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}): someone else could read or replace what collect writes; choose a new path or chmod go-w it`;
  return null;
}

/** mkdir DIR (parents too, 0700); true when this call created DIR itself. */
function makeDir(dir: string): boolean {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
    return true;
  } catch (err) {
    if (code(err) === 'EEXIST') return false;
    if (code(err) !== 'ENOENT') throw new CaptureError(`cannot create it: ${code(err) ?? String(err)}`, dir);
  }
  try {
    fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o700 });
    fs.mkdirSync(dir, { mode: 0o700 });
    return true;
  } catch (err) {
    throw new CaptureError(`cannot create it: ${code(err) ?? String(err)}`, dir);
  }
}

/** Open DIR without following a link at its last component (a trailing slash would follow one). */
function openDir(dir: string): number {
  try {
    return fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    const c = code(err);
    // O_DIRECTORY|O_NOFOLLOW on a link is ENOTDIR on Linux (ELOOP elsewhere): ask lstat which it was.
    const link = (c === 'ELOOP' || c === 'ENOTDIR') && fs.lstatSync(dir, { throwIfNoEntry: false })?.isSymbolicLink() === true;
    if (link) throw new CaptureError('is a symbolic link; collect writes only into a real directory (give the directory it points to, if it is yours)', dir);
    if (c === 'ENOTDIR') throw new UsageError(`${dir}: exists and is not a directory`);
    throw new CaptureError(`cannot open it: ${c ?? String(err)}`, dir);
  }
}

/**
 * Create DIR (mode 0700), or take an existing one only if it is safe (see the module note) and empty
 * unless `force`. Throws CaptureError (exit 73) or UsageError (64: not empty, not a directory).
 */
export function prepareCaptureDir(dir: string, force: boolean): CaptureDir {
  const abs = path.resolve(dir);
  const created = makeDir(abs);
  const fd = openDir(abs);
  try {
    const st = fs.fstatSync(fd);
    const why = unsafeDir(st);
    if (why !== null) throw new CaptureError(why, dir);
    // mkdir's mode passes through the umask; the directory must be 0700 whatever the umask.
    if (created) fs.fchmodSync(fd, 0o700);
    const viaFd = fdPath(fd);
    const base = fs.existsSync(viaFd) ? viaFd : fs.realpathSync(abs);
    if (!force && fs.readdirSync(base).length > 0) {
      throw new UsageError(`${dir}: directory is not empty; choose a new one or pass --force to write into it`);
    }
    return { path: dir, base, fd, force, checked: new Set() };
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/** Close the directory opened by prepareCaptureDir. */
export function closeCaptureDir(cap: CaptureDir): void {
  fs.closeSync(cap.fd);
}

/** Path of a recorded file inside the capture, `/`-separated; refuses anything that would land outside DIR. */
export function captureRel(f: Pick<RecordedFile, 'area' | 'rel'>): string {
  const rel = path.posix.normalize(path.posix.join(AREA_DIR[f.area], f.rel));
  if (rel === '..' || rel.startsWith('../') || path.posix.isAbsolute(rel)) throw new Error(`refusing to write outside the capture: ${f.area}/${f.rel}`);
  return rel === '.' ? '' : rel.replace(/\/$/, '');
}

/** Create (0700) or check every directory of `relDir` under the capture: real directories, ours, not writable by others. */
function ensureDirs(cap: CaptureDir, relDir: string): void {
  let rel = '';
  for (const part of relDir.split('/').filter((x) => x !== '' && x !== '.')) {
    rel = rel === '' ? part : `${rel}/${part}`;
    if (cap.checked.has(rel)) continue;
    const p = `${cap.base}/${rel}`;
    try {
      fs.mkdirSync(p, { mode: 0o700 });
    } catch (err) {
      if (code(err) !== 'EEXIST') throw new CaptureError(`cannot create it: ${code(err) ?? String(err)}`, path.join(cap.path, rel));
      const st = fs.lstatSync(p);
      if (st.isSymbolicLink()) throw new CaptureError('is a symbolic link; collect never writes through one', path.join(cap.path, rel));
      if (!st.isDirectory()) throw new CaptureError('exists and is not a directory', path.join(cap.path, rel));
      const why = unsafeDir(st);
      if (why !== null) throw new CaptureError(why, path.join(cap.path, rel));
    }
    cap.checked.add(rel);
  }
}

function writeAll(fd: number, data: Buffer, shown: string): void {
  try {
    for (let off = 0; off < data.length; ) off += fs.writeSync(fd, data, off, data.length - off);
  } catch (err) {
    throw new CaptureError(`write failed: ${code(err) ?? String(err)}`, shown, CAPTURE_EXIT.ioErr);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Write `rel` as a new file (0600). With --force, a regular file already there is replaced by rename
 * of a new file; a link, or anything else, is refused — never written through.
 */
function writeNew(cap: CaptureDir, rel: string, data: Buffer): void {
  const p = `${cap.base}/${rel}`;
  const shown = path.join(cap.path, rel);
  try {
    writeAll(createExclusiveSync(p, 0o600), data, shown);
    return;
  } catch (err) {
    if (err instanceof CaptureError) throw err;
    if (code(err) !== 'EEXIST') throw new CaptureError(`cannot create it: ${code(err) ?? String(err)}`, shown);
  }
  const st = fs.lstatSync(p);
  if (st.isSymbolicLink()) throw new CaptureError('exists and is a symbolic link; collect never writes through one', shown);
  if (!st.isFile()) throw new CaptureError('exists and is not a regular file', shown);
  if (!cap.force) throw new CaptureError('already exists', shown);
  const tmp = `${path.posix.dirname(p)}/.${path.posix.basename(p)}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeAll(createExclusiveSync(tmp, 0o600), data, shown);
    fs.renameSync(tmp, p);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    if (err instanceof CaptureError) throw err;
    throw new CaptureError(`cannot replace it: ${code(err) ?? String(err)}`, shown);
  }
}

function sourceNote(snapshot: Readonly<Snapshot>, meta: CaptureMeta, files: RecordedFile[]): string {
  const rows = Object.entries(snapshot.sources).map(([name, s]) => {
    const why = (s.error ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
    return `| ${name} | ${s.state} | ${why} |`;
  });
  const kernel = meta.kernelVersion?.trim() ?? 'unknown';
  return [
    `Captured by clockdoctor ${meta.toolVersion} (\`${meta.command}\`) on ${snapshot.takenAt}${meta.hostname ? ` on host ${meta.hostname}` : ''}.`,
    '',
    `Kernel: ${kernel}`,
    '',
    'Files are at their original paths under this folder (`proc/...`, `sys/...`, `etc/...`); command output is',
    'under `commands/` (`commands/dmesg` is the kernel log in dmesg\'s format, read from /dev/kmsg, dmesg or',
    'journalctl -k; `commands/chronyc-tracking` is `chronyc -c tracking`). Only the files the collectors read',
    `are here (${files.filter((f) => f.content !== null).length} files); for processes, only time-sync daemons.`,
    ...(files.some((f) => f.area === 'sysfs' && f.rel.startsWith('firmware/acpi/tables/'))
      ? ['ACPI tables under `sys/firmware/acpi/tables/` hold only their 36-byte header (the OEM ID is all that is read).']
      : []),
    'Read it back with `clockdoctor check --from <this folder>`.',
    '',
    'Review before sending: the kernel log and command line can name hosts, devices and boot arguments.',
    '',
    '| collector | state | reason |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

/** Write the capture into a prepared DIR (prepareCaptureDir). Returns the number of evidence files written. */
export function writeCapture(cap: CaptureDir, files: RecordedFile[], snapshot: Readonly<Snapshot>, meta: CaptureMeta): number {
  let n = 0;
  for (const f of files) {
    const rel = captureRel(f);
    if (f.content === null) {
      ensureDirs(cap, rel);
      continue;
    }
    ensureDirs(cap, path.posix.dirname(rel));
    writeNew(cap, rel, f.content);
    n++;
  }
  writeNew(cap, 'SOURCE.md', Buffer.from(sourceNote(snapshot, meta, files), 'utf8'));
  const manifest = {
    tool: { name: 'clockdoctor', version: meta.toolVersion },
    takenAt: snapshot.takenAt,
    kernelVersion: meta.kernelVersion?.trim() ?? null,
    files: files.map((f) => captureRel(f) + (f.content === null ? '/' : '')).sort(),
    sources: snapshot.sources,
  };
  writeNew(cap, 'manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8'));
  return n;
}
