/**
 * The byte-level pre-filter of the VBox.log parser. A 270 MB VBox.log has millions of lines of which
 * a few hundred matter, so this decides on raw bytes — without decoding or allocating — whether a line
 * can be one the parser reads. It also keeps the elapsed time of the latest line (every line, not only
 * the wanted ones), because `lastSeconds` must cover the whole log.
 *
 * Line shape (formats.md §4.1): optional paste junk (leading space, `> `, a BBCode tag such as
 * `[COLOR="Red"]`), the elapsed-time prefix `H…H:MM:SS.fff[fff] `, then the message.
 */

import { skipSpace, spaceAt } from '../text/bytes.js';

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

const GIM = ascii('GIM');
const GST = ascii('Gst:');
const GUEST_OS = ascii('Guest OS type');
const HST = ascii('Hst:');
const HM_INIT = ascii('HM: HMR3Init:');
const NEM_INIT = ascii('NEM: NEMR3Init:');
const FULL_NAME = ascii('Full Name');
const VIRTUALBOX = ascii('VirtualBox ');
const VMMDEV_GUEST = ascii('VMMDev: Guest ');
const ADDITIONS_INFO = ascii('Additions information report: Version');
const LOG = ascii('Log:');
const LOG_OPENED = ascii('Log opened');
const OS_PRODUCT = ascii('OS Product');
const OS_RELEASE = ascii('OS Release');
const EXTRADATA = ascii('Extradata overrides');
const PAUSING = ascii('Pausing VM');
const RESUMING = ascii('Resuming VM');
const IME_SYNC = ascii('imeSync');
const USING = ascii('Using provider');
const TM_GIP = ascii('TM: GIP - ');
const TM_TSC = ascii('TM: cTSCTicksPerSecond=');
const TM_TSC_ALIGNED = ascii('TM:     cTSCTicksPerSecond=');
const TM_TSC_HOST = ascii('TM: cTSCTicksPerSecondHost=');
const TM_TIED = ascii('TM: TSCTiedToExecution=');
const TM_INIT_FINALIZE = ascii('TM: TMR3InitFinalize:');
const STATE_LOAD = ascii('(state load)');
const KVM_VCPU = ascii('KVM: VCPU');
const NODE_ROOT = ascii('[/] ');
const NODE_GIM = ascii('[/GIM/] ');
const NODE_TM = ascii('[/TM/] ');
const NODE_VMMDEV = ascii('[/Devices/VMMDev/0/Config/] ');
const VBOXINTERNAL = ascii('VBoxInternal/');
const IME_SYNC_LOWER = ascii('imesync');

/** How far into a line paste junk may push the timestamp (`[COLOR="Red"]` is 13 bytes). */
const JUNK_MAX = 48;

function at(buf: Uint8Array, pos: number, end: number, lit: Uint8Array): boolean {
  if (pos + lit.length > end) return false;
  for (let k = 0; k < lit.length; k++) if (buf[pos + k] !== lit[k]) return false;
  return true;
}

/**
 * Does `lit` occur in `buf[from, end)`? The parser takes a `(state load)` line wherever the words
 * stand: not only at the end (a forum paste closes it with `[/CODE]`, a doubled CRLF leaves a `\r`).
 */
function has(buf: Uint8Array, from: number, end: number, lit: Uint8Array): boolean {
  for (let i = from, last = end - lit.length; i <= last; i++) if (buf[i] === lit[0] && at(buf, i, end, lit)) return true;
  return false;
}

/** Byte → digit value, 0x80 for anything that is not an ASCII digit. */
const DV = new Uint8Array(256).fill(0x80);
for (let d = 0; d < 10; d++) DV[48 + d] = d;

const isDigit = (b: number | undefined): boolean => b !== undefined && b >= 48 && b <= 57;

// Horspool shift table for the 7-byte needles `imeSync`/`imesync` (same shifts; they differ only in S/s).
const SHIFT = new Uint8Array(256).fill(7);
for (const [c, n] of [['i', 6], ['m', 5], ['e', 4], ['S', 3], ['s', 3], ['y', 2], ['n', 1]] as const) SHIFT[c.charCodeAt(0)] = n;

