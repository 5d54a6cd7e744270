/**
 * The contract every parser implements, and the one line splitter all input goes through.
 *
 * Parsers are pure state machines fed one line at a time, so a 270 MB VBox.log is read in a single
 * streaming pass with bounded memory. `wants` is an optional byte-level pre-filter: the splitter asks
 * it about every line before decoding, so a parser that only cares about a few line shapes never pays
 * for turning the other millions of lines into strings.
 */

export interface LineParser<F> {
  /**
   * Cheap pre-filter on the raw bytes of a line (without its `\n`, a trailing `\r` already excluded).
   * Must not allocate. Lines it rejects are never decoded nor passed to `push`. Absent = every line.
   */
  wants?(buf: Uint8Array, start: number, end: number): boolean;
  /** One decoded line (no line terminator) and its 1-based number in the input. */
  push(line: string, lineNo: number): void;
  /** The facts. Called once, after the last line. */
  finish(): F;
}

/** Lines longer than this are not decoded (a 10 MB line is noise, not evidence); they still count. */
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
    for (;;) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0 || nl >= end) break;
      this.emit(buf, pos, nl);
      pos = nl + 1;
    }
    if (pos < end) this.appendCarry(buf, pos, end);
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
    if (end > start && buf[end - 1] === 13) end--;
    const p = this.parser;
    if (p.wants !== undefined && !p.wants(buf, start, end)) return;
    p.push(buf.toString('utf8', start, end), lineNo);
  }
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
