/**
 * The one door sources go through to the outside world: small pseudo-files, directory listings and
 * commands, all rooted at Roots. Every successful read can be recorded, so `clockdoctor collect` writes
 * exactly what the collectors saw, at the same paths, and `check --from DIR` replays it unchanged.
 *
 * Nothing is read through a symbolic link that leaves its root (see `openInside`): a capture is
 * someone else's directory, and root reading it must not turn into root reading /etc/shadow. The
 * same primitives (`openInside`, `readDirInside`, `createExclusive`) serve every other reader and
 * writer of untrusted trees (captures, archives, the textfile directory).
 */
import fs from 'node:fs/promises';
import fsSync, { constants as fsConstants, type Stats } from 'node:fs';
import path from 'node:path';
import { fdPath, fenceOf, procPath, rootPath, sysPath, type Area, type Roots } from '../roots.js';
import type { SourceMemory } from './memory.js';

export type { Area } from '../roots.js';

/** One thing a source read, kept for writing a capture. `content: null` is a directory that exists. */
export interface RecordedFile {
  area: Area;
  /** Path relative to the area's root, `/`-separated, no leading slash. */
  rel: string;
  content: Buffer | null;
}

/** Outcome of reading one file: the text, or why there is none (`absent` is not an error). */
export type ReadResult =
  | { state: 'ok'; text: string; path: string }
  | { state: 'absent'; path: string; reason: string }
  | { state: 'failed'; path: string; reason: string; code: string | null };

/** Outcome of one command (run live, or replayed from `commands/<name>` in a capture). */
export type RunResult =
  | { state: 'ok'; stdout: string; path: string }
  | { state: 'absent'; path: string; reason: string }
  | { state: 'failed'; path: string; reason: string; stderr: string; timedOut: boolean };

/** The abort reason when a collector's own time is up (as opposed to the whole collection being cancelled). */
export class CollectorTimeout extends Error {
  override readonly name = 'CollectorTimeout';
}

/** What a source gets besides Roots. */
export interface SourceContext {
  /** Aborted when the collector's timeout fires or the caller gives up. */
  signal: AbortSignal;
  /** Per-collector budget; commands are killed when it runs out. */
  timeoutMs: number;
  /** True when reading the running system (commands may run, measurements may be taken). */
  live: boolean;
  io: SourceIO;
  /**
   * What this collector kept from the previous collection (the agent's refreshes); absent for a
   * one-shot collection, which then reads everything afresh.
   */
  memory?: SourceMemory;
}

/** Upper bound for a pseudo-file; /proc/timer_list on a 512-CPU host is a few MB. */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;

/** Upper bound of a synchronous read (`sync: true`): tiny pseudo-files only, so the event loop never waits long. */
export const SMALL_FILE_BYTES = 256 * 1024;

function errCode(err: unknown): string | null {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? null;
}

/** A short human reason for an fs error code (the confined helpers add EOUTSIDE and ENOTREG). */
function describeFsError(code: string | null, fallback: unknown): string {
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTREG':
      return 'not a regular file (a pipe, socket or device under the roots is never read)';
    case 'ELOOP':
      return 'symbolic link loop';
    case 'EOUTSIDE':
      return fallback instanceof Error ? fallback.message : 'links out of its root; not read';
    default:
      return code ?? (fallback instanceof Error ? fallback.message : String(fallback));
  }
}

/**
 * Why `p` could not be read: missing → `absent` (not an error), else `failed`; a read cut short by
 * `signal` says so, as its error is the abort rather than anything about the file.
 */
function notRead(p: string, err: unknown, signal?: AbortSignal): Exclude<ReadResult, { state: 'ok' }> {
  const code = errCode(err);
  if (code === 'ENOENT' || code === 'ENOTDIR') return { state: 'absent', path: p, reason: `${p} does not exist` };
  if (signal?.aborted) return { state: 'failed', path: p, reason: `${p}: read aborted (timed out)`, code: 'ABORT_ERR' };
  return { state: 'failed', path: p, reason: `${p}: ${describeFsError(code, err)}`, code };
}

/**
 * One per collection: resolves paths under Roots, reads, runs commands, and (when recording) keeps a
 * copy of everything read for the capture writer. `child()` gives each collector its own view (its
 * own list of refused links) over the same recording.
 */
