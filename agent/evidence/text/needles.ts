/**
 * Byte-level tests for parsers' `wants` pre-filters: does a line contain a word, or start with one?
 * No allocation and no decoding, so a kind that reads a few kinds of lines costs almost nothing on
 * the millions of lines of a syslog it does not read. Each test looks at the line's own bytes only
 * (a line is a slice of a larger chunk; indexOf would search past its end). Pure.
 */
import { skipSpace } from './bytes.js';

/** ASCII words as bytes, prepared once. */
export function needles(...words: string[]): Uint8Array[] {
  return words.map((w) => Uint8Array.from(w, (c) => c.charCodeAt(0) & 0xff));
}

/** True when `buf[start, end)` contains `needle`. */
export function contains(buf: Uint8Array, start: number, end: number, needle: Uint8Array): boolean {
  const n = needle.length;
  if (n === 0) return true;
  const first = needle[0]!;
  for (let i = start, last = end - n; i <= last; i++) {
    if (buf[i] !== first) continue;
    let k = 1;
    while (k < n && buf[i + k] === needle[k]) k++;
    if (k === n) return true;
  }
  return false;
}

/** True when `buf` at `i` (before `end`) starts with `needle`. */
export function startsWith(buf: Uint8Array, i: number, end: number, needle: Uint8Array): boolean {
  if (end - i < needle.length) return false;
  for (let k = 0; k < needle.length; k++) if (buf[i + k] !== needle[k]) return false;
  return true;
}

/**
 * Words indexed by their first byte, so a test at one position costs one table look-up and, only
 * when the byte matches, a comparison.
 */
export class StartWords {
  private readonly byFirst: (Uint8Array[] | undefined)[] = new Array(256);

  constructor(...words: string[]) {
    for (const w of needles(...words)) (this.byFirst[w[0]!] ??= []).push(w);
  }

  /** True when one of the words starts at `i`. */
  at(buf: Uint8Array, i: number, end: number): boolean {
    const list = this.byFirst[buf[i] ?? 256];
    if (list === undefined) return false;
    for (const w of list) if (startsWith(buf, i, end, w)) return true;
    return false;
  }
}

/** The first byte at or after `i` that does not start a whitespace character (bytes.ts `skipSpace`: what `trim()` removes). */
export function skipBlanks(buf: Uint8Array, i: number, end: number): number {
  return skipSpace(buf, i, end);
}

/** Where the message of chronyd's own log line starts (`2022-05-07T08:00:43Z `), or -1 when the line has no such stamp. */
export function afterIsoZ(buf: Uint8Array, i: number, end: number): number {
  // YYYY-MM-DDTHH:MM:SS then optional fraction then Z and a blank.
  if (end - i < 21 || buf[i + 4] !== 45 || buf[i + 10] !== 84 || buf[i + 13] !== 58) return -1;
  let k = i + 19;
  if (buf[k] === 46) { k++; while (k < end && buf[k]! >= 48 && buf[k]! <= 57) k++; }
  return buf[k] === 90 && buf[k + 1] === 32 ? k + 2 : -1;
}

/**
 * The time-sync programs' names a line mentions, found in one pass shared by every kind that asks:
 * the router offers the same line to each kind in turn, so the scan is done once and remembered.
 */
export const PROGRAM = { chrony: 1, ntp: 2, timesyncd: 4, timeSynchronization: 8, vboxService: 16 } as const;
const PROGRAM_WORDS: readonly [number, Uint8Array][] = [
  [PROGRAM.chrony, needles('chrony')[0]!], [PROGRAM.ntp, needles('ntp')[0]!], [PROGRAM.timesyncd, needles('timesyncd')[0]!],
  [PROGRAM.timeSynchronization, needles('Time Synchronization')[0]!], [PROGRAM.vboxService, needles('VBoxService')[0]!],
];
/** For each byte: 1 + the index in PROGRAM_WORDS of the name it starts, or 0 (each name starts with its own byte). */
const PROGRAM_FIRST = new Uint8Array(256);
PROGRAM_WORDS.forEach(([, w], k) => { PROGRAM_FIRST[w[0]!] = k + 1; });
let memoBuf: Uint8Array | null = null;
let memoStart = -1;
let memoEnd = -1;
let memoMask = 0;

/** Bit mask (PROGRAM) of the program names in `buf[start, end)`. */
export function programsIn(buf: Uint8Array, start: number, end: number): number {
  if (buf === memoBuf && start === memoStart && end === memoEnd) return memoMask;
  let mask = 0;
  for (let i = start; i < end; i++) {
    const k = PROGRAM_FIRST[buf[i]!]!;
    if (k === 0) continue;
    const [bit, w] = PROGRAM_WORDS[k - 1]!;
    if ((mask & bit) === 0 && startsWith(buf, i, end, w)) mask |= bit;
  }
  memoBuf = buf;
  memoStart = start;
  memoEnd = end;
  memoMask = mask;
  return mask;
}
