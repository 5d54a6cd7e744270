/**
 * `analyze`'s inputs → evidence, grouped by machine. An input may be a file (any name: its kinds are
 * read from its lines), `-` for stdin, a pipe (`<(dmesg)`), a directory of loose files, a capture
 * written by `clockdoctor collect`, or a `.tar`, `.tar.gz`/`.tgz`, `.zip` or `.gz` of any of those.
 * Nothing here throws for a bad input: every problem becomes that input's status, and the run goes on.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { UserFacts } from '../facts.js';
import type { InputStatus } from '../result.js';
import type { SourceStatus } from '../snapshot.js';
import { InputError, ParseError, located } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { readHeadAndSize } from '../sources/file.js';
import { sniff } from '../evidence/text/detect.js';
import { rootsFromCapture } from '../roots.js';
import { HEAD_BYTES, MAX_WHOLE_BYTES, notText, readBuffer, readStream, readTextFile, readWideFile, type Part } from './text.js';
import { ARCHIVE_LIMITS, archiveEntries, extractEntries } from './archive/extract.js';
import { ArchiveError, type ArchiveLimits } from './archive/entries.js';
import { groupInputs, type SubjectDraft } from './group.js';
import { KIND_LIST, type KindName } from '../evidence/index.js';

export type { Part } from './text.js';
export type { SubjectDraft } from './group.js';

export interface ReadInputsOptions {
  hostTscHz?: number;
  /** Called with one line of progress for big inputs (the command prints it on a terminal). */
  onProgress?: (message: string) => void;
  /** File descriptor `-` reads (default 0, stdin). */
  stdinFd?: number;
  /** Archive limits (default ARCHIVE_LIMITS); `maxTotalBytes` is one budget for every archive of the run. */
  archiveLimits?: ArchiveLimits;
}

/** The parts one input gave, kept together: they are about one machine. */
export interface InputParts {
  input: string;
  parts: Part[];
}

export interface ReadInputsResult {
  subjects: SubjectDraft[];
  inputs: InputStatus[];
  /** Collector statuses of capture directories, keyed `<dir>:<collector>`. */
  sources: Record<string, SourceStatus>;
}

/** Directories are walked this deep and no further (a capture is 6 deep). */
const MAX_DEPTH = 8;
/** At most this many files from one directory or archive. */
const MAX_FILES = 10_000;
/** Archives above this are not opened (they are read into memory). */
const MAX_ARCHIVE_BYTES = MAX_WHOLE_BYTES;

interface Ctx {
  opts: ReadInputsOptions;
  inputs: InputStatus[];
  groups: InputParts[];
  sources: Record<string, SourceStatus>;
  files: number;
  /** Bytes inflated from archives so far: one budget for the run, so nested archives cannot multiply it. */
  inflated: number;
}

function errorText(err: unknown): string {
  if (err instanceof InputError || err instanceof ArchiveError) return err.message;
  if (err instanceof ParseError) return located(null, err.line, err.message);
  return err instanceof Error ? err.message : String(err);
}

const failed = (p: string, message: string, kind: InputStatus['kind'] = null): InputStatus => ({ path: p, kind, kinds: [], status: 'failed', message });

function add(ctx: Ctx, status: InputStatus, parts: Part[]): void {
  ctx.inputs.push(status);
  if (parts.length > 0) ctx.groups.push({ input: status.path, parts });
}

/** A directory that `clockdoctor collect` wrote (or that looks like one: proc/, sys/ or commands/ inside). */
function isCapture(dir: string): boolean {
  return ['proc', 'sys', 'commands'].some((d) => {
    try {
      return fs.lstatSync(path.join(dir, d)).isDirectory();
    } catch {
      return false;
    }
  });
}