/**
 * Does `buf[from, end)` contain `TimeSync`/`timesync` (the VBoxService time-sync thread and functions)?
 * Horspool search: reads about one byte in six of a forwarded guest line.
 */
function hasTimeSync(buf: Uint8Array, from: number, end: number): boolean {
  let k = from;
  while (k + 7 <= end) {
    const last = buf[k + 6]!;
    if (last === 99 /* c */ && (at(buf, k, end, IME_SYNC) || at(buf, k, end, IME_SYNC_LOWER))) return true;
    k += last === 99 ? 1 : SHIFT[last]!;
  }
  return false;
}

/** Mutable state the pre-filter shares with the parser. */
export interface PrefilterState {
  /**
   * Elapsed time of the latest timestamped line: `[0]` whole seconds (−1 before the first), `[1]`
   * microseconds. Integers in a typed array: the per-line store neither allocates nor divides.
   */
  ts: Int32Array;
  /** Set by the parser after the first CFGM dump: later dumps (a concatenation) are not read. */
  cfgmDone: boolean;
  /** Set by the parser after the first CPUID dump. */
  cpuidDone: boolean;
  /** Inside a CFGM node whose keys the parser reads (decided on the node line's bytes). */
  inWantedNode: boolean;
  /**
   * `DONE_*` bits the parser sets once a first-wins fact is known, so that the copies of those lines
   * in later sessions of a concatenated file are rejected here instead of decoded and re-parsed.
   */
  done: number;
}

export const DONE_HEADER = 1;
export const DONE_LOG_OPENED = 2;
export const DONE_OS_PRODUCT = 4;
export const DONE_OS_RELEASE = 8;
export const DONE_FULL_NAME = 16;
export const DONE_GUEST_OS = 32;
export const DONE_GIP = 64;
export const DONE_GIM_PROVIDER = 128;
export const DONE_TSC = 256;
export const DONE_TSC_HOST = 512;
export const DONE_TIED = 1024;
export const DONE_INIT_FINALIZE = 2048;
/** The GIM KVM system-time list is full (MAX_VBOX_EVENTS): later such lines cannot be kept anyway. */
export const DONE_KVM_LIST = 4096;
/** Both NEM lines (the fall-back and the NEMR3Init mode) are read. */
export const DONE_NEM = 8192;

/** A fresh pre-filter state. */
export function prefilterState(): PrefilterState {
  return { ts: Int32Array.of(-1, 0), cfgmDone: false, cpuidDone: false, inWantedNode: false, done: 0 };
}

/** Seconds of the latest timestamped line seen (µs precision), or null. */
export function lastSeconds(state: PrefilterState): number | null {
  const whole = state.ts[0]!;
  // (integer µs) / 1e6 is the double nearest to the printed decimal, as parsing the text would give.
  return whole < 0 ? null : (whole * 1e6 + state.ts[1]!) / 1e6;
}

/**
 * Returns the offset where the message starts (after the timestamp if any), updating
 * the timestamp in `state` when the line has one.
 */
