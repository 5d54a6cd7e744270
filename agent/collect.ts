/**
 * Collect one Snapshot: every enabled collector runs concurrently with its own timeout, a failure
 * stays its own (status `failed` with the reason, the others carry on), and the result is frozen.
 * Like node_exporter's collector.go: "no data" (absent) is kept apart from errors (failed).
 */
import { performance } from 'node:perf_hooks';
import { emptyFacts, type Facts, type UserFacts } from './facts.js';
import { freezeSnapshot, type Snapshot, type SourceStatus } from './snapshot.js';
import type { Roots } from './roots.js';
import { COLLECTORS, defaultCollectors, type Collector } from './collectors.js';
import { CollectorTimeout, SourceIO, type RecordedFile } from './sources/io.js';
import { ParseError, located } from './errors.js';
import type { CollectMemory, SourceMemory } from './sources/memory.js';

export const DEFAULT_COLLECTOR_TIMEOUT_MS = 5000;

export interface CollectOptions {
  /** Names of the collectors to run; default: every collector that is on by default. */
  collectors?: Set<string>;
  /** Per-collector budget; a command still running then is killed. */
  timeoutMs?: number;
  /** True for the running system (commands run, measurements taken); false for a capture or fixture. */
  live: boolean;
  signal?: AbortSignal;
  /** Numbers the user gave on the command line. */
  user?: Partial<UserFacts>;
  /** Environment for commands (tests put a fake `dmesg` first on PATH). */
  env?: NodeJS.ProcessEnv;
  /**
   * Kept between collections by a long-running caller (the agent): sources keep descriptors and
   * readings in it, and raw material a source hands back unchanged (the same object) is not parsed
   * again. Without it every collection starts from nothing.
   */
  memory?: CollectMemory;
}

/** A snapshot plus every file the collectors read, for `clockdoctor collect`. */
export interface RecordedSnapshot {
  snapshot: Readonly<Snapshot>;
  files: RecordedFile[];
}

type Outcome = { status: SourceStatus; factKey: Collector['factKey']; facts: unknown };

function describe(err: unknown): string {
  if (err instanceof ParseError) return `parse error: ${located(err.path, err.line, err.message)}`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * The status text: the source's own reason or note, plus every link the collector's reads refused to
 * follow out of its root (a source may carry on without such a file; the user still hears why it is
 * missing). Undefined when there is nothing to say.
 */
function statusText(error: string | undefined, refused: readonly string[]): string | undefined {
  const extra = refused.filter((r) => error === undefined || !error.includes(r));
  if (extra.length === 0) return error;
  const text = `refused: ${extra.join('; ')}`;
  return error === undefined ? text : `${error}; ${text}`;
}

/**
 * The parser's facts for `raw`: parsed again only when the source handed back new material, i.e. not
 * the very object it returned last time (a source with memory returns the same object when nothing
 * changed). Parsers are pure, so the same input gives the same facts.
 */
function parseOnce(c: Collector, raw: unknown, path: string | null, memory: SourceMemory | undefined): unknown {
  if (memory === undefined) return c.parse(raw, path);
  const last = memory.keep<{ raw: unknown; path: string | null; facts: unknown }>('parsed', () => ({ raw: undefined, path: null, facts: undefined }));
  if (last.raw === raw && last.path === path) return last.facts;
  const facts = c.parse(raw, path);
  Object.assign(last, { raw, path, facts });
  return facts;
}

async function runOne(c: Collector, shared: SourceIO, opts: CollectOptions, timeoutMs: number): Promise<Outcome> {
  const t0 = performance.now();
  const io = shared.child();
  const ms = (): number => Math.round((performance.now() - t0) * 1000) / 1000;
  const done = (state: SourceStatus['state'], path: string | null, reason?: string, facts: unknown = null): Outcome => {
    const status: SourceStatus = { state, durationMs: ms() };
    const error = statusText(reason, io.refused);
    if (error !== undefined) status.error = error;
    if (path !== null) status.path = path;
    return { status, factKey: c.factKey, facts };
  };
  if (c.liveOnly && !opts.live) return done('absent', null, 'measured only on a live system (skipped for --from)');

  if (opts.signal?.aborted) return done('failed', null, 'cancelled before it started');
  const memory = opts.memory?.of(c.name);
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onOuterAbort: (() => void) | undefined;
  const timedOut = new Promise<'timeout' | 'cancelled'>((resolve) => {
    timer = setTimeout(() => {
      ac.abort(new CollectorTimeout(`timed out after ${timeoutMs} ms`));
      resolve('timeout');
    }, timeoutMs);
    onOuterAbort = (): void => {
      ac.abort(opts.signal?.reason);
      resolve('cancelled');
    };
    opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  });
  try {
    const read = c.source.read(io.roots, { signal: ac.signal, timeoutMs, live: opts.live, io, ...(memory ? { memory } : {}) });
    // A source that ignores its signal cannot hold the snapshot hostage: the race moves on, and the
    // abort has already told any child process to die.
    const r = await Promise.race([read, timedOut]);
    if (r === 'timeout' || r === 'cancelled') {
      read.catch(() => undefined);
      return done('failed', null, r === 'timeout' ? `timed out after ${timeoutMs} ms` : 'cancelled');
    }
    if (r.state !== 'ok') return done(r.state, r.path, r.reason);
    let facts: unknown;
    try {
      facts = parseOnce(c, r.raw, r.path, memory);
    } catch (err) {
      return done('failed', r.path, describe(err));
    }
    return done('ok', r.path, r.note, facts);
  } catch (err) {
    return done('failed', null, describe(err));
  } finally {
    clearTimeout(timer);
    if (onOuterAbort) opts.signal?.removeEventListener('abort', onOuterAbort);
  }
}

async function collect(roots: Roots, opts: CollectOptions, record: boolean): Promise<RecordedSnapshot> {
  const enabled = opts.collectors ?? defaultCollectors();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_COLLECTOR_TIMEOUT_MS;
  const io = new SourceIO(roots, { record, ...(opts.env ? { env: opts.env } : {}) });
  const takenAt = new Date().toISOString();
  const chosen = COLLECTORS.filter((c) => enabled.has(c.name));
  const outcomes = await Promise.all(chosen.map((c) => runOne(c, io, opts, timeoutMs)));
  const facts: Facts = emptyFacts(opts.user);
  const sources: Record<string, SourceStatus> = {};
  chosen.forEach((c, i) => {
    const o = outcomes[i];
    if (o === undefined) return;
    sources[c.name] = o.status;
    (facts as unknown as Record<string, unknown>)[o.factKey] = o.facts;
  });
  return { snapshot: freezeSnapshot({ takenAt, facts, sources }), files: io.recorded ?? [] };
}

/** Collect a snapshot from `roots` (the live system, a capture, or a test fixture). Never rejects for a collector's sake. */
export async function collectSnapshot(roots: Roots, opts: CollectOptions): Promise<Readonly<Snapshot>> {
  return (await collect(roots, opts, false)).snapshot;
}

/** Like collectSnapshot, also returning every file and command output read (for `clockdoctor collect`). */
export async function collectRecorded(roots: Roots, opts: CollectOptions): Promise<RecordedSnapshot> {
  return collect(roots, opts, true);
}
