/**
 * The vmware.log pre-filter: which raw lines `push` (parser.ts) could act on, decided on their bytes,
 * so the lines of a big kernel log or syslog are not decoded and run through the stamp regexes for
 * it. No state: a line counts when it has one of VMware's stamp shapes (prefix.ts) or, without one,
 * when its message is one only VMware prints (rules.ts `distinctive`). Pure.
 *
 * Every test is a superset of its regex, anchored where `splitVmwareLine` starts (the line with its
 * leading whitespace trimmed): the first byte picks the shape, a few bytes confirm it.
 */
import { afterIsoStamp, skipSpace, startsWithMonth } from '../text/bytes.js';
import { StartWords } from '../text/needles.js';

/** `vmx| msg`: a paste that kept only the thread column (THREAD_ONLY). */
const THREADS = new StartWords('vmx|', 'vmx-vcpu-', 'vcpu-', 'mks|', 'svga|', 'Worker#');
/** The first words of the distinctive messages (rules.ts), read even without a stamp. */
const BARE = new StartWords(
  'Log for VMware ', 'HOST sysname ', 'HOSTINFO', 'VMMon_', 'TSC ', 'PTSC: ', 'Disabling TSC scaling', 'TimeTracker host to guest ',
  'timeTracker.', 'ConfigDB: Setting ', 'TOOLS ', 'VMXVmdb_SetToolsVersionStat', 'Monitor Mode: ', 'IOPL_Init: Hyper-V',
  'Syncing WHP TSCs', 'Transitioned vmx/execState/val to ', 'SUSPEND: Completed suspend', 'SnapshotVMX_TakeSnapshot start',
  'Checkpoint_Unstun: ',
);

const isDigit = (b: number | undefined): boolean => b !== undefined && b >= 48 && b <= 57;

/** `2014-08-17T15:14:38.716+01:00| vmx| ` or `2023-09-04T18:43:24.698Z In(05) vmx `: the ISO stamp, then `|` or a level tag. */
function isoStamped(buf: Uint8Array, p: number, end: number): boolean {
  const i = afterIsoStamp(buf, p, end);
  if (i < 0 || i >= end) return false;
  return buf[i] === 124 /* | */ || (buf[i] === 32 && buf[i + 3] === 40 /* ( */);
}

/** Could `push` act on this line? */
export function vmwareWants(buf: Uint8Array, start: number, end: number): boolean {
  const p = skipSpace(buf, start, end);
  if (p >= end) return false;
  if (isDigit(buf[p])) return isoStamped(buf, p, end);
  // `Apr 18 00:25:37.105: vmx| ` (legacy): a month, then the clock ends in `:` or `.` at 15 bytes in.
  if (startsWithMonth(buf, p, end) && p + 15 < end && (buf[p + 15] === 58 || buf[p + 15] === 46)) return true;
  return THREADS.at(buf, p, end) || BARE.at(buf, p, end);
}
