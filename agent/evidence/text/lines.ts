/**
 * The contract every parser implements, and the one line splitter all input goes through.
 *
 * Parsers are pure state machines fed one line at a time, so a 270 MB VBox.log is read in a single
 * streaming pass with bounded memory. `wants` is an optional byte-level pre-filter: the splitter asks
 * it about every line before decoding, so a parser that only cares about a few line shapes never pays
 * for turning the other millions of lines into strings.
 */
import { isScanChunk, lineScan, SCREEN_SLOTS, type LineScan } from './line-scan.js';
import type { LineContext } from '../kind.js';

export interface LineParser<F> {
  /**
   * Cheap pre-filter on the raw bytes of a line (without its `\n`, a trailing `\r` already excluded).
   * Must not allocate. Lines it rejects are never decoded nor passed to `push`. Absent = every line.
   * `lineNo` is the number `push` would get (absent when the caller does not know it); the bytes are
   * only valid during the call.
   */
  wants?(buf: Uint8Array, start: number, end: number, lineNo?: number): boolean;
  /**
   * One decoded line (no line terminator) and its 1-based number in the input. `ctx` is given when the
   * line comes from a text a user handed over (evidence/text/router.ts), never for a /proc or sysfs file.
   */
  push(line: string, lineNo: number, ctx?: LineContext): void;
  /** The facts. Called once, after the last line. */
  finish(): F;
  /** A bulk pre-filter the splitter may run in WebAssembly before `wants` (line-scan.ts). */
  screen?: LineScreen;
}

/**
 * A parser's offer to have lines skipped in bulk, before `wants` sees them. The scanner
 * (wasm/line-scan.wat) knows one line shape, VBox.log's elapsed-time prefix `HH:MM:SS.fff[fff] `:
 * a line of that shape whose message starts with none of `prefixes()` is skipped; every other line
 * goes to `wants` as before. So the prefixes must cover every message `wants` could accept, or act
 * on, in the parser's current state (a test checks this for the VBox.log filter).
 */
export interface LineScreen {
  /** Message prefixes (1–4 printable ASCII bytes) that may make a line wanted now. */
  prefixes(): readonly string[];
  /** Changes whenever `prefixes()` may have changed. */
  version(): number;
  /**
   * The last line skipped before the next one `wants` sees (or before the chunk ends): do what
   * `wants` does to a line it rejects (the VBox.log filter notes the line's elapsed time).
   */
  skipped(buf: Uint8Array, start: number, end: number): void;
  /** The kernel log's offer to have its plainest lines settled in the same pass (KernelSettle). */
  settle?: KernelSettle;
}

/**
 * The kernel log's offer to have lines settled in bulk by the scanner (the .wat's kernel-log settle):
 * a line of the `[ sss.uuuuuu] `, `Mmm dd HH:MM:SS [host] kernel: ` or journal `[ts] [host] kernel: `
 * shape — and, while `daemons()` says so, a syslog line of another program (`Mmm dd HH:MM:SS host
 * prog[pid]: `, no kernel stamp in it, not ending in three numbers) — that holds none of `literals`
 * (nor a backslash or a byte past ASCII), may not be a prompt and whose message does not start with a
 * `.` is counted by its shape and never decoded nor offered to any kind: what the kernel log's own
 * `wants` does to such a line, without a call per line. Whoever offers it (text/router.ts) answers for
 * every kind such a line would have been offered to.
 */
export interface KernelSettle {
  /** Literals (2–255 printable ASCII bytes) a line must not hold to be settled. The same array while nothing changes. */
  readonly literals: readonly string[];
  /**
   * −2: settle nothing from here on; −1: nothing now, but perhaps after a few more lines (the splitter
   * then asks again soon). 0 or 1: the current boot has not, or has, printed a stamp of one second
   * or more (a settled line may not move that tracker); 2: not known until the parser's waiting line
   * is flushed (the scanner then stops before the first line whose stamp would need it).
   */
  state(): number;
  /** May syslog lines of other programs be settled now (every kind is quiet on them)? Asked with `state`. */
  daemons(): boolean;
  /**
   * The lines settled since the parser last saw one, before the lines handed over with them: per
   * shape in the order first met, how many lines and how many of them carry a kernel-log prefix (a
   * syslog line of another program does not), and the last one (start −1: none; its bytes valid
   * during the call). Flushes the parser's waiting line first, as its `wants` would.
   */
  settled(counts: readonly SettledCount[], buf: Uint8Array, lastStart: number, lastEnd: number, lastLineNo: number): void;
}

