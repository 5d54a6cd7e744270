/**
 * Files (and capture directories) named on `clockdoctor analyze`'s command line → one Facts object.
 *
 * Each file's kind is detected from the first 64 KB of its content, never its name, then the whole file
 * is streamed once through that kind's parser. Files about one VM (host VBox.log + guest evidence) are
 * merged section by section; a second file of a kind already given is skipped with a message. Nothing
 * here throws for a bad input: every problem becomes that input's status, and the exit code follows
 * from the statuses (agent/diagnose.ts `exitCodeFor`).
 */
import fs from 'node:fs';
import { emptyFacts, type Facts, type FactKey } from './facts.js';
import type { InputKind, InputStatus } from './result.js';
import type { SourceStatus } from './snapshot.js';
import { InputError, ParseError, located } from './errors.js';
import { parseFile, readHeadAndSize } from './sources/file.js';
import type { LineParser, SplitStats } from './evidence/text/lines.js';
import { createVboxParser } from './evidence/vbox/parser.js';
import { createKernelLogParser } from './evidence/kernel-log/parser.js';
import { detectKind, type FileKind } from './evidence/text/detect.js';
import { createCpuinfoParser } from './evidence/cpuinfo/parser.js';
import { createTimerListParser } from './evidence/timer-list/parser.js';
import { parseClocksourceFile } from './evidence/clocksource/parser.js';
import { rootsFromCapture } from './roots.js';

export interface ReadInputsOptions {
  hostTscHz?: number;
  /** Called with one line of progress for big files (the command prints it on a TTY). */
  onProgress?: (message: string) => void;
}

export interface ReadInputsResult {
  facts: Facts;
  inputs: InputStatus[];
  /** Collector statuses of capture directories, keyed `<dir>:<collector>`. */
  sources: Record<string, SourceStatus>;
}

/** Files above this size get a progress line ("reading …"). */
const PROGRESS_BYTES = 50 * 1024 * 1024;

const HEAD_BYTES = 64 * 1024;

const KIND_TO_KEY: Record<FileKind, FactKey> = {
  'vbox-log': 'vbox',
  'kernel-log': 'kernelLog',
  cpuinfo: 'cpuinfo',
  'timer-list': 'timerList',
  'current-clocksource': 'clocksource',
  'available-clocksource': 'clocksource',
};

const NOT_RECOGNISED = 'not recognised: not a VBox.log, kernel log, /proc/cpuinfo, /proc/timer_list or clocksource file';

/** Largest file taken as a sysfs clocksource file (one short line of names). */
const CLOCKSOURCE_FILE_MAX = 4096;

function parserFor(kind: InputKind, path: string): LineParser<unknown> | null {
  switch (kind) {
    case 'vbox-log': return createVboxParser(path);
    case 'kernel-log': return createKernelLogParser(path);
    case 'cpuinfo': return createCpuinfoParser(path);
    case 'timer-list': return createTimerListParser(path);
    default: return null;
  }
}

