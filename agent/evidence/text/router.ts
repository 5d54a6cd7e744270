/**
 * Reads a text a user handed over (a file, stdin, an archive member) line by line and offers every
 * line to every kind of evidence, so one paste may hold several kinds (VBox.log lines beside guest
 * kernel lines, a prompt and its `chronyc sources` table) and a file no kind understood is known as
 * such. It is one LineParser for the splitter (lines.ts), so a file is still read in one pass.
 *
 * What it does to a line before the kinds see it:
 * - paste decoration is removed once: `> ` quote markers (any depth) and a container log's
 *   `name_1  | ` column; indentation stays (it is part of some formats);
 * - a shell prompt (prompt.ts) sets the context every following line carries, until the next prompt;
 * - a line with VirtualBox's elapsed-time shape (`HH:MM:SS.ffffff `) is VBox.log's alone, so the
 *   VBox.log screen may skip such lines in bulk in WebAssembly (line-scan.ts) and stays exact — except
 *   for the messages another kind names in its `stampedPrefixes` (VBoxService's own log has that
 *   stamp): those go to that kind too, and the screen lets them through;
 * - a line a kind `claims` (the kernel log: a line with a kernel-log prefix) goes to that kind and to
 *   the kinds that read claimed lines, until the first shell prompt (after one, command output may
 *   be anything, and every line goes to every kind again);
 * - while that holds and those other kinds are quiet, the scanner may settle the claimer's plainest
 *   lines in bulk (lines.ts KernelSettle): such a line reaches no kind, the claimer only counts it.
 */
import type { KindParser, LineContext } from '../kind.js';
import type { KernelSettle, LineParser, LineScreen } from './lines.js';
import { mayBePrompt, parsePrompt, type Prompt } from './prompt.js';

/** A kind as the router needs it: its name and a fresh parser for this text. */
export interface RoutedKind {
  name: string;
  parser: KindParser<unknown>;
  /** The kind reads lines another kind `claims` (EvidenceKind.readsClaimedLines). */
  readsClaimed?: boolean;
}

/** One kind found in the text. */
export interface RoutedSection {
  name: string;
  facts: unknown;
  /** Lines the kind understood. */
  recognised: number;
}

/** What the router found: the kinds with at least one line understood, and the ones whose facts failed. */
export interface RouterResult {
  sections: RoutedSection[];
  /** A kind recognised lines but could not make facts of them (its ParseError or other error). */
  errors: { name: string; error: unknown }[];
  /** Prompt lines seen (commands users ran), for messages. */
  commands: string[];
}

const GT = 62;
const SP = 32;
const TAB = 9;
const PIPE = 124;

/** Offset of the first byte after `> ` quote markers, or `start` when the line is not quoted. */
function afterQuotes(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  let quoted = start;
  for (;;) {
    let j = i;
    while (j < end && (buf[j] === SP || buf[j] === TAB)) j++;
    if (j >= end || buf[j] !== GT) return quoted;
    j++;
    if (j < end && buf[j] === SP) j++;
    i = j;
    quoted = j;
  }
}

const isWordByte = (b: number): boolean => (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b === 95 || b === 45 || b === 46;

/** Offset after a container log column (`ntp_1  | `, `web.1 | `), or `start`. */
function afterContainerColumn(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end && i - start < 64 && isWordByte(buf[i]!)) i++;
  if (i === start || i >= end || (buf[i] !== SP && buf[i] !== TAB)) return start;
  while (i < end && (buf[i] === SP || buf[i] === TAB)) i++;
  if (i + 1 >= end || buf[i] !== PIPE || buf[i + 1] !== SP) return start;
  return i + 2;
}

/** Where the line's own text starts once paste decoration is removed. */
export function contentStart(buf: Uint8Array, start: number, end: number): number {
  return afterContainerColumn(buf, afterQuotes(buf, start, end), end);
}

/** The same on a string (a line given to `push` without `wants`, or a test). */
function stripDecoration(line: string): string {
  const buf = Buffer.from(line, 'utf8');
  const at = contentStart(buf, 0, buf.length);
  return at === 0 ? line : buf.toString('utf8', at);
}

const DIGIT = (b: number | undefined): boolean => b !== undefined && b >= 48 && b <= 57;