/** The shapes the scanner settles: `[ts] msg`, `Mmm dd HH:MM:SS [host] tag: msg`, `[ts] [host] kernel: msg`. */
export type SettledShape = 'dmesg' | 'syslog' | 'journal';
/** Lines of one shape settled: the shape, how many, how many with a kernel-log prefix. */
export type SettledCount = readonly [SettledShape, number, number];
/** The .wat's shape numbers 1–4 (4: syslog lines of other programs, no kernel-log prefix). */
const SETTLED_SHAPES: readonly SettledShape[] = ['dmesg', 'syslog', 'journal', 'syslog'];

/**
 * Lines longer than this are not decoded (a 10 MB line is noise, not evidence); they still count.
 * wasm/line-scan.wat never skips a longer line, so they are counted here whichever path reads them.
 */
export const MAX_LINE_BYTES = 64 * 1024;

/** Statistics of one splitting pass, for messages ("3 overlong lines skipped"). */
export interface SplitStats {
  lines: number;
  bytes: number;
  overlongLines: number;
}

/**
 * Incremental splitter: feed it chunks in order, then `end()`. Handles `\n`, `\r\n` and a last line
 * without terminator; keeps at most MAX_LINE_BYTES of a partial line.
 */
export class LineSplitter {
  private carry: Buffer = Buffer.alloc(0);
  private carryOverlong = false;
  readonly stats: SplitStats = { lines: 0, bytes: 0, overlongLines: 0 };

  constructor(private readonly parser: LineParser<unknown>) {}

