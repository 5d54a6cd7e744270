/**
 * The stamp and thread before a vmware.log message, in the shapes VMware has written over the years:
 *
 * - `legacy`    `Apr 18 00:25:37.105: vmx| msg` (Workstation ≤ 7, milliseconds optional: `Mar 26 04:54:54: vmx| msg`);
 * - `iso-pipe`  `2014-08-17T15:14:38.716+01:00| vmx| I120: msg` (Workstation 8–16, ESXi 5–7; the level tag optional);
 * - `iso-level` `2023-09-04T18:43:24.698Z In(05) vmx msg` (Workstation/Player 17, ESXi 8).
 *
 * A line in none of them is `bare` (pasted without stamps): it can still be a vmware.log message, but
 * only a message distinctive enough to be VMware's counts (rules.ts decides).
 */

export type VmwareLineShape = 'legacy' | 'iso-pipe' | 'iso-level' | 'bare';

export interface VmwareLine {
  shape: VmwareLineShape;
  /** Milliseconds on an arbitrary but consistent axis (legacy stamps have no year), or null. */
  ms: number | null;
  /** `vmx`, `vcpu-0`, `mks`, `Worker#0`, … or null for a bare line. */
  thread: string | null;
  msg: string;
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

const LEGACY = /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([ \d]\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{3}))?: ([\w#.\-]+(?: [\w#.\-]+)?)\| ?(.*)$/;
const ISO = '(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d{1,6})?(?:Z|[+-]\\d\\d:?\\d\\d))';
const ISO_PIPE = new RegExp(`^${ISO}\\| ([\\w#.\\-]+(?: [\\w#.\\-]+)?)\\| (?:[A-Z]\\d{3}: )?(.*)$`);
const ISO_LEVEL = new RegExp(`^${ISO} (?:In|No|Wa|Er|Db|Al|Cr|Vb)\\(\\d\\d\\) ([\\w#.\\-]+) ?(.*)$`);
/** A pasted line that kept only the thread column: `vmx| msg`, `vcpu-0| msg`. */
const THREAD_ONLY = /^(vmx|vcpu-\d+|mks|svga|Worker#\d+|vmx-vcpu-\d+)\| ?(.*)$/;

/** Legacy stamps on a leap year, so 29 Feb parses; only differences between stamps are used. */
function legacyMs(m: RegExpExecArray): number | null {
  const month = MONTHS[m[1] ?? ''];
  if (month === undefined) return null;
  const ms = Date.UTC(2000, month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  return Number.isFinite(ms) ? ms : null;
}

function isoMs(stamp: string): number | null {
  const ms = Date.parse(stamp.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  return Number.isFinite(ms) ? ms : null;
}

/** Split one line (leading blanks ignored) into its vmware.log prefix and message. */
export function splitVmwareLine(line: string): VmwareLine {
  const text = line.trimStart();
  let m = LEGACY.exec(text);
  if (m !== null) return { shape: 'legacy', ms: legacyMs(m), thread: m[7] ?? null, msg: (m[8] ?? '').trimEnd() };
  m = ISO_PIPE.exec(text);
  if (m !== null) return { shape: 'iso-pipe', ms: isoMs(m[1] ?? ''), thread: m[2] ?? null, msg: (m[3] ?? '').trimEnd() };
  m = ISO_LEVEL.exec(text);
  if (m !== null) return { shape: 'iso-level', ms: isoMs(m[1] ?? ''), thread: m[2] ?? null, msg: (m[3] ?? '').trimEnd() };
  m = THREAD_ONLY.exec(text);
  if (m !== null) return { shape: 'bare', ms: null, thread: m[1] ?? null, msg: (m[2] ?? '').trimEnd() };
  return { shape: 'bare', ms: null, thread: null, msg: text.trimEnd() };
}
