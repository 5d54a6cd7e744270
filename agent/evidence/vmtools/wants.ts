/**
 * The VMware Tools pre-filter: which raw lines `push` (parser.ts) could act on without state, decided
 * on their bytes, so the lines of a big kernel log or syslog are not decoded and split for it. Pure.
 *
 * `splitLine` trims the line and reads, at its start: a journal/syslog prefix naming vmtoolsd (its
 * stamp, one host word, the program), a bare `vmtoolsd[pid]: `, or vmtoolsd's own `[stamp] [level]
 * [domain]` / `[level] [domain]`; a line with none of them matters only when its message is one only
 * the timeSync plugin prints. (tools.conf and `vmware-toolbox-cmd` output depend on state: parser.ts.)
 */
import { afterIsoStamp, isAsciiSpace, skipSpace, startsWithMonth } from '../text/bytes.js';
import { StartWords } from '../text/needles.js';

/** The programs JOURNAL and BARE_PROG name, by their common start (`vmtoolsd`, `vmsvc`, `vmusr`, `vmware-vmsvc`, `vmware-user`). */
/** Its programs' names, as journal tags (also the words that make a syslog line matter to it). */
export const VMTOOLS_PROGRAMS: readonly string[] = ['vmtoolsd', 'vmsvc', 'vmusr', 'vmware-vmsvc', 'vmware-user'];
const PROGRAM = new StartWords(...VMTOOLS_PROGRAMS);
/** The first words of the distinctive timeSync messages (MESSAGES in parser.ts). */
const BARE = new StartWords(
  'One time synchronization: ', 'Periodic synchronization: ', 'Time changed by ', 'Starting time sync loop', 'Stopping time sync loop',
  'All time synchronization is disabled', 'Periodic time synchronization is disabled', 'Guest resync: stepping time', 'Using BDOOR_CMD_GETTIME',
  'BDOOR_CMD_GETTIME',
);
/** `[level]` right after `[` and any whitespace (TOOL_NO_STAMP), by first letter. */
const LEVEL = new StartWords('debug]', 'info]', 'message]', 'warning]', 'critical]', 'error]');
const TIMESYNC_HEADER = new StartWords('[timeSync]');
const DISABLE = new StartWords('disable-');

const SP = 32;
const isDigit = (b: number | undefined): boolean => b !== undefined && b >= 48 && b <= 57;

/** After `Oct 03 19:52:41.393 ` or `2018-02-22T21:17:38.517Z `: one host word, then does a vmtoolsd program follow? */
function journalProgram(buf: Uint8Array, i: number, end: number): boolean {
  if (i >= end || buf[i] !== SP) return false;
  let h = i + 1;
  while (h < end && !isAsciiSpace(buf[h]!)) h++;
  return h < end && buf[h] === SP && PROGRAM.at(buf, h + 1, end);
}

/** The legacy journal stamp `Mon [ \d]\d HH:MM:SS(.f+)?` at `p` (its month already seen). */
function legacyJournal(buf: Uint8Array, p: number, end: number): boolean {
  let i = p + 15;
  if (buf[i] === 46 /* . */) { i++; while (i < end && isDigit(buf[i])) i++; }
  return journalProgram(buf, i, end);
}

/** The ISO journal stamp `YYYY-MM-DD[T ]HH:MM:SS([.,]f+)?(Z|±HH:?MM)?` at `p`. */
function isoJournal(buf: Uint8Array, p: number, end: number): boolean {
  const i = afterIsoStamp(buf, p, end);
  return i >= 0 && journalProgram(buf, i, end);
}

/** `[stamp] [ level]` (TOOL), `[ level]` (TOOL_NO_STAMP) or tools.conf's `[timeSync]` header at `p`. */
function bracketed(buf: Uint8Array, p: number, end: number): boolean {
  if (TIMESYNC_HEADER.at(buf, p, end) || LEVEL.at(buf, skipSpace(buf, p + 1, end), end)) return true;
  let k = p + 1;
  while (k < end && buf[k] !== 93 /* ] */) k++;
  // Not a kernel line's `[    2.345] [drm] …`: the second bracket holds one of vmtoolsd's levels.
  return k > p + 1 && k + 2 < end && buf[k + 1] === SP && buf[k + 2] === 91 /* [ */ && LEVEL.at(buf, skipSpace(buf, k + 3, end), end);
}

/** Could `push` act on this line, whatever the state? */
export function vmtoolsLine(buf: Uint8Array, start: number, end: number): boolean {
  const p = skipSpace(buf, start, end);
  if (p >= end) return false;
  const b = buf[p]!;
  if (b === 91) return bracketed(buf, p, end);
  if (isDigit(b)) return isoJournal(buf, p, end);
  if (startsWithMonth(buf, p, end) && legacyJournal(buf, p, end)) return true;
  return PROGRAM.at(buf, p, end) || BARE.at(buf, p, end);
}

/** Inside tools.conf's `[timeSync]` section: a header (which may close it) or a `disable-…` key. */
export function timeSyncSectionLine(buf: Uint8Array, start: number, end: number): boolean {
  const p = skipSpace(buf, start, end);
  return p < end && (buf[p] === 91 || DISABLE.at(buf, p, end));
}
