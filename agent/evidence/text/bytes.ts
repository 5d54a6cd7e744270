/**
 * Byte tests for `wants` pre-filters: cheap, allocation-free looks at a raw line, so a kind that reads
 * a few line shapes never has the millions of other lines of a big log decoded for it. Pure.
 */

const SP = 32;
const TAB = 9;

/**
 * Offset of the first byte that does not start a whitespace character, or `end`: the blanks and
 * everything else `trim()` removes (skipSpace below), since the kinds' `push` trims the decoded line
 * — a paste from a web page indents with no-break spaces, a text may hold form feeds.
 */
export function skipBlanks(buf: Uint8Array, start: number, end: number): number {
  return skipSpace(buf, start, end);
}

/** True when the bytes at `at` are exactly `ascii` (an ASCII literal). */
export function bytesAt(buf: Uint8Array, at: number, end: number, ascii: string): boolean {
  if (end - at < ascii.length) return false;
  for (let k = 0; k < ascii.length; k++) if (buf[at + k] !== ascii.charCodeAt(k)) return false;
  return true;
}

/** True when the line (blanks skipped) starts with one of these ASCII literals. */
export function startsWithAny(buf: Uint8Array, start: number, end: number, literals: readonly string[]): boolean {
  const p = skipBlanks(buf, start, end);
  for (const l of literals) if (bytesAt(buf, p, end, l)) return true;
  return false;
}

/** `startsWithAny` for a fixed list, made once: most lines fail on their first byte without a loop. */
export function prefixTest(literals: readonly string[]): (buf: Uint8Array, start: number, end: number) => boolean {
  const first = new Uint8Array(256);
  for (const l of literals) first[l.charCodeAt(0)] = 1;
  return (buf, start, end) => {
    const p = skipBlanks(buf, start, end);
    return p < end && first[buf[p]!] === 1 && startsWithAny(buf, p, end, literals);
  };
}

/** True when the ASCII literal occurs in the first `limit` bytes of the line. */
export function contains(buf: Uint8Array, start: number, end: number, ascii: string, limit = 4096): boolean {
  const last = Math.min(end, start + limit) - ascii.length;
  const first = ascii.charCodeAt(0);
  for (let i = start; i <= last; i++) if (buf[i] === first && bytesAt(buf, i, end, ascii)) return true;
  return false;
}

/** True when the line has only blanks. */
export const blank = (buf: Uint8Array, start: number, end: number): boolean => skipBlanks(buf, start, end) >= end;

const isUpper = (b: number | undefined): boolean => b !== undefined && b >= 65 && b <= 90;

/**
 * `Key:<blank>` near the start of a line with a capitalised key (lscpu, hostnamectl): the first colon
 * within `within` bytes follows a key of letters, digits, blanks, `()/-` and is followed by a blank or
 * the end. A syslog stamp (`Nov  9 16:18:09`) fails: its colon is followed by a digit.
 */