function errorMessage(err: unknown): string {
  if (err instanceof InputError) return err.message;
  if (err instanceof ParseError) return located(null, err.line, err.message);
  return err instanceof Error ? err.message : String(err);
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

/** Put a section into facts, or merge the clocksource files (current + available) of one guest. */
function place(facts: Facts, key: FactKey, section: unknown, kind: InputKind): 'placed' | 'duplicate' {
  const f = facts as unknown as Record<FactKey, unknown>;
  if (f[key] === null) {
    f[key] = section;
    return 'placed';
  }
  if (key === 'clocksource' && facts.clocksource !== null) {
    const a = facts.clocksource;
    const b = section as NonNullable<Facts['clocksource']>;
    if (kind === 'current-clocksource' && a.current === null) {
      facts.clocksource = { ...a, current: b.current, refs: { ...a.refs, ...b.refs }, devices: a.devices.map((d) => (d.device === '0' ? { ...d, current: b.current } : d)) };
      return 'placed';
    }
    if (kind === 'available-clocksource' && a.available.length === 0) {
      facts.clocksource = { ...a, available: b.available, refs: { ...a.refs, ...b.refs }, devices: a.devices.map((d) => (d.device === '0' ? { ...d, available: b.available } : d)) };
      return 'placed';
    }
  }
  return 'duplicate';
}

async function readDirectory(dir: string, facts: Facts, opts: ReadInputsOptions, sources: Record<string, SourceStatus>): Promise<InputStatus> {
  const isCapture = ['proc', 'sys', 'commands'].some((d) => {
    try {
      return fs.statSync(`${dir}/${d}`).isDirectory();
    } catch {
      return false;
    }
  });
  if (!isCapture) return { path: dir, kind: null, status: 'failed', message: 'is a directory, not a file or a clockdoctor capture (no proc/, sys/ or commands/ inside)' };
  const user = opts.hostTscHz !== undefined ? { hostTscHz: opts.hostTscHz } : {};
  // Loaded only for capture directories: the collectors are not needed to read a plain file.
  const { collectSnapshot } = await import('./collect.js');
  const snap = await collectSnapshot(rootsFromCapture(dir), { live: false, user });
  const placed: string[] = [];
  const dup: string[] = [];
  for (const [name, st] of Object.entries(snap.sources)) sources[`${dir}:${name}`] = { ...st };
  for (const key of Object.keys(snap.facts) as (keyof Facts)[]) {
    if (key === 'user') continue;
    const section = snap.facts[key];
    if (section === null || section === undefined) continue;
    if (place(facts, key, section, 'capture-dir') === 'placed') placed.push(key);
    else dup.push(key);
  }
  if (placed.length === 0 && dup.length === 0) return { path: dir, kind: 'capture-dir', status: 'not-recognised', message: 'capture directory holds no evidence clockdoctor can read' };
  const status: InputStatus = { path: dir, kind: 'capture-dir', status: 'ok', message: `read ${placed.join(', ')}` };
  if (dup.length > 0) status.message += `; ignored ${dup.join(', ')} (already given by an earlier input)`;
  return status;
}

/** Why a path that exists is not a regular file we can read twice (head, then the stream), or null. */
function notRegular(path: string): string | null {
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch {
    return null; // missing or unreadable: readHeadAndSize says which
  }
  if (st.isFile() || st.isDirectory()) return null;
  // A pipe would block until a writer comes and loses the head we sniffed; a device may never end.
  const what = st.isFIFO() ? 'a pipe' : st.isSocket() ? 'a socket' : 'a device';
  return `is ${what}, not a regular file: save it to a file first`;
}

function readFile(path: string, facts: Facts, opts: ReadInputsOptions): InputStatus {
  let head: Buffer;
  let size: number;
  const irregular = notRegular(path);
  if (irregular !== null) return { path, kind: null, status: 'failed', message: irregular };
  try {
    ({ head, size } = readHeadAndSize(path, HEAD_BYTES));
  } catch (err) {
    return { path, kind: null, status: 'failed', message: errorMessage(err) };
  }
  const detected = detectKind(head);
  let kind = detected.kind;
  // A one-line "name" is only a clocksource file when the whole file is one short line.
  if ((kind === 'current-clocksource' || kind === 'available-clocksource') && size > CLOCKSOURCE_FILE_MAX) kind = null;
  if (kind === null) {
    const why = detected.reason === 'empty' ? 'empty file' : detected.reason === 'binary' ? 'binary data, not a text log' : detected.kind !== null ? NOT_RECOGNISED : detected.reason;
    return { path, kind: null, status: 'not-recognised', message: why };
  }
  const key = KIND_TO_KEY[kind];
  const already = facts[key];
  // Clocksource files are merged (current + available), or found duplicate, by `place`.
  if (already !== null && key !== 'clocksource') {
    return { path, kind, status: 'skipped', message: `a ${kind} was already given (${already.path ?? 'earlier input'}); only the first is analysed` };
  }
  let section: unknown;
  let stats: SplitStats | null = null;
  try {
    const parser = parserFor(kind, path);
    if (parser !== null) {
      if (size > PROGRESS_BYTES) opts.onProgress?.(`reading ${path} (${mb(size)}, ${kind})…`);
      const r = parseFile(path, parser);
      section = r.facts;
      stats = r.stats;
    } else {
      section = parseClocksourceFile(head.toString('utf8'), path);
    }
  } catch (err) {
    if (err instanceof InputError) return { path, kind: null, status: 'failed', message: errorMessage(err) };
    return { path, kind, status: 'failed', message: errorMessage(err) };
  }
  if (place(facts, key, section, kind) === 'duplicate') {
    return { path, kind, status: 'skipped', message: `a ${kind} was already given; only the first is analysed` };
  }
  const status: InputStatus = { path, kind, status: 'ok' };
  if (stats !== null) {
    status.lines = stats.lines;
    if (stats.overlongLines > 0) status.message = `${stats.overlongLines} overlong line${stats.overlongLines === 1 ? '' : 's'} (> 64 KB) skipped`;
  }
  return status;
}

/** Read every input in order; never throws for a bad input. */
export async function readInputs(paths: readonly string[], opts: ReadInputsOptions = {}): Promise<ReadInputsResult> {
  const facts = emptyFacts(opts.hostTscHz !== undefined ? { hostTscHz: opts.hostTscHz } : {});
  const inputs: InputStatus[] = [];
  const sources: Record<string, SourceStatus> = {};
  for (const path of paths) {
    let isDir = false;
    try {
      isDir = fs.statSync(path).isDirectory();
    } catch {
      // Missing or unreadable: readFile turns it into the right message.
    }
    try {
      inputs.push(isDir ? await readDirectory(path, facts, opts, sources) : readFile(path, facts, opts));
    } catch (err) {
      inputs.push({ path, kind: null, status: 'failed', message: errorMessage(err) });
    }
  }
  return { facts, inputs, sources };
}
