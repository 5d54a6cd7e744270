/**
 * What one kind of evidence is: the descriptor every folder under agent/evidence/ exports, and the
 * few types every kind's facts share.
 *
 * One kind = one name end to end: the folder `evidence/kernel-log/` ↔ `facts.kernelLog` ↔ the input
 * kind `kernel-log` ↔ `--[no-]collector.kernel-log` ↔ `clockdoctor_collector_success{collector="kernel-log"}`.
 * The registry (evidence/index.ts) lists the descriptors; `Facts`, the input kinds, the parser table
 * and the collector list are all derived from it, so a new kind is one folder and one line there,
 * and a descriptor that forgets a piece does not compile.
 *
 * Rules for every section of facts:
 * - a fact the evidence does not state is `null`, never guessed;
 * - frequencies are integers in Hz or kHz exactly as named (`...Hz`, `...Khz`), never floats of MHz;
 * - anything an analyzer may quote as evidence keeps its line number and raw excerpt (`LineRef`).
 */
import type { KernelSettle, LineParser } from './text/lines.js';
import type { Source } from '../sources/source.js';
import type { Hint } from './hints.js';

/** Where a fact was read: 1-based line number in the input and the raw line (trimmed, at most 400 chars). */
export interface LineRef {
  line: number;
  excerpt: string;
  /** The file of the line, when it differs from its section's `path` (a section merged from two excerpts). */
  path?: string;
}

/** Fields every section carries. `path` is the file or directory the section was read from. */
export interface SectionBase {
  path: string | null;
  /** Line references for scalar facts, keyed by the fact's name in this section. */
  refs: Record<string, LineRef>;
}

/** One quoted piece of evidence in a finding. `source` is the kind's name (`vbox`, `kernel-log`, …) or `user`. */
export interface EvidenceItem {
  source: string;
  path?: string;
  line?: number;
  excerpt: string;
}

/** A Guest Additions (VBoxService) time-sync line, forwarded into VBox.log or a guest kernel log. */
export interface TimeSyncLogLine extends LineRef {
  atSeconds: number | null;
  kind: 'radical-host-change' | 'radical-guest-change' | 'time-set' | 'adjtime' | 'session-changed' | 'drift' | 'error' | 'other';
  /** Signed nanoseconds the line states (radical change delta, adjtime amount), when it states one. */
  deltaNs: number | null;
}

/**
 * What the reader of a pasted text knows about a line besides its text: the shell command whose
 * output it is, when a prompt line above named one (`$ chronyc sources`, `[root@db1 ~]# dmesg | grep tsc`).
 */
export interface LineContext {
  /** The command of the nearest prompt line above, as typed; null outside any command's output. */
  command: string | null;
  /** The host a prompt names (`user@host:~$`), or null. */
  host: string | null;
  /** True for the prompt line itself (a kind may claim it: `ls /sys/class/ptp` with no output is evidence). */
  prompt: boolean;
}

/**
 * A kind's parser over the lines of a file. Every line of a text a user hands over is offered to every
 * kind; a kind counts the lines it understood, so one file can hold several kinds (a ticket with VBox.log
 * lines and guest kernel lines) and a file no kind understood is reported as holding no evidence.
 */
export interface KindParser<F> extends LineParser<F> {
  /** Lines understood so far as this kind's own. Zero after the last line means: not in this file. */
  recognised(): number;
  /**
   * A shell prompt line (`$ ls /sys/class/ptp`): the command whose output the next lines are. Kinds
   * that read command output may claim it (a listing with no output is evidence too); others omit this.
   */
  prompt?(command: string, host: string | null, lineNo: number, line: string): void;
  /**
   * Lines in VirtualBox's elapsed-time shape (`HH:MM:SS.ffffff msg`) go to the vbox kind alone, unless
   * another kind names here the message prefixes (1–4 printable ASCII bytes) it reads in that shape
   * too: VBoxService's own log carries VBox.log's stamp (`00:00:01.017296 timesync …`).
   */
  stampedPrefixes?: readonly string[];
  /**
   * Lines this kind claims as its own family, on their raw bytes: the kernel log claims every line its
   * byte split finds a kernel-log prefix on (`[ 1.2] `, `<6>`, a /dev/kmsg record, `kern  :info  : `,
   * a syslog or journal line tagged `kernel`). Until a shell prompt is seen, the router offers a
   * claimed line to this kind and to the kinds whose descriptor says `readsClaimedLines`, no other:
   * most lines of a big kernel log then cost one kind's look instead of every kind's.
   */
  claims?(buf: Uint8Array, start: number, end: number): boolean;
  /**
   * The claimer's offer to have its plainest claimed lines settled in bulk (text/lines.ts
   * KernelSettle): counted by the scanner, never decoded. The router opens it only while no prompt
   * was seen and every kind that reads claimed lines is `quietOnClaimed`.
   */
  settle?: KernelSettle;
  /**
   * For a kind that reads claimed lines (`readsClaimedLines`): true when, in its current state, it
   * would reject (`wants`) every claimed line that holds none of its `claimedWords` and change
   * nothing for it — so the claimer's lines may be settled in bulk. Absent: never (settling stays
   * closed while this kind reads claimed lines).
   */
  quietOnClaimed?(): boolean;
  /** Words whose presence anywhere in a claimed line may make it matter to this kind even when quiet. */
  claimedWords?: readonly string[];
  /**
   * True when, in its current state, this kind would reject (`wants`) every syslog line of another
   * program than the kernel (`Mmm dd HH:MM:SS host prog[pid]: msg`, two-digit or blank-padded day,
   * no kernel stamp in it, not ending in three numbers) that holds none of its `daemonWords`, and
   * change nothing for it — so the scanner may settle such lines (text/lines.ts KernelSettle).
   * Every kind the router offers lines must say so; absent: never.
   */
  quietOnDaemon?(): boolean;
  /** Words whose presence anywhere in such a line may make it matter to this kind even when quiet. */
  daemonWords?: readonly string[];
}