/**
 * VirtualBox's elapsed-time shape at `p`, exactly as the WebAssembly screen tests it: `HH:MM:SS.fff `
 * or `HH:MM:SS.ffffff ` (two-digit fields, then a space). Lines of this shape go to VBox.log alone.
 */
export function vboxShaped(buf: Uint8Array, p: number, end: number): boolean {
  if (end - p < 13) return false;
  if (!(DIGIT(buf[p]) && DIGIT(buf[p + 1]) && buf[p + 2] === 58 && DIGIT(buf[p + 3]) && DIGIT(buf[p + 4]) && buf[p + 5] === 58
    && DIGIT(buf[p + 6]) && DIGIT(buf[p + 7]) && buf[p + 8] === 46 && DIGIT(buf[p + 9]) && DIGIT(buf[p + 10]) && DIGIT(buf[p + 11]))) return false;
  if (buf[p + 12] === SP) return true;
  return end - p >= 16 && DIGIT(buf[p + 12]) && DIGIT(buf[p + 13]) && DIGIT(buf[p + 14]) && buf[p + 15] === SP;
}

/** Does the message at `p` start with one of `prefixes`? */
function startsWithAny(buf: Uint8Array, p: number, end: number, prefixes: readonly string[]): boolean {
  outer: for (const pre of prefixes) {
    if (end - p < pre.length) continue;
    for (let k = 0; k < pre.length; k++) if (buf[p + k] !== pre.charCodeAt(k)) continue outer;
    return true;
  }
  return false;
}

/** The owner's screen, letting through the messages other kinds read in the stamped shape too. */
function widenScreen(screen: LineScreen | undefined, extra: readonly string[], settle: KernelSettle | undefined): LineScreen | undefined {
  if (screen === undefined || (extra.length === 0 && settle === undefined)) return screen;
  return {
    prefixes: () => [...new Set([...screen.prefixes(), ...extra])],
    version: () => screen.version(),
    skipped: (buf, start, end) => screen.skipped(buf, start, end),
    ...(settle !== undefined ? { settle } : {}),
  };
}

/**
 * The claimer's bulk settle, opened only while claims narrow who gets a line (no prompt yet) and
 * every other kind that reads claimed lines is quiet: a settled line is then one that only the
 * claimer would have looked at, and only to count it. Syslog lines of other programs go to every
 * kind, so they are settled only while every kind is `quietOnDaemon`. One literal table serves both.
 */
function claimSettle(claimer: KindParser<unknown> | null, readers: readonly KindParser<unknown>[], others: readonly KindParser<unknown>[], prompted: () => boolean): KernelSettle | undefined {
  const own = claimer?.settle;
  if (own === undefined) return undefined;
  const literals = [...new Set([...own.literals, ...readers.flatMap((r) => r.claimedWords ?? []), ...others.flatMap((r) => r.daemonWords ?? [])])];
  return {
    literals,
    state: () => (prompted() ? -2 : !readers.every((r) => r.quietOnClaimed?.() === true) ? -1 : own.state()),
    daemons: () => own.daemons() && others.every((r) => r.quietOnDaemon?.() === true),
    settled: (...a) => own.settled(...a),
  };
}

/**
 * The router over `kinds` (fresh parsers for one text). `vbox` names the kind that owns VirtualBox's
 * elapsed-time shape and whose screen the splitter may run.
 */