async function readCapture(ctx: Ctx, dir: string, display: string): Promise<void> {
  const user = ctx.opts.hostTscHz !== undefined ? { hostTscHz: ctx.opts.hostTscHz } : {};
  // Loaded only for capture directories: the collectors are not needed to read a plain file.
  const { collectSnapshot } = await import('../collect.js');
  const snap = await collectSnapshot(rootsFromCapture(dir), { live: false, user });
  const parts: Part[] = [];
  for (const [name, st] of Object.entries(snap.sources)) ctx.sources[`${display}:${name}`] = st.path !== undefined ? { ...st, path: st.path.replace(dir, display) } : { ...st };
  for (const k of KIND_LIST) {
    const section = snap.facts[k.key];
    if (section !== null) parts.push({ kind: k.name, facts: { ...section, path: section.path?.replace(dir, display) ?? display } });
  }
  const kinds = parts.map((p) => p.kind as KindName);
  if (parts.length === 0) {
    add(ctx, { path: display, kind: 'capture-dir', kinds, status: 'no-evidence', message: 'capture directory holds no evidence clockdoctor can read' }, parts);
    return;
  }
  add(ctx, { path: display, kind: 'capture-dir', kinds, status: 'ok', message: `read ${parts.map((p) => p.kind).join(', ')}` }, parts);
}

async function readDirectory(ctx: Ctx, dir: string, display: string, depth: number): Promise<void> {
  if (isCapture(dir)) return readCapture(ctx, dir, display.endsWith(':') ? display.slice(0, -1) : display);
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch (err) {
    ctx.inputs.push(failed(display, `cannot list: ${(err as NodeJS.ErrnoException).code ?? String(err)}`));
    return;
  }
  const before = ctx.inputs.length;
  for (const name of names) {
    const full = path.join(dir, name);
    // An archive's members are shown as `archive.tgz:member`.
    const shown = display.endsWith(':') ? `${display}${name}` : `${display}/${name}`;
    let st: fs.Stats;
    try {
      st = fs.lstatSync(full);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) { ctx.inputs.push({ path: shown, kind: null, kinds: [], status: 'skipped', message: 'a link: links inside a directory are not followed' }); continue; }
    if (st.isDirectory()) {
      if (depth >= MAX_DEPTH) { ctx.inputs.push({ path: shown, kind: 'directory', kinds: [], status: 'skipped', message: `deeper than ${MAX_DEPTH} levels` }); continue; }
      await readDirectory(ctx, full, shown, depth + 1);
      continue;
    }
    if (!st.isFile()) continue;
    if (++ctx.files > MAX_FILES) { ctx.inputs.push({ path: shown, kind: null, kinds: [], status: 'skipped', message: `more than ${MAX_FILES} files` }); break; }
    await readRegular(ctx, full, shown, depth);
  }
  if (ctx.inputs.length === before) ctx.inputs.push({ path: display, kind: 'directory', kinds: [], status: 'no-evidence', message: 'empty directory' });
}

async function readArchive(ctx: Ctx, buf: Buffer, type: 'gzip' | 'zip' | 'tar', display: string, depth: number): Promise<void> {
  let extracted: ReturnType<typeof extractEntries>;
  try {
    const limits = ctx.opts.archiveLimits ?? ARCHIVE_LIMITS;
    const budget = limits.maxTotalBytes - ctx.inflated;
    if (budget <= 0) throw new ArchiveError(`not opened: archives in this run already unpacked ${ctx.inflated} bytes, the ${limits.maxTotalBytes}-byte limit`);
    const entries = archiveEntries(buf, type, path.basename(display), { ...limits, maxTotalBytes: budget });
    ctx.inflated += entries.reduce((n, e) => n + (e.type === 'file' ? e.size : 0), 0);
    extracted = extractEntries(entries);
  } catch (err) {
    ctx.inputs.push(failed(display, errorText(err), 'archive'));
    return;
  }
  try {
    for (const s of extracted.skipped) ctx.inputs.push({ path: `${display}:${s.name}`, kind: null, kinds: [], status: 'skipped', message: s.reason });
    await readDirectory(ctx, extracted.root, `${display}:`, depth + 1);
  } finally {
    extracted.cleanup();
  }
}