/** How a kind is collected from a live machine or a capture directory. */
export interface CollectorSpec<F, R> {
  /** One line for `--help`. */
  help: string;
  defaultOn: boolean;
  /** Measures the running system; absent for a capture. */
  liveOnly: boolean;
  source: Source<R>;
  parse(raw: R, path: string | null): F;
}

/**
 * One kind of evidence. `name` is kebab-case and `key` its camelCase form (a test checks the pair).
 * A kind a user can hand over has `createParser`; a kind read from a live machine has `collector`;
 * many have both.
 */
export interface EvidenceKind<N extends string, K extends string, F extends SectionBase, R = never> {
  name: N;
  key: K;
  /** What a person calls it, for reports: `VirtualBox VBox.log`, `chronyc sources`. */
  title: string;
  /** Parser over the lines of a user's text, or null when the kind is only collected. */
  createParser: ((path: string | null) => KindParser<F>) | null;
  /**
   * Two sections of this kind from different inputs: the one section they make when they can describe
   * the same machine and boot (two excerpts of one dmesg), or null when they cannot (two machines, two
   * boots) — then each is diagnosed apart.
   */
  merge(a: F, b: F): F | null;
  /** Short lines for the report's "Key facts" (no trailing punctuation). */
  keyFacts(f: F): string[];
  /** Its collector, or null when the kind only comes from files a user names (VBox.log). */
  collector: CollectorSpec<F, R> | null;
  /** What the section says about the machine as a whole (hints.ts); agent/derive/ weighs every kind's. */
  hints?(f: F): Hint[];
  /**
   * True when this kind's parser may act on a line another kind `claims` (a kernel message): then the
   * router offers it those lines too. Absent means no: the kind's lines never carry a kernel-log
   * prefix (command output, daemon logs tagged with their own program). test/evidence/router-claims.test.ts
   * proves, on every fixture and mixtures of them, that the claims change no result.
   */
  readsClaimedLines?: boolean;
}

/** Identity helper that keeps the literal types of `name` and `key` (the registry derives `Facts` from them). */
export function defineKind<const N extends string, const K extends string, F extends SectionBase, R = never>(
  kind: EvidenceKind<N, K, F, R>,
): EvidenceKind<N, K, F, R> {
  return kind;
}

/** Merge for kinds where two sections never describe one machine: keep them apart. */
export function neverMerge<F>(): (a: F, b: F) => F | null {
  return () => null;
}

type Plain = Record<string, unknown>;

const isPlain = (v: unknown): v is Plain => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A line ref (or an event that extends one) from `b`'s file, marked with that file. */
function stamped<T>(item: T, path: string | null): T {
  if (path === null || !isPlain(item) || typeof item.line !== 'number' || typeof item.excerpt !== 'string' || item.path !== undefined) return item;
  return { ...item, path };
}

/**
 * `a` completed by `b`: every null fact of `a` taken from `b`, lists joined, refs united — `b`'s lines
 * marked with `b`'s file, so evidence still names the file each line came from.
 */
export function fillMerge<F extends SectionBase>(a: F, b: F): F {
  const out: Plain = { ...(a as unknown as Plain) };
  const bp = b.path;
  for (const [k, bv] of Object.entries(b as unknown as Plain)) {
    const av = (a as unknown as Plain)[k];
    if (k === 'path') continue;
    if (k === 'refs') {
      const refs: Record<string, LineRef> = {};
      for (const [rk, r] of Object.entries(b.refs)) refs[rk] = stamped(r, bp);
      out.refs = { ...refs, ...a.refs };
    } else if (Array.isArray(av) && Array.isArray(bv)) out[k] = [...av, ...bv.map((x: unknown) => stamped(x, bp))];
    else if (av === null || av === undefined) out[k] = Array.isArray(bv) ? bv.map((x: unknown) => stamped(x, bp)) : stamped(bv, bp);
    else if (isPlain(av) && isPlain(bv) && !('line' in av)) out[k] = fillPlain(av, bv);
  }
  return out as F;
}

function fillPlain(a: Plain, b: Plain): Plain {
  const out: Plain = { ...a };
  for (const [k, v] of Object.entries(b)) if (out[k] === null || out[k] === undefined) out[k] = v;
  return out;
}

/** True when both values are known and differ: the two sections cannot be about one machine. */
export function conflicts<T>(a: T | null, b: T | null): boolean {
  return a !== null && b !== null && JSON.stringify(a) !== JSON.stringify(b);
}

/** A merge that keeps sections apart when any identity field differs, else completes `a` with `b`. */
export function identityMerge<F extends SectionBase>(keys: readonly (keyof F)[]): (a: F, b: F) => F | null {
  return (a, b) => (keys.some((k) => conflicts(a[k] as unknown, b[k] as unknown)) ? null : fillMerge(a, b));
}