export function messageStart(buf: Uint8Array, start: number, end: number, state: PrefilterState): number {
  // Fast path, nearly every line: `HH:MM:SS.ffffff ` (µs, 4.2+) or `HH:MM:SS.fff ` (ms, ≤4.1).
  // Digits go through a table (non-digits map to 0x80) so one OR tells whether all were digits.
  if (end - start >= 12 && buf[start + 2] === 58 && buf[start + 5] === 58 && buf[start + 8] === 46) {
    const h1 = DV[buf[start]!]!;
    const h2 = DV[buf[start + 1]!]!;
    const m1 = DV[buf[start + 3]!]!;
    const m2 = DV[buf[start + 4]!]!;
    const s1 = DV[buf[start + 6]!]!;
    const s2 = DV[buf[start + 7]!]!;
    const f1 = DV[buf[start + 9]!]!;
    const f2 = DV[buf[start + 10]!]!;
    const f3 = DV[buf[start + 11]!]!;
    if (((h1 | h2 | m1 | m2 | s1 | s2 | f1 | f2 | f3) & 0x80) === 0) {
      const whole = (h1 * 10 + h2) * 3600 + (m1 * 10 + m2) * 60 + s1 * 10 + s2;
      const ms = f1 * 100 + f2 * 10 + f3;
      if (end === start + 12 || buf[start + 12] === 32) {
        state.ts[0] = whole;
        state.ts[1] = ms * 1000;
        return start + 13;
      }
      if (end - start >= 15) {
        const f4 = DV[buf[start + 12]!]!;
        const f5 = DV[buf[start + 13]!]!;
        const f6 = DV[buf[start + 14]!]!;
        if (((f4 | f5 | f6) & 0x80) === 0 && (end === start + 15 || buf[start + 15] === 32)) {
          state.ts[0] = whole;
          state.ts[1] = ms * 1000 + f4 * 100 + f5 * 10 + f6;
          return start + 16;
        }
      }
    }
  }
  return messageStartSlow(buf, start, end, state);
}

/** Any other shape: paste junk before the timestamp, hours > 99, no timestamp at all. */
function messageStartSlow(buf: Uint8Array, start: number, end: number, state: PrefilterState): number {
  // Where the parser's PREFIX would find the stamp's digits: after quoting and forum tags, and one space.
  const g = afterJunk(buf, start, end);
  const d = isDigit(buf[g]) && g < end ? g : isDigit(buf[g + spaceAt(buf, g, end)]) && g + spaceAt(buf, g, end) < end ? g + spaceAt(buf, g, end) : -1;
  let i = d;
  if (i < 0) {
    // Not where the parser reads a stamp; still note the time of a stamp among other junk.
    i = start;
    const lim = Math.min(end, start + JUNK_MAX);
    while (i < lim && !isDigit(buf[i])) i++;
    if (i >= lim) return skipBlank(buf, start, end);
  }
  let h = 0;
  let n = 0;
  let j = i;
  while (j < end && isDigit(buf[j])) {
    h = h * 10 + (buf[j]! - 48);
    j++;
    n++;
  }
  if (n < 2 || n > 7 || buf[j] !== 58 /* : */) return skipBlank(buf, start, end);
  if (j + 7 > end || !isDigit(buf[j + 1]) || !isDigit(buf[j + 2]) || buf[j + 3] !== 58 || !isDigit(buf[j + 4]) || !isDigit(buf[j + 5]) || buf[j + 6] !== 46 /* . */) {
    return skipBlank(buf, start, end);
  }
  const m = (buf[j + 1]! - 48) * 10 + (buf[j + 2]! - 48);
  const s = (buf[j + 4]! - 48) * 10 + (buf[j + 5]! - 48);
  let k = j + 7;
  let frac = 0;
  let scale = 1;
  while (k < end && isDigit(buf[k])) {
    frac = frac * 10 + (buf[k]! - 48);
    scale *= 10;
    k++;
  }
  if (scale < 1000 || (k < end && buf[k] !== 32)) return skipBlank(buf, start, end);
  state.ts[0] = h * 3600 + m * 60 + s;
  state.ts[1] = Math.round((frac / scale) * 1e6);
  // A stamp found among other junk, or with more than 9 fraction digits, is not one the parser
  // reads: it takes the line as unstamped, its message after the junk (the time is still noted).
  if (i !== d || scale > 1e9) return skipBlank(buf, start, end);
  return k < end ? k + 1 : k;
}

const isAsciiLetter = (b: number | undefined): boolean => b !== undefined && ((b >= 65 && b <= 90) || (b >= 97 && b <= 122));

/** Quoting `>` with any whitespace around, from `i`: the parser's `(?:\s*>)*\s*` (or `[\s>]*`). */
function skipQuoting(buf: Uint8Array, i: number, end: number): number {
  for (;;) {
    const j = skipSpace(buf, i, end);
    if (j >= end || buf[j] !== 62 /* > */) return j;
    i = j + 1;
  }
}

