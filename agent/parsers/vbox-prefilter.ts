/**
 * The byte-level pre-filter of the VBox.log parser. A 270 MB VBox.log has millions of lines of which
 * a few hundred matter, so this decides on raw bytes — without decoding or allocating — whether a line
 * can be one the parser reads. It also keeps the elapsed time of the latest line (every line, not only
 * the wanted ones), because `lastSeconds` must cover the whole log.
 *
 * Line shape (formats.md §4.1): optional paste junk (leading space, `> `, a BBCode tag such as
 * `[COLOR="Red"]`), the elapsed-time prefix `H…H:MM:SS.fff[fff] `, then the message.
 */

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

const GIM = ascii('GIM');
const GST = ascii('Gst:');
const GUEST_OS = ascii('Guest OS type');
const HST = ascii('Hst:');
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
const IME_SYNC_LOWER = ascii('imesync');

/** How far into a line paste junk may push the timestamp (`[COLOR="Red"]` is 13 bytes). */
const JUNK_MAX = 48;

function at(buf: Uint8Array, pos: number, end: number, lit: Uint8Array): boolean {
  if (pos + lit.length > end) return false;
  for (let k = 0; k < lit.length; k++) if (buf[pos + k] !== lit[k]) return false;
  return true;
}

const isDigit = (b: number | undefined): boolean => b !== undefined && b >= 48 && b <= 57;

/** Does `buf[from, end)` contain `TimeSync`/`timesync` (the VBoxService time-sync thread and functions)? */
function hasTimeSync(buf: Uint8Array, from: number, end: number): boolean {
  for (let k = from; k + 7 <= end; k++) {
    if (buf[k] === 105 /* i */ && (at(buf, k, end, IME_SYNC) || at(buf, k, end, IME_SYNC_LOWER))) return true;
  }
  return false;
}

/** Mutable state the pre-filter keeps between lines. */
export interface PrefilterState {
  /** Elapsed seconds of the latest line that had a timestamp, or null. */
  lastSeconds: number | null;
}

/**
 * Returns the offset where the message starts (after the timestamp if any), updating
 * `state.lastSeconds` when the line has a timestamp.
 */
export function messageStart(buf: Uint8Array, start: number, end: number, state: PrefilterState): number {
  let i = start;
  if (!isDigit(buf[i])) {
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
  state.lastSeconds = h * 3600 + m * 60 + s + frac / scale;
  return k < end ? k + 1 : k;
}

/** Without a timestamp (header line 1 of some logs, pasted fragments) the message starts after blanks and `>`. */
function skipBlank(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end && (buf[i] === 32 || buf[i] === 9 || buf[i] === 62 /* > */)) i++;
  return i;
}

/** Is the message at `buf[p, end)` one the parser reads? Dispatch on the first byte; no allocation. */
export function wantsMessage(buf: Uint8Array, p: number, end: number): boolean {
  if (p >= end) return false;
  switch (buf[p]) {
    case 84: // T: `TM: …`, `TMR3UtcNow: …`
      return buf[p + 1] === 77;
    case 71: // G: `GIM…`, `Gst:`, `Guest OS type`
      return at(buf, p, end, GIM) || at(buf, p, end, GST) || at(buf, p, end, GUEST_OS);
    case 72: // H
      return at(buf, p, end, HST);
    case 70: // F
      return at(buf, p, end, FULL_NAME);
    case 86: // V: header, `VMMDev: Guest Additions information report`, forwarded time-sync lines
      if (at(buf, p, end, VIRTUALBOX)) return true;
      if (!at(buf, p, end, VMMDEV_GUEST)) return false;
      {
        const q = p + VMMDEV_GUEST.length;
        if (buf[q] === 65 /* A */) return at(buf, q, end, ADDITIONS_INFO);
        return at(buf, q, end, LOG) && hasTimeSync(buf, q, end);
      }
    case 76: // L
      return at(buf, p, end, LOG_OPENED);
    case 79: // O
      return at(buf, p, end, OS_PRODUCT) || at(buf, p, end, OS_RELEASE);
    case 69: // E
      return at(buf, p, end, EXTRADATA);
    case 80: // P
      return at(buf, p, end, PAUSING);
    case 82: // R
      return at(buf, p, end, RESUMING);
    case 42: // * — CFGM / CPUID dump banners
      return true;
    case 91: // [ — CFGM node `[/TM/] (level 1)`
      return buf[p + 1] === 47;
    case 32: {
      // CFGM keys and extradata overrides are indented by two spaces; keep only initials we read:
      // Name/NumCPUs, Provider, TSC…, WarpDrivePercentage, GetHostTimeDisabled, VBoxInternal/….
      if (buf[p + 1] !== 32) return false;
      const c = buf[p + 2];
      return c === 78 || c === 80 || c === 84 || c === 87 || c === 71 || c === 86;
    }
    default:
      return false;
  }
}