  /** Feed `buf[start, end)`. */
  write(buf: Buffer, start = 0, end = buf.length): void {
    this.stats.bytes += end - start;
    let pos = start;
    if (this.carry.length > 0 || this.carryOverlong) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0 || nl >= end) {
        this.appendCarry(buf, pos, end);
        return;
      }
      this.appendCarry(buf, pos, nl);
      this.emitCarry();
      pos = nl + 1;
    }
    // The scanner's chunk is scanned in place; the indexOf loop then takes what it leaves (a tail
    // shorter than 16 bytes), or everything for any other buffer.
    if (isScanChunk(buf)) pos = this.parser.screen !== undefined ? this.screenInPlace(this.parser.screen, buf, pos, end) : this.scanInPlace(buf, pos, end);
    for (;;) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0 || nl >= end) break;
      this.emit(buf, pos, nl);
      pos = nl + 1;
    }
    if (pos < end) this.appendCarry(buf, pos, end);
  }

  /** Emit the lines ending in [pos, end) that the WebAssembly newline search finds; returns the next line's start. */
  private scanInPlace(buf: Buffer, pos: number, end: number): number {
    const scan = lineScan()!;
    let from = pos;
    for (;;) {
      const n = scan.newlines(from, end);
      const out = scan.out;
      for (let k = 0; k < n; k++) {
        const nl = out[k]!;
        this.emit(buf, pos, nl);
        pos = nl + 1;
      }
      from = scan.resume();
      if (from + 16 > end) return pos;
    }
  }

  /** As scanInPlace, but the scanner skips the lines the parser's screen rules out. */
  private screenInPlace(screen: LineScreen, buf: Buffer, pos: number, end: number): number {
    const scan = lineScan()!;
    let version = screen.version();
    scan.setPrefixes(screen.prefixes());
    const settle = screen.settle;
    if (settle !== undefined) scan.setSettleLiterals(settle.literals);
    const stats = this.stats;
    for (;;) {
      const state = settle?.state() ?? -2;
      scan.settleState(Math.max(state, -1), state >= 0 && settle!.daemons() ? 1 : 0);
      const n = scan.screen(pos, end, state === -1 ? SETTLE_RETRY : undefined);
      const out = scan.out;
      const base = stats.lines;
      if (settle !== undefined) reportSettled(settle, scan, buf, base);
      for (let k = 0; k < n * SCREEN_SLOTS; k += SCREEN_SLOTS) {
        const skipped = out[k + 3]!;
        if (skipped >= 0) screen.skipped(buf, skipped, withoutCr(buf, skipped, out[k + 4]!));
        stats.lines = base + out[k + 2]! - 1; // emit counts this line
        this.emit(buf, out[k]!, out[k + 1]!);
      }
      stats.lines = base + scan.lines();
      const skipped = scan.skipStart();
      if (skipped >= 0) screen.skipped(buf, skipped, withoutCr(buf, skipped, scan.skipEnd()));
      pos = scan.resume();
      // Stopped within 16 bytes of the end: the rest (a tail, a partial line) is the caller's.
      if (scan.scanned() + 16 > end) return pos;
      // What the parser learnt from the lines just emitted may rule out more from here on.
      if (screen.version() !== version) {
        version = screen.version();
        scan.setPrefixes(screen.prefixes());
      }
    }
  }

  /** Flush a last line that had no terminator. */
  end(): void {
    if (this.carry.length > 0 || this.carryOverlong) this.emitCarry();
  }

  private appendCarry(buf: Buffer, start: number, end: number): void {
    if (this.carryOverlong) return;
    if (this.carry.length + (end - start) > MAX_LINE_BYTES) {
      this.carryOverlong = true;
      this.carry = Buffer.alloc(0);
      return;
    }
    this.carry = Buffer.concat([this.carry, buf.subarray(start, end)]);
  }

  private emitCarry(): void {
    if (this.carryOverlong) {
      this.stats.lines++;
      this.stats.overlongLines++;
      this.carryOverlong = false;
      return;
    }
    const c = this.carry;
    this.carry = Buffer.alloc(0);
    this.emit(c, 0, c.length);
  }

  private emit(buf: Buffer, start: number, end: number): void {
    const lineNo = ++this.stats.lines;
    if (end - start > MAX_LINE_BYTES) {
      this.stats.overlongLines++;
      return;
    }
    end = withoutCr(buf, start, end);
    const p = this.parser;
    if (p.wants !== undefined && !p.wants(buf, start, end, lineNo)) return;
    p.push(buf.toString('utf8', start, end), lineNo);
  }
}

/** How many lines a screen call may hand over while settling is closed for now but may open (32: a few). */
const SETTLE_RETRY = 32;

/** Hand the kernel log what the last `screen` call settled (all of it before the first line handed over). */
function reportSettled(settle: KernelSettle, scan: LineScan, buf: Uint8Array, base: number): void {
  const n = [scan.settledDmesg(), scan.settledSyslog(), scan.settledJournal(), scan.settledDaemon()];
  if (n[0]! + n[1]! + n[2]! + n[3]! === 0 && scan.needFlush() === 0) return;
  // settleOrder: the shapes' numbers (1–4), first met in the highest base-8 digit.
  const counts: SettledCount[] = [];
  for (let order = scan.settleOrder(); order !== 0; order >>= 3) {
    const k = (order & 7) - 1;
    counts.unshift([SETTLED_SHAPES[k]!, n[k]!, k === 3 ? 0 : n[k]!]);
  }
  settle.settled(counts, buf, scan.settleLastStart(), scan.settleLastEnd(), base + scan.settleLastOrd());
}

/** The end of a line without its `\r`: every line a parser sees, in `wants`, `push` or `skipped`, has it stripped. */
function withoutCr(buf: Uint8Array, start: number, end: number): number {
  return end > start && buf[end - 1] === 13 ? end - 1 : end;
}

/** Run a parser over a whole string (tests, small /proc files). Same splitting rules as files. */
export function parseText<F>(parser: LineParser<F>, text: string): F {
  const splitter = new LineSplitter(parser);
  splitter.write(Buffer.from(text, 'utf8'));
  splitter.end();
  return parser.finish();
}

/** Right-trimmed line clipped for quoting as evidence. */
export function excerpt(line: string, max = 400): string {
  const t = line.trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}