/** Forum tags `[b]`, `[/COLOR]`, `[FONT=Courier]` right after one another, from `i`. */
function skipTags(buf: Uint8Array, i: number, end: number): number {
  for (;;) {
    if (i >= end || buf[i] !== 91 /* [ */) return i;
    let k = i + 1;
    if (buf[k] === 47 /* / */ && k < end) k++;
    const name = k;
    while (k < end && isAsciiLetter(buf[k])) k++;
    if (k === name) return i;
    if (k < end && buf[k] === 61 /* = */) while (k < end && buf[k] !== 93) k++;
    if (k >= end || buf[k] !== 93 /* ] */) return i;
    i = k + 1;
  }
}

/** The paste junk before a VBox.log line: quoting, then forum tags (the parser's PREFIX and LEAD_JUNK). */
function afterJunk(buf: Uint8Array, start: number, end: number): number {
  return skipTags(buf, skipQuoting(buf, start, end), end);
}

/**
 * Without a timestamp (header line 1 of some logs, pasted fragments) the message starts where the
 * parser's LEAD_JUNK ends: after quoting, forum tags and any whitespace `\s` knows (a web page's
 * no-break spaces) or `>`.
 */
function skipBlank(buf: Uint8Array, start: number, end: number): number {
  return skipQuoting(buf, afterJunk(buf, start, end), end);
}

/** First bytes of the messages the parser reads (`T`, `G`, `H`, `F`, `V`, `L`, `O`, `E`, `P`, `R`, `*`, `[`, space). */
const FIRST = new Uint8Array(256);
for (const c of 'TGHFVLOEPRN*[ ') FIRST[c.charCodeAt(0)] = 1;

/** The whole pre-filter for one line: find the message, then decide on its bytes. */
export function wantsLine(buf: Uint8Array, start: number, end: number, state: PrefilterState): boolean {
  const p = messageStart(buf, start, end, state);
  return p < end && FIRST[buf[p]!] === 1 && wantsMessage(buf, p, end, state);
}