/** Why a path that exists is neither a file, a directory nor a pipe we can read, or null. */
function unreadableType(st: fs.Stats): string | null {
  if (st.isFile() || st.isDirectory() || st.isFIFO()) return null;
  return `is ${st.isSocket() ? 'a socket' : 'a device'}, not a file: save it to a file first`;
}

async function readRegular(ctx: Ctx, file: string, display: string, depth: number): Promise<void> {
  let head: Buffer;
  let size: number;
  try {
    ({ head, size } = readHeadAndSize(file, HEAD_BYTES));
  } catch (err) {
    ctx.inputs.push(failed(display, errorText(err)));
    return;
  }
  const sniffed = sniff(head);
  try {
    if (sniffed.type === 'text') {
      const r = sniffed.encoding === 'utf8' ? readTextFile(file, display, size, ctx.opts.onProgress) : readWideFile(file, display, size);
      add(ctx, r.status, r.parts);
    } else if (sniffed.type === 'empty' || sniffed.type === 'unreadable') {
      const r = notText(display, sniffed);
      add(ctx, r.status, r.parts);
    } else if (size > MAX_ARCHIVE_BYTES) {
      ctx.inputs.push(failed(display, `archive larger than ${MAX_ARCHIVE_BYTES} bytes: unpack it and name the files`, 'archive'));
    } else {
      await readArchive(ctx, fs.readFileSync(file), sniffed.type, display, depth);
    }
  } catch (err) {
    ctx.inputs.push(failed(display, errorText(err), err instanceof InputError && err.exitCode === EXIT.noInput ? null : 'archive'));
  }
}

async function readStdinLike(ctx: Ctx, fd: number, display: string): Promise<void> {
  try {
    const r = readStream(fd, display);
    if ('status' in r) { add(ctx, r.status, r.parts); return; }
    if (r.sniffed.type === 'text') { const t = readBuffer(display, r.whole); add(ctx, t.status, t.parts); return; }
    if (r.sniffed.type === 'gzip' || r.sniffed.type === 'zip' || r.sniffed.type === 'tar') await readArchive(ctx, r.whole, r.sniffed.type, display, 0);
  } catch (err) {
    ctx.inputs.push(failed(display, errorText(err)));
  }
}

async function readOne(ctx: Ctx, p: string): Promise<void> {
  if (p === '-') return readStdinLike(ctx, ctx.opts.stdinFd ?? 0, 'stdin');
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    ctx.inputs.push(failed(p, code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot read: ${code ?? String(err)}`));
    return;
  }
  const why = unreadableType(st);
  if (why !== null) { ctx.inputs.push(failed(p, why)); return; }
  if (st.isDirectory()) return readDirectory(ctx, p, p.replace(/\/+$/, '') || '/', 0);
  if (st.isFIFO()) {
    let fd: number;
    try {
      fd = fs.openSync(p, 'r');
    } catch (err) {
      ctx.inputs.push(failed(p, errorText(err)));
      return;
    }
    try {
      await readStdinLike(ctx, fd, p);
    } finally {
      fs.closeSync(fd);
    }
    return;
  }
  return readRegular(ctx, p, p, 0);
}

/** Read every input in order, then group the evidence by machine; never throws for a bad input. */
export async function readInputs(paths: readonly string[], opts: ReadInputsOptions = {}): Promise<ReadInputsResult> {
  const ctx: Ctx = { opts, inputs: [], groups: [], sources: {}, files: 0, inflated: 0 };
  const seen = new Set<string>();
  for (const p of paths) {
    const key = p === '-' ? '-' : path.resolve(p);
    if (seen.has(key)) { ctx.inputs.push({ path: p, kind: null, kinds: [], status: 'skipped', message: 'given twice; read once' }); continue; }
    seen.add(key);
    await readOne(ctx, p);
  }
  const user: UserFacts = { hostTscHz: opts.hostTscHz ?? null };
  const subjects = groupInputs(ctx.groups, user);
  for (const s of subjects) for (const i of ctx.inputs) if (s.inputs.includes(i.path)) i.subject = s.id;
  return { subjects, inputs: ctx.inputs, sources: ctx.sources };
}
