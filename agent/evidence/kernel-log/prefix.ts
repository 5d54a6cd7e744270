/**
 * The kernel log prefix zoo (formats.md §1.1): find where the message starts, its monotonic timestamp
 * and which shape the line has. Anchored sticky regexes, picked by the line's first character, so a
 * line costs one or two regex executions.
 */
import { safeInt } from '../../util/numbers.js';
import { isAsciiSpace } from '../text/bytes.js';

/** Line shapes, matching `KernelLogFacts.format`. */
export type KernelLogShape = 'dmesg' | 'dmesg-raw' | 'dmesg-x' | 'dmesg-ctime' | 'kmsg' | 'syslog' | 'journal' | 'plain';

export interface SplitLine {
  /** The message text, prefixes removed (right-trimmed). */
  msg: string;
  /** Monotonic seconds from a `[ sss.uuuuuu]` stamp or a /dev/kmsg record; null when not printed. */
  ts: number | null;
  /** True when the stamp reads exactly zero (`[    0.000000]`, kmsg usec 0). */
  tsZero: boolean;
  shape: KernelLogShape;
  /** Syslog/journal tag (`kernel`, `systemd[1]`), when the line has one. */
  tag: string | null;
}

const KMSG = /(\d{1,3}),(\d+),(\d+),[-c+][^;]*;/y;
const RAW = /<\d{1,3}>/y;
const DMESG_X = /[a-z]{2,8}\s*:[a-z]{3,7}\s*:\s/y;
// BSD syslog / journalctl short, short-precise and short-full (`Tue 2020-01-14 11:50:08 CET`); up to two
// words (host, facility.level) may stand before the tag.
// OpenWrt's logread puts the weekday first and the year after the clock (`Tue Mar  8 13:19:34 2022 kern.info kernel:`).
const SYSLOG_BSD = /(?:[A-Z][a-z]{2} (?:[A-Z][a-z]{2} )?[ \d]?\d|[A-Z][a-z]{2} \d{4}-\d\d-\d\d) \d\d:\d\d:\d\d(?:\.\d+)?(?: \d{4})?(?: [A-Z]{2,5})?\s+(?:\S+\s+){0,2}?([^\s:[\]]+(?:\[\d+\])?):\s?/y;
const SYSLOG_ISO = /\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?\s+(?:(\S+)\s+)??([^\s:[\]]+(?:\[\d+\])?):\s?/y;
/** `dmesg --time-format iso`: a comma before the microseconds and no syslog tag after it. */
const DMESG_ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d+(?:Z|[+-]\d\d:?\d\d)?\s/y;
const STAMP = /\[\s*(\+?)(\d+)\.(\d+)(?:\s*<[\s\d.]+>)?\]\s?/y;
// Day and month names are localised (`[Di Jan 14 11:50:08 2020]`), so only the clock and year are fixed.
const CTIME = /\[(?:[^\]\d]{1,20}\d{1,2} \d\d:\d\d:\d\d \d{4}|[A-Za-z]{2,4}\s?\d+ \d\d:\d\d)\]\s?/y;
const CALLER = /\[\s*[TC]\d+\]\s?/y;
const JOURNAL_TAG = /(?:(\S+)\s+)??([^\s:[\]]+(?:\[\d+\])?):\s?/y;

function at(re: RegExp, s: string, i: number): RegExpExecArray | null {
  re.lastIndex = i;
  return re.exec(s);
}