export class SourceIO {
  /** Files read so far (only when recording). */
  readonly recorded: RecordedFile[] | null;
  /** Paths this view refused to read because they link out of their root (for the collector's status). */
  readonly refused: string[] = [];
  /** Environment for commands (default: this process's). */
  private readonly env: NodeJS.ProcessEnv | undefined;
  /** Real path of each root, resolved once per collection (shared with children). */
  private readonly realRoots: Map<string, Promise<string>>;
  /** The same for the synchronous reads. */
  private readonly realRootsSync: Map<string, string>;

  constructor(
    readonly roots: Roots,
    opts: { record?: boolean; env?: NodeJS.ProcessEnv } = {},
    shared?: { recorded: RecordedFile[] | null; realRoots: Map<string, Promise<string>>; realRootsSync: Map<string, string> },
  ) {
    this.recorded = shared ? shared.recorded : opts.record ? [] : null;
    this.env = opts.env;
    this.realRoots = shared?.realRoots ?? new Map();
    this.realRootsSync = shared?.realRootsSync ?? new Map();
  }

  /** A view for one collector: same roots, recording and caches; its own `refused` list. */
  child(): SourceIO {
    return new SourceIO(this.roots, this.env ? { env: this.env } : {}, { recorded: this.recorded, realRoots: this.realRoots, realRootsSync: this.realRootsSync });
  }

  /** Absolute path of `rel` under an area (lexical: links are not followed here). */
  resolve(area: Area, rel: string): string {
    switch (area) {
      case 'procfs':
        return procPath(this.roots, rel);
      case 'sysfs':
        return sysPath(this.roots, rel);
      case 'rootfs':
        return rootPath(this.roots, rel);
      case 'commands':
        return path.join(this.roots.commands ?? '', rel);
    }
  }

  /** Keep a copy for the capture (no-op unless recording). */
  record(area: Area, rel: string, content: Buffer | string | null): void {
    if (this.recorded === null) return;
    const buf = content === null ? null : typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const i = this.recorded.findIndex((r) => r.area === area && r.rel === rel);
    if (i >= 0) this.recorded.splice(i, 1);
    this.recorded.push({ area, rel, content: buf });
  }

  /**
   * The fence of `rel` in `area` (see roots.ts `fenceOf`) and the fence's real path; a missing root
   * (or `commands` on a live system) is ENOENT.
   */
  private async fence(area: Area, rel: string): Promise<{ root: string; rel: string; realRoot: string }> {
    const f = fenceOf(this.roots, area, rel);
    if (f === null) throw errnoError('ENOENT', `${area}: nothing captured`);
    let real = this.realRoots.get(f.root);
    if (real === undefined) {
      real = fs.realpath(f.root);
      // A root that is missing now may appear later (a test creating it); only successes are kept.
      real.catch(() => this.realRoots.delete(f.root));
      this.realRoots.set(f.root, real);
    }
    return { ...f, realRoot: await real };
  }

  /** Remember a refused link for the collector's status, and pass the error on. */
  private noteRefusal(p: string, err: unknown): void {
    if (errCode(err) !== 'EOUTSIDE') return;
    const line = `${p}: ${(err as Error).message}`;
    if (!this.refused.includes(line)) this.refused.push(line);
  }

  /**
   * Read a small text file whole. Missing → `absent`; permission denied → `failed` with code EACCES;
   * a link out of the root → `failed` with code EOUTSIDE (and nothing read).
   * `record: false` for files looked at only to decide (e.g. every process's `comm`).
   */
  async readText(area: Area, rel: string, opts: { signal?: AbortSignal; record?: boolean; maxBytes?: number } = {}): Promise<ReadResult> {
    const p = this.resolve(area, rel);
    try {
      const { root, rel: inRoot, realRoot } = await this.fence(area, rel);
      const buf = await readCapped(root, inRoot, realRoot, opts.maxBytes ?? MAX_FILE_BYTES, opts.signal);
      if (opts.record !== false) this.record(area, rel, buf);
      return { state: 'ok', text: buf.toString('utf8'), path: p };
    } catch (err) {
      this.noteRefusal(p, err);
      return notRead(p, err, opts.signal);
    }
  }