export function keyColon(buf: Uint8Array, start: number, end: number, within = 48): boolean {
  const p = skipBlanks(buf, start, end);
  if (!isUpper(buf[p])) return false;
  const lim = Math.min(end, p + within);
  for (let i = p + 1; i < lim; i++) {
    const b = buf[i]!;
    if (b === 58 /* : */) return i + 1 >= end || buf[i + 1] === SP || buf[i + 1] === TAB;
    const ok = (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b === SP || b === 40 || b === 41 || b === 47 || b === 45 || b === 95;
    if (!ok) return false;
  }
  return false;
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map((d) => [...d].map((c) => c.charCodeAt(0)));
const isDigit = (b: number | undefined): boolean => b !== undefined && b >= 48 && b <= 57;
const isAlpha = (b: number | undefined): boolean => b !== undefined && ((b >= 65 && b <= 90) || (b >= 97 && b <= 122));

/** A weekday name or a `YYYY-MM-DD` at `i`. */
function readingAt(buf: Uint8Array, i: number, end: number): boolean {
  if (end - i < 4) return false;
  const b = buf[i]!;
  if (b >= 65 && b <= 87) return WEEKDAYS.some((w) => w[0] === b && w[1] === buf[i + 1] && w[2] === buf[i + 2]) && !isAlpha(buf[i + 3]);
  return isDigit(b) && isDigit(buf[i + 1]) && isDigit(buf[i + 2]) && isDigit(buf[i + 3]) && buf[i + 4] === 45;
}

/**
 * A clock reading at the start of the line, or after one short label (`host: Tue …`, `vm1 | 2024-…`):
 * where every date line and every hwclock time starts. A kernel or syslog line fails at its first byte.
 */
export function mayHoldReading(buf: Uint8Array, start: number, end: number): boolean {
  const p = skipBlanks(buf, start, end);
  if (readingAt(buf, p, end)) return true;
  let i = p;
  const lim = Math.min(end, p + 32);
  while (i < lim && buf[i] !== SP && buf[i] !== TAB) i++;
  return i > p && i < lim && readingAt(buf, skipBlanks(buf, i, end), end);
}

/** An ASCII whitespace byte as regex `\s` and `trim()` see it: tab to carriage return, and space. */
export const isAsciiSpace = (b: number | undefined): boolean => b === SP || (b !== undefined && b >= 9 && b <= 13);

/**
 * The bytes of the whitespace character at `i` (what `String.prototype.trim` and regex `\s` remove:
 * ASCII tab to carriage return and space, and the Unicode spaces U+00A0, U+1680, U+2000–U+200A,
 * U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF in UTF-8), or 0. For a kind whose `push` trims
 * the decoded line: a filter that skipped only blanks would reject a line indented with a no-break
 * space that `push` reads.
 */
export function spaceAt(buf: Uint8Array, i: number, end: number): number {
  if (i >= end) return 0;
  const b = buf[i]!;
  if (isAsciiSpace(b)) return 1;
  if (b < 0xc2 || i + 1 >= end) return 0;
  const b1 = buf[i + 1]!;
  if (b === 0xc2) return b1 === 0xa0 ? 2 : 0;
  if (i + 2 >= end) return 0;
  const b2 = buf[i + 2]!;
  if (b === 0xe2) {
    if (b1 === 0x80) return (b2 >= 0x80 && b2 <= 0x8a) || b2 === 0xa8 || b2 === 0xa9 || b2 === 0xaf ? 3 : 0;
    return b1 === 0x81 && b2 === 0x9f ? 3 : 0;
  }
  if (b === 0xe1) return b1 === 0x9a && b2 === 0x80 ? 3 : 0;
  if (b === 0xe3) return b1 === 0x80 && b2 === 0x80 ? 3 : 0;
  if (b === 0xef) return b1 === 0xbb && b2 === 0xbf ? 3 : 0;
  return 0;
}

/** Offset of the first byte at or after `i` that does not start a whitespace character (`spaceAt`), or `end`. */
export function skipSpace(buf: Uint8Array, i: number, end: number): number {
  for (;;) {
    if (i >= end) return end;
    const b = buf[i]!;
    // Most lines start with a printable ASCII byte: one compare.
    if (b > SP && b < 0x80) return i;
    const n = spaceAt(buf, i, end);
    if (n === 0) return i;
    i += n;
  }
}

/** `Jan ` … `Dec `: the month that starts a syslog or legacy log stamp (`Oct  3 19:52:41`). */
export const startsWithMonth = prefixTest(['Jan ', 'Feb ', 'Mar ', 'Apr ', 'May ', 'Jun ', 'Jul ', 'Aug ', 'Sep ', 'Oct ', 'Nov ', 'Dec ']);

/**
 * Past the end of an ISO 8601 stamp whose clock starts at `p` (`YYYY-MM-DD?HH:MM:SS`, 19 bytes): an
 * optional fraction after `.` or `,`, an optional `Z` or `±HH[:]MM`. Returns the offset after them
 * (a superset: the zone's digits are not counted), or -1 when the date and clock are not where
 * they should be.
 */
export function afterIsoStamp(buf: Uint8Array, p: number, end: number): number {
  if (end - p < 19 || !isDigit(buf[p]) || buf[p + 4] !== 45 /* - */ || buf[p + 7] !== 45 || buf[p + 13] !== 58 /* : */ || buf[p + 16] !== 58) return -1;
  let i = p + 19;
  if (buf[i] === 46 || buf[i] === 44) { i++; while (i < end && isDigit(buf[i])) i++; }
  if (buf[i] === 90 /* Z */ && i < end) return i + 1;
  if ((buf[i] === 43 || buf[i] === 45) && i < end) {
    const lim = Math.min(end, i + 6);
    i++;
    while (i < lim && (isDigit(buf[i]) || buf[i] === 58)) i++;
  }
  return Math.min(i, end);
}
