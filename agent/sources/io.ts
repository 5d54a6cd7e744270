/**
 * The one door sources go through to the outside world: small pseudo-files, directory listings and
 * commands, all rooted at Roots. Every successful read can be recorded, so `clockdoctor collect` writes
 * exactly what the collectors saw, at the same paths, and `check --from DIR` replays it unchanged.
 */
import fs from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { procPath, rootPath, sysPath, type Roots } from '../roots.js';

/** Which root a relative path hangs off. `commands` is the capture's command-output folder. */
export type Area = 'procfs' | 'sysfs' | 'rootfs' | 'commands';

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
}

/** Upper bound for a pseudo-file; /proc/timer_list on a 512-CPU host is a few MB. */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;

function errCode(err: unknown): string | null {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? null;
}

/** A short human reason for an fs error code. */
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
 * copy of everything read for the capture writer.
 */
export class SourceIO {
  /** Files read so far (only when recording). */
  readonly recorded: RecordedFile[] | null;
  /** Environment for commands (default: this process's). */
  private readonly env: NodeJS.ProcessEnv | undefined;

  constructor(
    readonly roots: Roots,
    opts: { record?: boolean; env?: NodeJS.ProcessEnv } = {},
  ) {
    this.recorded = opts.record ? [] : null;
    this.env = opts.env;
  }

  /** Absolute path of `rel` under an area. */
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
   * Read a small text file whole. Missing → `absent`; permission denied → `failed` with code EACCES.
   * `record: false` for files looked at only to decide (e.g. every process's `comm`).
   */
  async readText(area: Area, rel: string, opts: { signal?: AbortSignal; record?: boolean; maxBytes?: number } = {}): Promise<ReadResult> {
    const p = this.resolve(area, rel);
    try {
      const buf = await readCapped(p, opts.maxBytes ?? MAX_FILE_BYTES, opts.signal);
      if (opts.record !== false) this.record(area, rel, buf);
      return { state: 'ok', text: buf.toString('utf8'), path: p };
    } catch (err) {
      return notRead(p, err, opts.signal);
    }
  }

  /** Read the first `n` bytes of a (binary) file, e.g. an ACPI table header. */
  async readHead(area: Area, rel: string, n: number): Promise<{ state: 'ok'; buf: Buffer; path: string } | Exclude<ReadResult, { state: 'ok' }>> {
    const p = this.resolve(area, rel);
    let fh: fs.FileHandle | undefined;
    try {
      fh = await openRegularNonBlocking(p);
      const buf = Buffer.alloc(n);
      const { bytesRead } = await fh.read(buf, 0, n, 0);
      const out = buf.subarray(0, bytesRead);
      this.record(area, rel, out);
      return { state: 'ok', buf: out, path: p };
    } catch (err) {
      return notRead(p, err);
    } finally {
      await fh?.close();
    }
  }

  /** Names in a directory, or why there are none. Throws nothing. */
  async listDir(area: Area, rel: string): Promise<{ state: 'ok'; names: string[]; path: string } | Exclude<ReadResult, { state: 'ok' }>> {
    const p = this.resolve(area, rel);
    try {
      const names = await fs.readdir(p);
      return { state: 'ok', names, path: p };
    } catch (err) {
      return notRead(p, err);
    }
  }

  /** Whether a directory exists (recorded as an empty directory when it does). */
  async dirExists(area: Area, rel: string): Promise<boolean> {
    try {
      const st = await fs.stat(this.resolve(area, rel));
      if (st.isDirectory()) this.record(area, rel, null);
      return st.isDirectory();
    } catch {
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

/**
 * Open for reading without ever blocking: a FIFO (or device) planted under the roots would otherwise
 * hang a libuv thread forever, and four of them freeze every file read of the process.
 */
async function openRegularNonBlocking(p: string): Promise<fs.FileHandle> {
  const fh = await fs.open(p, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  const st = await fh.stat().catch(async (err: unknown) => {
    await fh.close();
    throw err;
  });
  if (!st.isFile()) {
    await fh.close();
    const err = new Error(st.isDirectory() ? 'is a directory' : 'not a regular file') as NodeJS.ErrnoException;
    err.code = st.isDirectory() ? 'EISDIR' : 'ENOTREG';
    throw err;
  }
  return fh;
}

/** Read at most `max` bytes; works for pseudo-files whose stat size is 0 or 4096. */
async function readCapped(p: string, max: number, signal?: AbortSignal): Promise<Buffer> {
  const fh = await openRegularNonBlocking(p);
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
      if (total > max) {
        const err = new Error(`larger than ${max} bytes`) as NodeJS.ErrnoException;
        err.code = 'EFBIG';
        throw err;
      }
    }
    return Buffer.concat(chunks, total);
  } finally {
    await fh.close();
  }
}