  /**
   * Like readText, synchronously, for the tiny pseudo-files a refresh looks at many of (every
   * process's `comm`, sysfs attributes): an async read costs thread-pool round trips (two context
   * switches each) per file, a sync read of a few bytes from procfs/sysfs a few system calls and no
   * thread. The same confined steps as readText (see openInside), each as a synchronous call; at most
   * `maxBytes` (default 256 KB; EFBIG beyond). Never for files that may be large or slow.
   */
  readTextSync(area: Area, rel: string, opts: { record?: boolean; maxBytes?: number } = {}): ReadResult {
    const p = this.resolve(area, rel);
    try {
      const { root, rel: inRoot, realRoot } = this.fenceSync(area, rel);
      const buf = readCappedSync(root, inRoot, realRoot, opts.maxBytes ?? SMALL_FILE_BYTES);
      if (opts.record !== false) this.record(area, rel, buf);
      return { state: 'ok', text: buf.toString('utf8'), path: p };
    } catch (err) {
      this.noteRefusal(p, err);
      return notRead(p, err);
    }
  }

  /** `fence`, synchronously (its own cache of real root paths). */
  private fenceSync(area: Area, rel: string): { root: string; rel: string; realRoot: string } {
    const f = fenceOf(this.roots, area, rel);
    if (f === null) throw errnoError('ENOENT', `${area}: nothing captured`);
    let real = this.realRootsSync.get(f.root);
    if (real === undefined) {
      real = fsSync.realpathSync(f.root);
      this.realRootsSync.set(f.root, real);
    }
    return { ...f, realRoot: real };
  }

  /** Read the first `n` bytes of a (binary) file, e.g. an ACPI table header. */
  async readHead(area: Area, rel: string, n: number): Promise<{ state: 'ok'; buf: Buffer; path: string } | Exclude<ReadResult, { state: 'ok' }>> {
    const p = this.resolve(area, rel);
    let fh: fs.FileHandle | undefined;
    try {
      const { root, rel: inRoot, realRoot } = await this.fence(area, rel);
      ({ fh } = await openInside(root, inRoot, { realRoot }));
      const buf = Buffer.alloc(n);
      const { bytesRead } = await fh.read(buf, 0, n, 0);
      const out = buf.subarray(0, bytesRead);
      this.record(area, rel, out);
      return { state: 'ok', buf: out, path: p };
    } catch (err) {
      this.noteRefusal(p, err);
      return notRead(p, err);
    } finally {
      await fh?.close();
    }
  }

  /** Names in a directory, or why there are none. Throws nothing. `sync` as for readText (a /proc or /sys directory). */
  async listDir(area: Area, rel: string, opts: { sync?: boolean } = {}): Promise<{ state: 'ok'; names: string[]; path: string } | Exclude<ReadResult, { state: 'ok' }>> {
    const p = this.resolve(area, rel);
    try {
      let names: string[];
      if (opts.sync) {
        const { root, rel: inRoot, realRoot } = this.fenceSync(area, rel);
        names = readDirInsideSync(root, inRoot, { realRoot });
      } else {
        const { root, rel: inRoot, realRoot } = await this.fence(area, rel);
        names = await readDirInside(root, inRoot, { realRoot });
      }
      return { state: 'ok', names, path: p };
    } catch (err) {
      this.noteRefusal(p, err);
      return notRead(p, err);
    }
  }

  /** Whether a directory exists inside its root (recorded as an empty directory when it does). `sync` as for readText. */
  async dirExists(area: Area, rel: string, opts: { sync?: boolean } = {}): Promise<boolean> {
    try {
      let st: Stats;
      if (opts.sync) {
        const { root, rel: inRoot, realRoot } = this.fenceSync(area, rel);
        st = fsSync.statSync(resolveInsideSync(root, inRoot, { realRoot }));
      } else {
        const { root, rel: inRoot, realRoot } = await this.fence(area, rel);
        st = await fs.stat(await resolveInside(root, inRoot, { realRoot }));
      }
      if (st.isDirectory()) this.record(area, rel, null);
      return st.isDirectory();
    } catch (err) {
      this.noteRefusal(this.resolve(area, rel), err);
      return false;
    }
  }