/** Remove paste damage: `> ` quoting and markdown escapes such as `\[ 2.17\]`. */
function unmangle(line: string): string {
  let s = line;
  if (s.charCodeAt(0) === 62 /* > */ || (s.charCodeAt(0) === 32 && /^\s+>/.test(s))) s = s.replace(/^(?:\s*>)+ ?/, '');
  if (s.includes('\\')) s = s.replace(/\\([[\]_*`#<>()])/g, '$1');
  // Indented pastes (markdown code blocks, e-mail) push the stamp away from the line start.
  const c = s.charCodeAt(0);
  if ((c === 32 || c === 9) && /^\s+[[<]/.test(s)) s = s.trimStart();
  return s;
}

/** Split one raw line into prefix facts and message. */
export function splitPrefix(raw: string): SplitLine {
  const s = unmangle(raw);
  let i = 0;
  let ts: number | null = null;
  let tsZero = false;
  let shape: KernelLogShape = 'plain';
  let tag: string | null = null;
  let c = s.charCodeAt(0);

  if (c >= 48 && c <= 57) {
    const k = at(KMSG, s, 0);
    if (k !== null) {
      const usec = k[3] ?? '0';
      const us = safeInt(usec);
      ts = us === null ? null : us / 1e6;
      tsZero = /^0+$/.test(usec);
      return { msg: s.slice(KMSG.lastIndex).trimEnd(), ts, tsZero, shape: 'kmsg', tag: null };
    }
    if (at(DMESG_ISO, s, 0) !== null) {
      i = DMESG_ISO.lastIndex;
      shape = 'dmesg-ctime';
    } else {
      const iso = at(SYSLOG_ISO, s, 0);
      if (iso !== null) {
        i = SYSLOG_ISO.lastIndex;
        shape = 'syslog';
        tag = iso[2] ?? null;
      }
    }
  } else if (c === 60 /* < */) {
    if (at(RAW, s, 0) !== null) { i = RAW.lastIndex; shape = 'dmesg-raw'; }
  } else if (c >= 97 && c <= 122) {
    if (at(DMESG_X, s, 0) !== null) { i = DMESG_X.lastIndex; shape = 'dmesg-x'; }
  } else if (c >= 65 && c <= 90) {
    const b = at(SYSLOG_BSD, s, 0);
    if (b !== null) {
      i = SYSLOG_BSD.lastIndex;
      shape = 'syslog';
      tag = b[1] ?? null;
    }
  }
  c = s.charCodeAt(i);
  if (c === 91 /* [ */) {
    const m = at(STAMP, s, i);
    if (m !== null) {
      i = STAMP.lastIndex;
      if (m[1] !== '+') {
        const frac = m[3] ?? '0';
        const whole = safeInt(m[2]);
        // A stamp no double holds exactly (40 digits) is not a kernel's: no time rather than a rounded one.
        ts = whole === null ? null : whole + Number(frac) / 10 ** frac.length;
        tsZero = ts === 0;
      }
      if (shape === 'plain') shape = 'dmesg';
    } else if (at(CTIME, s, i) !== null) {
      i = CTIME.lastIndex;
      if (shape === 'plain') shape = 'dmesg-ctime';
    }
    if (s.charCodeAt(i) === 91 && at(CALLER, s, i) !== null) i = CALLER.lastIndex;
    // `journalctl -o short-monotonic`: `[ts] host kernel: msg` (host omitted with --no-hostname).
    if (shape === 'dmesg' && tag === null) {
      const j = at(JOURNAL_TAG, s, i);
      if (j !== null && j[2] === 'kernel') {
        i = JOURNAL_TAG.lastIndex;
        tag = j[2] ?? null;
        shape = 'journal';
      }
    }
  }
  return { msg: s.slice(i).trimEnd(), ts, tsZero, shape, tag };
}

/**
 * Does `line` (split into `sp`) carry a kernel-log prefix? Every shape but `plain` does, except that a
 * syslog line counts only when tagged `kernel` or stamped `[ sss.uuuuuu]`: other daemons write there too.
 */
export function hasKernelPrefix(line: string, sp: SplitLine): boolean {
  if (sp.shape === 'plain') return false;
  return sp.shape !== 'syslog' || sp.tag === 'kernel' || /\[\s*\d+\.\d+\]/.test(line);
}

/** What `splitPrefixBytes` tells of a line: the parts of `SplitLine` a line no rule reads still acts on. */
export interface ByteSplit {
  shape: KernelLogShape;
  /** Offset of the message (the prefixes end there). */
  msgStart: number;
  /** A `plain` line's message is empty once trimmed (only then does it not count for the format); unused for other shapes. */
  msgEmpty: boolean;
  /** The stamp reads exactly zero. */
  tsZero: boolean;
  /** The stamp reads one second or more. */
  tsAboveOne: boolean;
  /** `hasKernelPrefix` of the line. */
  kernelPrefix: boolean;
}

const isDigitByte = (b: number | undefined): boolean => b !== undefined && b >= 48 && b <= 57;
/** Bytes ≥ 0x80 may be Unicode spaces (U+00A0 …) that `\s` matches: the byte path never decides on them. */
const NON_ASCII = 0x80;
const isLower = (b: number | undefined): boolean => b !== undefined && b >= 97 && b <= 122;
const isUpper = (b: number | undefined): boolean => b !== undefined && b >= 65 && b <= 90;

/** Sentinel: the byte path cannot say what the regexes would; the caller takes the string path. (A message never starts at offset −1.) */
const UNSURE = -1;
/** Sentinel: the pattern does not match here. */
const NO = -2;

function skipWs(buf: Uint8Array, i: number, end: number): number {
  while (i < end && isAsciiSpace(buf[i])) i++;
  return i < end && buf[i]! >= NON_ASCII ? UNSURE : i;
}

/** `<\d{1,3}>` at i: the end, NO. */
function rawAt(buf: Uint8Array, i: number, end: number): number {
  let j = i + 1;
  while (j < end && isDigitByte(buf[j])) j++;
  const n = j - i - 1;
  return n >= 1 && n <= 3 && buf[j] === 62 && j < end ? j + 1 : NO;
}

/** `[a-z]{min,max}\s*:` at i: the index after the colon, NO or UNSURE. */
function lowerFieldAt(buf: Uint8Array, i: number, end: number, min: number, max: number): number {
  let j = i;
  while (j < end && isLower(buf[j])) j++;
  if (j - i < min || j - i > max) return NO;
  j = skipWs(buf, j, end);
  if (j === UNSURE) return UNSURE;
  if (buf[j] !== 58 || j >= end) return NO;
  return j + 1;
}

/** DMESG_X (`kern  :info  : `) at 0: the end, NO or UNSURE. */
function dmesgXAt(buf: Uint8Array, i: number, end: number): number {
  const j = lowerFieldAt(buf, i, end, 2, 8);
  if (j < 0) return j;
  const k = lowerFieldAt(buf, j, end, 3, 7);
  if (k < 0) return k;
  if (k < end && buf[k]! >= NON_ASCII) return UNSURE;
  return k < end && isAsciiSpace(buf[k]) ? k + 1 : NO;
}

/** Digits from i: the end (≤ 15 digits, so a double holds them), or UNSURE. */
function digitsEnd(buf: Uint8Array, i: number, end: number): number {
  let j = i;
  while (j < end && isDigitByte(buf[j])) j++;
  return j - i > 15 ? UNSURE : j;
}

/** After a tag's `:`, `\s?`. */
function optionalWs(buf: Uint8Array, i: number, end: number): number {
  if (i >= end) return i;
  if (buf[i]! >= NON_ASCII) return UNSURE;
  return isAsciiSpace(buf[i]) ? i + 1 : i;
}

/**
 * The tag pattern `([^\s:[\]]+(?:\[\d+\])?):` at i: the offset after the `:`, NO, or UNSURE; `kernel`
 * says whether the tag is exactly `kernel`.
 */
function tagAt(buf: Uint8Array, i: number, end: number, out: { kernel: boolean }): number {
  let j = i;
  for (; j < end; j++) {
    const b = buf[j]!;
    if (b >= NON_ASCII) return UNSURE;
    if (isAsciiSpace(b) || b === 58 || b === 91 || b === 93) break;
  }
  if (j === i || j >= end) return NO;
  out.kernel = j - i === 6 && buf[i] === 107 && buf[i + 1] === 101 && buf[i + 2] === 114 && buf[i + 3] === 110 && buf[i + 4] === 101 && buf[i + 5] === 108;
  if (buf[j] === 58) return j + 1;
  if (buf[j] !== 91) return NO;
  out.kernel = false;
  const d = j + 1;
  let k = d;
  while (k < end && isDigitByte(buf[k])) k++;
  return k > d && buf[k] === 93 && buf[k + 1] === 58 && k + 1 < end ? k + 2 : NO;
}

/** A maximal `\S+\s+` from i: its end, NO (no whitespace after, or none at all) or UNSURE. */
function wordAt(buf: Uint8Array, i: number, end: number): number {
  let j = i;
  for (; j < end && !isAsciiSpace(buf[j]); j++) if (buf[j]! >= NON_ASCII) return UNSURE;
  if (j === i || j >= end) return NO;
  return skipWs(buf, j, end);
}

/** `(?:\S+\s+){0,max}?` then a tag, lazily as the regex tries it: after `:\s?`, NO or UNSURE. */
function wordsThenTag(buf: Uint8Array, i: number, end: number, max: number, out: { kernel: boolean }): number {
  let w = i;
  for (let k = 0; ; k++) {
    const t = tagAt(buf, w, end, out);
    if (t === UNSURE) return UNSURE;
    if (t !== NO) return optionalWs(buf, t, end);
    if (k === max) return NO;
    w = wordAt(buf, w, end);
    if (w < 0) return w;
  }
}

/**
 * SYSLOG_BSD at s0 in its plain form (`Mar 22 18:26:13 host kernel: `): the offset after the tag and
 * its `\s?`; NO when the line cannot start that way; UNSURE for every variant the regex's optional
 * groups could read otherwise (fractions, a year, a zone, weekday names, ISO dates).
 */
function syslogBsdAt(buf: Uint8Array, s0: number, end: number, out: { kernel: boolean }): number {
  // Both alternatives start `[A-Z][a-z]{2} ` and go on with a digit, a space or a capital.
  if (end - s0 < 4 || !isLower(buf[s0 + 1]) || !isLower(buf[s0 + 2]) || buf[s0 + 3] !== 32) return NO;
  let q = s0 + 4;
  const b4 = buf[q];
  if (!(isDigitByte(b4) || b4 === 32 || isUpper(b4)) || q >= end) return NO;
  if (end - s0 < 16) return UNSURE;
  if (isDigitByte(buf[q]) && isDigitByte(buf[q + 1]) && buf[q + 2] === 32) q += 2;
  else if (buf[q] === 32 && isDigitByte(buf[q + 1]) && buf[q + 2] === 32) q += 2;
  else if (isDigitByte(buf[q]) && buf[q + 1] === 32) q += 1;
  else return UNSURE;
  if (!(buf[q] === 32 && isDigitByte(buf[q + 1]) && isDigitByte(buf[q + 2]) && buf[q + 3] === 58 && isDigitByte(buf[q + 4]) && isDigitByte(buf[q + 5])
    && buf[q + 6] === 58 && isDigitByte(buf[q + 7]) && isDigitByte(buf[q + 8]))) return UNSURE;
  q += 9;
  if (q >= end || buf[q] === 46 || (buf[q] === 32 && (isDigitByte(buf[q + 1]) || isUpper(buf[q + 1])))) return UNSURE;
  if (!isAsciiSpace(buf[q])) return UNSURE;
  const w = skipWs(buf, q, end);
  if (w === UNSURE || w >= end) return UNSURE;
  const r = wordsThenTag(buf, w, end, 2, out);
  return r === NO ? UNSURE : r;
}

/** Does `buf[start, end)` hold `\[\s*\d+\.\d+\]` (a syslog line carrying a kernel stamp)? null: unsure. */
function holdsStamp(buf: Uint8Array, start: number, end: number): boolean | null {
  for (let i = start; i < end; i++) {
    if (buf[i] !== 91) continue;
    const j = skipWs(buf, i + 1, end);
    if (j === UNSURE) return null;
    const k = digitsEndLoose(buf, j, end);
    if (k === j || buf[k] !== 46) continue;
    const f = digitsEndLoose(buf, k + 1, end);
    if (f > k + 1 && buf[f] === 93 && f < end) return true;
  }
  return false;
}

function digitsEndLoose(buf: Uint8Array, i: number, end: number): number {
  let j = i;
  while (j < end && isDigitByte(buf[j])) j++;
  return j;
}

/**
 * `splitPrefix` on raw bytes, for the shapes that make up big logs: `[ sss.uuuuuu] `, `Mon DD HH:MM:SS
 * host kernel: `, /dev/kmsg records, `<N>`, `kern  :info  : `, journal short-monotonic and no prefix.
 * Fills `out` and returns true only when the answer is certainly the one `splitPrefix` and
 * `hasKernelPrefix` give for the decoded line; false means "take the string path" (indented or
 * quoted lines, markdown escapes, non-ASCII where `\s` could match, fractional syslog clocks, ISO
 * stamps, 16+ digit stamps). The caller has checked that the line holds no backslash (a markdown
 * escape unmangle() would remove). Does not allocate. Checked against the string path on every fixture line
 * and on generated ones (test/parsers/kernel-log-gate.test.ts).
 */
export function splitPrefixBytes(buf: Uint8Array, start: number, end: number, out: ByteSplit): boolean {
  const c = buf[start];
  // What unmangle() would touch: quoting, indentation, markdown escapes (anywhere in the line).
  if (c === undefined || c === 62 || isAsciiSpace(c) || c >= NON_ASCII) return false;
  const tag = { kernel: false };
  let shape: KernelLogShape = 'plain';
  let i = start;
  out.tsZero = false;
  out.tsAboveOne = false;
  if (isDigitByte(c)) {
    const k = kmsgAt(buf, start, end, out);
    if (k < 0) return false; // ISO stamps and the like: the regexes decide
    return finish(buf, k, end, 'kmsg', true, out);
  }
  if (c === 60) {
    const r = rawAt(buf, start, end);
    if (r !== NO) { i = r; shape = 'dmesg-raw'; }
  } else if (isLower(c)) {
    const x = dmesgXAt(buf, start, end);
    if (x === UNSURE) return false;
    if (x !== NO) { i = x; shape = 'dmesg-x'; }
  } else if (isUpper(c)) {
    const s = syslogBsdAt(buf, start, end, tag);
    if (s === UNSURE) return false;
    if (s !== NO) { i = s; shape = 'syslog'; }
  }
  let stamped = false;
  if (buf[i] === 91 && i < end) {
    const m = stampAt(buf, i, end, out);
    if (m === UNSURE) return false;
    i = m;
    stamped = true;
    if (shape === 'plain') shape = 'dmesg';
    if (buf[i] === 91 && i < end) {
      const cl = callerAt(buf, i, end);
      if (cl === UNSURE) return false;
      if (cl !== NO) i = cl;
    }
    if (shape === 'dmesg') {
      const j = wordsThenTag(buf, i, end, 1, tag);
      if (j === UNSURE) return false;
      if (j !== NO && tag.kernel) { i = j; shape = 'journal'; }
    }
  }
  let kernel = shape !== 'plain';
  if (shape === 'syslog' && !tag.kernel && !stamped) {
    const h = holdsStamp(buf, start, end);
    if (h === null) return false;
    kernel = h;
  }
  return finish(buf, i, end, shape, kernel, out);
}

function finish(buf: Uint8Array, i: number, end: number, shape: KernelLogShape, kernel: boolean, out: ByteSplit): boolean {
  let e = end;
  while (e > i && isAsciiSpace(buf[e - 1])) e--;
  // trimEnd() also removes Unicode spaces; a plain line never starts with one, so it is never empty then.
  out.shape = shape;
  out.msgStart = i;
  out.msgEmpty = e <= i;
  out.kernelPrefix = kernel;
  return true;
}

/** STAMP at i (`[` there): after it and its `\s?`, UNSURE otherwise (a `+` delta, `<…>`, CTIME). */
function stampAt(buf: Uint8Array, i: number, end: number, out: ByteSplit): number {
  const w = skipWs(buf, i + 1, end);
  if (w === UNSURE || !isDigitByte(buf[w]) || w >= end) return UNSURE;
  const d = digitsEnd(buf, w, end);
  if (d === UNSURE || buf[d] !== 46 || d >= end) return UNSURE;
  const f = digitsEnd(buf, d + 1, end);
  if (f === UNSURE || f === d + 1 || buf[f] !== 93 || f >= end) return UNSURE;
  let whole = 0;
  for (let k = w; k < d; k++) whole = whole * 10 + buf[k]! - 48;
  let zeroFrac = true;
  for (let k = d + 1; k < f; k++) if (buf[k] !== 48) zeroFrac = false;
  out.tsZero = whole === 0 && zeroFrac;
  out.tsAboveOne = whole >= 1;
  return optionalWs(buf, f + 1, end);
}

/** CALLER (`[T123] `, `[C2]`) at i: after it, NO or UNSURE. */
function callerAt(buf: Uint8Array, i: number, end: number): number {
  const w = skipWs(buf, i + 1, end);
  if (w === UNSURE) return UNSURE;
  if (w >= end || (buf[w] !== 84 && buf[w] !== 67)) return NO;
  const d = digitsEndLoose(buf, w + 1, end);
  if (d === w + 1 || buf[d] !== 93 || d >= end) return NO;
  return optionalWs(buf, d + 1, end);
}

/** KMSG at start: the message offset with the stamp in `out`, or NO/UNSURE. */
function kmsgAt(buf: Uint8Array, start: number, end: number, out: ByteSplit): number {
  let j = start;
  while (j < end && isDigitByte(buf[j])) j++;
  if (j - start < 1 || j - start > 3 || buf[j] !== 44) return NO;
  const s = j + 1;
  j = digitsEndLoose(buf, s, end);
  if (j === s || buf[j] !== 44) return NO;
  const u = j + 1;
  j = digitsEnd(buf, u, end);
  if (j === UNSURE) return UNSURE;
  if (j === u || buf[j] !== 44 || j + 1 >= end) return NO;
  const flag = buf[j + 1];
  if (flag !== 45 && flag !== 99 && flag !== 43) return NO;
  let semi = j + 2;
  while (semi < end && buf[semi] !== 59) semi++;
  if (semi >= end) return NO;
  let us = 0;
  for (let k = u; k < j; k++) us = us * 10 + buf[k]! - 48;
  out.tsZero = us === 0;
  out.tsAboveOne = us >= 1e6;
  return semi + 1;
}