/** Is the message at `buf[p, end)` one the parser reads? Dispatch on the first byte; no allocation. */
function wantsMessage(buf: Uint8Array, p: number, end: number, state: PrefilterState): boolean {
  if (p >= end) return false;
  switch (buf[p]) {
    case 84: { // T: `TM: …`, `TMR3UtcNow: …`; first-wins lines only until the parser has them
      if (buf[p + 1] !== 77) return false;
      const done = state.done;
      if (done === 0) return true;
      if ((done & DONE_GIP) !== 0 && at(buf, p, end, TM_GIP)) return false;
      if ((done & DONE_TSC) !== 0 && (at(buf, p, end, TM_TSC) || at(buf, p, end, TM_TSC_ALIGNED))) return has(buf, p, end, STATE_LOAD);
      if ((done & DONE_TSC_HOST) !== 0 && at(buf, p, end, TM_TSC_HOST)) return false;
      if ((done & DONE_TIED) !== 0 && at(buf, p, end, TM_TIED)) return false;
      return (done & DONE_INIT_FINALIZE) === 0 || !at(buf, p, end, TM_INIT_FINALIZE);
    }
    case 71: // G: `GIM: Using provider`, `GIM: KVM: VCPU`, `Gst:`, `Guest OS type`
      if (at(buf, p, end, GIM)) return ((state.done & DONE_GIM_PROVIDER) === 0 && at(buf, p + 5, end, USING)) || ((state.done & DONE_KVM_LIST) === 0 && at(buf, p + 5, end, KVM_VCPU));
      if (at(buf, p, end, GST)) return !state.cpuidDone;
      return (state.done & DONE_GUEST_OS) === 0 && at(buf, p, end, GUEST_OS);
    case 72: // H: `Hst:` CPUID rows, `HM: HMR3Init: … fall back to NEM`
      return (!state.cpuidDone && at(buf, p, end, HST)) || ((state.done & DONE_NEM) === 0 && at(buf, p, end, HM_INIT));
    case 78: // N: `NEM: NEMR3Init: …`
      return (state.done & DONE_NEM) === 0 && at(buf, p, end, NEM_INIT);
    case 70: // F
      return (state.done & DONE_FULL_NAME) === 0 && at(buf, p, end, FULL_NAME);
    case 86: // V: header, `VMMDev: Guest Additions information report`, forwarded time-sync lines
      if (at(buf, p, end, VIRTUALBOX)) return (state.done & DONE_HEADER) === 0;
      if (!at(buf, p, end, VMMDEV_GUEST)) return false;
      {
        const q = p + VMMDEV_GUEST.length;
        if (buf[q] === 65 /* A */) return at(buf, q, end, ADDITIONS_INFO);
        return at(buf, q, end, LOG) && hasTimeSync(buf, q, end);
      }
    case 76: // L
      return (state.done & DONE_LOG_OPENED) === 0 && at(buf, p, end, LOG_OPENED);
    case 79: // O
      return ((state.done & DONE_OS_PRODUCT) === 0 && at(buf, p, end, OS_PRODUCT)) || ((state.done & DONE_OS_RELEASE) === 0 && at(buf, p, end, OS_RELEASE));
    case 69: // E
      return at(buf, p, end, EXTRADATA);
    case 80: // P
      return at(buf, p, end, PAUSING);
    case 82: // R
      return at(buf, p, end, RESUMING);
    case 42: // * — CFGM / CPUID dump banners; a banner also ends any CFGM node
      state.inWantedNode = false;
      return !(state.cfgmDone && state.cpuidDone);
    case 91: // [ — CFGM node `[/TM/] (level 1)`: only the nodes whose keys we read
      if (state.cfgmDone || buf[p + 1] !== 47) return false;
      state.inWantedNode = at(buf, p, end, NODE_ROOT) || at(buf, p, end, NODE_GIM) || at(buf, p, end, NODE_TM) || at(buf, p, end, NODE_VMMDEV);
      return state.inWantedNode;
    case 32: {
      // CFGM keys (only inside a wanted node) and extradata overrides are indented by two spaces.
      if (buf[p + 1] !== 32) return false;
      if (at(buf, p + 2, end, VBOXINTERNAL)) return true;
      return state.inWantedNode && !state.cfgmDone;
    }
    default:
      return false;
  }
}

/**
 * The message prefixes (LineScreen) that may make a line wanted, or act on the filter, in `state`:
 * `wantsMessage` above, read as prefixes of at most four bytes. A line of the plain elapsed-time
 * shape whose message starts with none of them is skipped in WebAssembly without reaching
 * `wantsLine`. A test checks, for random states and lines, that each skipped line is one
 * `wantsLine` rejects. When `wantsMessage` learns a new line, add its prefix here.
 */
export function screenPrefixes(state: PrefilterState): string[] {
  const done = state.done;
  const not = (bit: number): boolean => (done & bit) === 0;
  // `*` banners always: besides being wanted until both dumps are read, each one resets `inWantedNode`.
  const p = ['TM', 'VMMD', 'Extr', 'Paus', 'Resu', '  VB', '*'];
  if (not(DONE_GIM_PROVIDER) || not(DONE_KVM_LIST)) p.push('GIM');
  if (!state.cpuidDone) p.push('Gst:', 'Hst:');
  if (not(DONE_NEM)) p.push('HM: ', 'NEM:');
  if (not(DONE_GUEST_OS)) p.push('Gues');
  if (not(DONE_FULL_NAME)) p.push('Full');
  if (not(DONE_HEADER)) p.push('Virt');
  if (not(DONE_LOG_OPENED)) p.push('Log ');
  if (not(DONE_OS_PRODUCT)) p.push('OS P');
  if (not(DONE_OS_RELEASE)) p.push('OS R');
  // Node lines also move `inWantedNode`, which matters until the CFGM dump is read.
  if (!state.cfgmDone) p.push('[/', '  ');
  return p;
}

/** A number that changes whenever `screenPrefixes(state)` may. */
export function screenVersion(state: PrefilterState): number {
  return state.done | (state.cfgmDone ? 1 << 20 : 0) | (state.cpuidDone ? 1 << 21 : 0);
}