  /**
   * Run a command, or replay its output from `commands/<name>` when reading a capture. Live commands
   * run with `reject: false`, a timeout and the collector's abort signal; a command that hangs is
   * killed (SIGTERM, then SIGKILL 500 ms later). Not live and no capture → `absent`.
   */
  async run(name: string, file: string, args: readonly string[], ctx: { signal: AbortSignal; timeoutMs: number; live: boolean }): Promise<RunResult> {
    if (this.roots.commands !== null) {
      const r = await this.readText('commands', name, { signal: ctx.signal });
      if (r.state === 'ok') return { state: 'ok', stdout: r.text, path: r.path };
      if (r.state === 'absent') return { state: 'absent', path: r.path, reason: `${r.path} is not in the capture` };
      return { state: 'failed', path: r.path, reason: r.reason, stderr: '', timedOut: false };
    }
    const shown = [file, ...args].join(' ');
    if (!ctx.live) return { state: 'absent', path: shown, reason: `${shown}: not run (not a live system)` };
    // Imported only when a command really runs: loading execa takes tens of ms that file reads never need.
    const { execa } = await import('execa');
    const res = await execa(file, args, {
      reject: false,
      timeout: Math.max(1, ctx.timeoutMs),
      cancelSignal: ctx.signal,
      forceKillAfterDelay: 500,
      stdin: 'ignore',
      maxBuffer: MAX_FILE_BYTES,
      stripFinalNewline: false,
      env: { ...(this.env ?? process.env), LC_ALL: 'C', TZ: 'UTC' },
      extendEnv: false,
    });
    const stderr = typeof res.stderr === 'string' ? res.stderr.trim() : '';
    if (res.timedOut || res.isCanceled) {
      const why = res.timedOut || ctx.signal.reason instanceof CollectorTimeout ? `killed after ${ctx.timeoutMs} ms (timed out)` : 'killed (collection cancelled)';
      return { state: 'failed', path: shown, reason: `${shown}: ${why}`, stderr, timedOut: true };
    }
    if (res.failed) {
      const notFound = (res as { code?: string }).code === 'ENOENT';
      if (notFound) return { state: 'absent', path: shown, reason: `${file}: command not found` };
      const why = stderr.split('\n')[0] || res.shortMessage || `exit code ${String(res.exitCode)}`;
      return { state: 'failed', path: shown, reason: `${shown}: ${why}`, stderr, timedOut: false };
    }
    const stdout = typeof res.stdout === 'string' ? res.stdout : '';
    this.record('commands', name, stdout);
    return { state: 'ok', stdout, path: shown };
  }
}


// ---------------------------------------------------------------------------------------------------
// Confined file primitives. Node has no openat(2)/openat2(RESOLVE_BENEATH), so confinement is done in
// three steps that together leave no window an attacker can use to read elsewhere:
//   1. realpath(ROOT/rel) follows every link; a result outside realpath(ROOT) is refused (EOUTSIDE);
//   2. that real path is lstat'ed and must be a regular file (or a directory when listing), so a FIFO,
//      socket or device is refused before it is opened (opening one can block, or act: a watchdog);
//   3. it is opened with O_NOFOLLOW|O_NONBLOCK|O_NOCTTY, and the descriptor itself is checked: the
//      kernel's /proc/self/fd/N names what was really opened, which must still be inside the root
//      (a parent directory swapped for a link between steps 1 and 3 is caught here). Where /proc is not
//      mounted, the descriptor's device and inode must equal those of step 2.
// ---------------------------------------------------------------------------------------------------

/** An errno-style error carrying `code` (and `path`), as fs errors do. */
function errnoError(code: string, message: string, p?: string): NodeJS.ErrnoException {
  const err = new Error(message) as NodeJS.ErrnoException;
  err.code = code;
  if (p !== undefined) err.path = p;
  return err;
}