export function createRouter(kinds: readonly RoutedKind[], vbox = 'vbox'): LineParser<RouterResult> {
  const parsers = kinds.map((k) => k.parser);
  const ownerIndex = kinds.findIndex((k) => k.name === vbox);
  const owner = ownerIndex >= 0 ? parsers[ownerIndex]! : null;
  /** Kinds besides the owner that read some messages of the stamped shape. */
  const sharers = parsers.flatMap((parser, i) => (i !== ownerIndex && (parser.stampedPrefixes?.length ?? 0) > 0 ? [{ i, prefixes: parser.stampedPrefixes! }] : []));
  const claimerIndex = parsers.findIndex((p) => p.claims !== undefined);
  const claimer = claimerIndex >= 0 ? parsers[claimerIndex]! : null;
  /** The kinds a claimed line goes to: the claimer, then the kinds that read claimed lines. */
  const claimReaders = claimer === null ? [] : [claimerIndex, ...kinds.flatMap((k, i) => (k.readsClaimed === true && i !== claimerIndex ? [i] : []))];
  /** A prompt was seen: claims no longer narrow who gets a line. */
  let prompted = false;
  /** Which kinds `wants` accepted for the line `push` gets next; `decided` false: push must ask itself. */
  const wanted = new Uint8Array(parsers.length);
  let decided = false;
  let context: LineContext = { command: null, host: null, prompt: false };
  const commands: string[] = [];

  /** Offer the line to kind `i`; true when it wants the line. */
  const offer = (i: number, buf: Uint8Array, p: number, end: number, lineNo: number | undefined): boolean => {
    const w = parsers[i]!.wants;
    if (w !== undefined && !w(buf, p, end, lineNo)) return false;
    wanted[i] = 1;
    return true;
  };

  /** Fill `wanted` for one line whose own text starts at `p`; true when any kind wants it. */
  const route = (buf: Uint8Array, p: number, end: number, lineNo?: number): boolean => {
    wanted.fill(0);
    let any = false;
    if (owner !== null && vboxShaped(buf, p, end)) {
      any = offer(ownerIndex, buf, p, end, lineNo);
      const msg = p + (buf[p + 12] === SP ? 13 : 16);
      for (const { i, prefixes } of sharers) if (startsWithAny(buf, msg, end, prefixes) && offer(i, buf, p, end, lineNo)) any = true;
      return any;
    }
    if (!prompted && claimer !== null && claimer.claims!(buf, p, end)) {
      for (const i of claimReaders) if (offer(i, buf, p, end, lineNo)) any = true;
    } else {
      for (let i = 0; i < parsers.length; i++) if (offer(i, buf, p, end, lineNo)) any = true;
    }
    return any;
  };

  /** The prompt the line `push` gets next is, or null: decided before any kind is offered the line. */
  let promptLine: Prompt | null = null;

  /** The prompt `buf[p, end)` is, or null; the bytes are decoded only when they may be one. */
  const promptAt = (buf: Uint8Array, p: number, end: number): Prompt | null =>
    mayBePrompt(buf, p, end) ? parsePrompt(Buffer.from(buf.buffer, buf.byteOffset + p, end - p).toString('utf8')) : null;

  /** Decide one line: is it a prompt, else which kinds want it; true when push has work to do. */
  const decide = (buf: Uint8Array, start: number, end: number, lineNo?: number): boolean => {
    const p = contentStart(buf, start, end);
    // A prompt line is no kind's line: push reads it, and no kind is offered it (so none counts it).
    promptLine = promptAt(buf, p, end);
    return promptLine !== null || route(buf, p, end, lineNo);
  };

  const settle = claimSettle(claimer, claimReaders.filter((i) => i !== claimerIndex).map((i) => parsers[i]!), parsers.filter((p) => p !== claimer), () => prompted);
  const screen: LineScreen | undefined = widenScreen(owner?.screen, [...new Set(sharers.flatMap((x) => x.prefixes))], settle);
  return {
    wants(buf, start, end, lineNo) {
      decided = true;
      return decide(buf, start, end, lineNo);
    },
    push(raw, lineNo) {
      if (!decided) {
        const b = Buffer.from(raw, 'utf8');
        decide(b, 0, b.length);
      }
      decided = false;
      const line = stripDecoration(raw);
      const prompt = promptLine;
      if (prompt !== null) {
        prompted = true;
        if (commands.length < 100) commands.push(prompt.command);
        context = { command: prompt.command, host: prompt.host, prompt: false };
        for (const p of parsers) p.prompt?.(prompt.command, prompt.host, lineNo, line);
        return;
      }
      for (let i = 0; i < parsers.length; i++) if (wanted[i] === 1) parsers[i]!.push(line, lineNo, context);
    },
    finish() {
      const sections: RoutedSection[] = [];
      const errors: RouterResult['errors'] = [];
      for (const k of kinds) {
        const n = k.parser.recognised();
        if (n === 0) continue;
        try {
          sections.push({ name: k.name, facts: k.parser.finish(), recognised: n });
        } catch (error) {
          errors.push({ name: k.name, error });
        }
      }
      return { sections, errors, commands };
    },
    ...(screen !== undefined ? { screen } : {}),
  };
}