/** True when `p` is `root` itself or below it (both absolute and normalised, as realpath gives them). */
export function isInside(root: string, p: string): boolean {
  if (p === root) return true;
  return p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/** `root/rel` joined, refusing a `rel` whose `..` climbs above root before any link is looked at. */
function joinInside(root: string, rel: string): string {
  const joined = path.join(root, rel);
  if (!isInside(path.resolve(root), path.resolve(joined))) {
    throw errnoError('EOUTSIDE', `climbs out of ${root}; not read`, joined);
  }
  return joined;
}

/** The error for a path whose real location is outside its root. */
function outside(p: string, root: string, target: string): NodeJS.ErrnoException {
  return errnoError('EOUTSIDE', `links out of ${root} (to ${target}); not read`, p);
}

/** Options of the confined helpers. */
export interface InsideOptions {
  /** realpath(root), when the caller already has it (saves one system call per file). */
  realRoot?: string;
}

/**
 * The real path of `rel` under `root`, every symbolic link followed; throws EOUTSIDE when that leaves
 * `root` (links that stay inside, as sysfs's do, are fine), ENOENT when it does not exist (a dangling
 * link included) and ELOOP for a link loop.
 */
export async function resolveInside(root: string, rel: string, opts: InsideOptions = {}): Promise<string> {
  const lexical = joinInside(root, rel);
  const realRoot = opts.realRoot ?? (await fs.realpath(root));
  const real = await fs.realpath(lexical);
  if (!isInside(realRoot, real)) throw outside(lexical, root, real);
  return real;
}

/** A file opened inside its root. */
export interface OpenedInside {
  /** Open for reading (O_RDONLY|O_NONBLOCK|O_NOFOLLOW|O_NOCTTY); the caller closes it. */
  fh: fs.FileHandle;
  /** Where it really is (inside the root). */
  real: string;
  /** fstat of the descriptor. */
  stat: Stats;
  /**
   * `/proc/self/fd/N` for this descriptor when /proc shows it, else null. Paths below it (for a
   * directory) resolve from the very directory that was checked, whatever its path names later.
   */
  viaFd: string | null;
}

const READ_FLAGS = fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | fsConstants.O_NOFOLLOW | fsConstants.O_NOCTTY;

/** What kind of thing a non-regular file is, as an ENOTREG/EISDIR/ENOTDIR error. */
function wrongKind(p: string, st: Stats, wantDir: boolean): NodeJS.ErrnoException {
  if (wantDir) return errnoError('ENOTDIR', 'not a directory', p);
  if (st.isDirectory()) return errnoError('EISDIR', 'is a directory', p);
  return errnoError('ENOTREG', 'not a regular file', p);
}

/** The path the kernel gives an open descriptor, or null where /proc is not mounted. */
async function descriptorPath(fd: number): Promise<string | null> {
  try {
    return await fs.readlink(fdPath(fd));
  } catch {
    return null;
  }
}

/**
 * Open `rel` under `root` for reading without following any link out of `root` (see the steps above).
 * Refuses (before opening) anything that is not a regular file — or not a directory with
 * `directory: true`. Errors are errno-style: ENOENT, EACCES, ELOOP, EISDIR, ENOTDIR, ENOTREG, EOUTSIDE.
 */
export async function openInside(root: string, rel: string, opts: InsideOptions & { directory?: boolean } = {}): Promise<OpenedInside> {
  const realRoot = opts.realRoot ?? (await fs.realpath(root));
  const real = await resolveInside(root, rel, { realRoot });
  const wantDir = opts.directory === true;
  const before = await fs.lstat(real);
  if (wantDir ? !before.isDirectory() : !before.isFile()) throw wrongKind(real, before, wantDir);
  const fh = await fs.open(real, READ_FLAGS | (wantDir ? fsConstants.O_DIRECTORY : 0));
  try {
    const stat = await fh.stat();
    const where = await descriptorPath(fh.fd);
    const same = where !== null ? isInside(realRoot, where) : stat.dev === before.dev && stat.ino === before.ino;
    if (!same) throw outside(path.join(root, rel), root, where ?? real);
    if (wantDir ? !stat.isDirectory() : !stat.isFile()) throw wrongKind(real, stat, wantDir);
    return { fh, real, stat, viaFd: where !== null ? fdPath(fh.fd) : null };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** Names in the directory `rel` under `root`, never listing a directory reached through a link out of it. */
export async function readDirInside(root: string, rel: string, opts: InsideOptions = {}): Promise<string[]> {
  const dir = await openInside(root, rel, { ...opts, directory: true });
  try {
    return await fs.readdir(dir.viaFd ?? dir.real);
  } finally {
    await dir.fh.close();
  }
}

/** Read at most `max` bytes of `rel` under `root`; works for pseudo-files whose stat size is 0 or 4096. */
async function readCapped(root: string, rel: string, realRoot: string, max: number, signal?: AbortSignal): Promise<Buffer> {
  const { fh } = await openInside(root, rel, { realRoot });
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      signal?.throwIfAborted();
      const buf = Buffer.allocUnsafe(Math.min(256 * 1024, max - total + 1));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > max) throw errnoError('EFBIG', `larger than ${max} bytes`);
    }
    return Buffer.concat(chunks, total);
  } finally {
    await fh.close();
  }
}

// The same three confinement steps with synchronous system calls, for tiny pseudo-files (see readText).

/** `resolveInside`, synchronously. */
export function resolveInsideSync(root: string, rel: string, opts: InsideOptions = {}): string {
  const lexical = joinInside(root, rel);
  // The libc realpath: one call, where fs.realpathSync's JavaScript walk lstats every component.
  const realRoot = opts.realRoot ?? fsSync.realpathSync.native(root);
  const real = fsSync.realpathSync.native(lexical);
  if (!isInside(realRoot, real)) throw outside(lexical, root, real);
  return real;
}

/** The path the kernel gives an open descriptor, or null where /proc is not mounted. */
function descriptorPathSync(fd: number): string | null {
  try {
    return fsSync.readlinkSync(fdPath(fd));
  } catch {
    return null;
  }
}

/** `openInside`, synchronously; returns the descriptor (the caller closes it). */
export function openInsideSync(root: string, rel: string, opts: InsideOptions & { directory?: boolean } = {}): { fd: number; real: string; viaFd: string | null } {
  const realRoot = opts.realRoot ?? fsSync.realpathSync(root);
  const real = resolveInsideSync(root, rel, { realRoot });
  const wantDir = opts.directory === true;
  const before = fsSync.lstatSync(real);
  if (wantDir ? !before.isDirectory() : !before.isFile()) throw wrongKind(real, before, wantDir);
  const fd = fsSync.openSync(real, READ_FLAGS | (wantDir ? fsConstants.O_DIRECTORY : 0));
  try {
    const stat = fsSync.fstatSync(fd);
    const where = descriptorPathSync(fd);
    const same = where !== null ? isInside(realRoot, where) : stat.dev === before.dev && stat.ino === before.ino;
    if (!same) throw outside(path.join(root, rel), root, where ?? real);
    if (wantDir ? !stat.isDirectory() : !stat.isFile()) throw wrongKind(real, stat, wantDir);
    return { fd, real, viaFd: where !== null ? fdPath(fd) : null };
  } catch (err) {
    fsSync.closeSync(fd);
    throw err;
  }
}

/** `readDirInside`, synchronously. */
export function readDirInsideSync(root: string, rel: string, opts: InsideOptions = {}): string[] {
  const dir = openInsideSync(root, rel, { ...opts, directory: true });
  try {
    return fsSync.readdirSync(dir.viaFd ?? dir.real);
  } finally {
    fsSync.closeSync(dir.fd);
  }
}

/**
 * One scratch buffer for every synchronous read: a fresh 8 KB buffer per sysfs attribute is outside
 * Node's small-buffer pool, and a hundred of them per refresh kept the garbage collector busy (about
 * a third of a refresh's CPU). Sync reads cannot interleave, so one buffer serves them all.
 */
let scratch = Buffer.allocUnsafe(16 * 1024);

/** `readCapped`, synchronously: at most `max` bytes (EFBIG beyond); the result is a copy of exactly what was read. */
function readCappedSync(root: string, rel: string, realRoot: string, max: number): Buffer {
  const { fd } = openInsideSync(root, rel, { realRoot });
  try {
    let total = 0;
    for (;;) {
      if (total === scratch.length) {
        if (total > max) break;
        const bigger = Buffer.allocUnsafe(Math.min(scratch.length * 2, max + 1));
        scratch.copy(bigger, 0, 0, total);
        scratch = bigger;
      }
      const n = fsSync.readSync(fd, scratch, total, Math.min(scratch.length, max + 1) - total, null);
      if (n === 0) break;
      total += n;
      if (total > max) throw errnoError('EFBIG', `larger than ${max} bytes`);
    }
    return Buffer.from(scratch.subarray(0, total));
  } finally {
    fsSync.closeSync(fd);
  }
}

const CREATE_FLAGS = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW;

/**
 * Create `file`, which must not exist in any form — a symbolic link (even a dangling one) is EEXIST,
 * never followed — open for writing, with exactly `mode` (set with fchmod, so the umask does not
 * narrow it; 0644 for node_exporter's textfile directory, 0600 for a capture). The caller closes it.
 */
export async function createExclusive(file: string, mode: number): Promise<fs.FileHandle> {
  const fh = await fs.open(file, CREATE_FLAGS, mode & 0o777);
  try {
    await fh.chmod(mode);
  } catch (err) {
    await fh.close();
    await fs.unlink(file).catch(() => undefined);
    throw err;
  }
  return fh;
}

/** `createExclusive`, synchronously: returns the descriptor. */
export function createExclusiveSync(file: string, mode: number): number {
  const fd = fsSync.openSync(file, CREATE_FLAGS, mode & 0o777);
  try {
    fsSync.fchmodSync(fd, mode);
  } catch (err) {
    fsSync.closeSync(fd);
    try {
      fsSync.unlinkSync(file);
    } catch {
      // already gone
    }
    throw err;
  }
  return fd;
}
