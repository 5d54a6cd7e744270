/**
 * `ntpq -p` / `ntpq -pn` tables and `ntpstat` (ntpq docs; ntpstat's messages). Pure.
 *
 *          remote           refid      st t when poll reach   delay   offset  jitter
 *     ==============================================================================
 *     *zg1.ntp.CARNet. 161.53.123.8     2 u  117 1024  377    0.417    0.011   0.058
 *      tack.Informatik .STEP.          16 u    - 1024    0    0.000    0.000   0.000
 *
 * The tally code is the row's first character (a space for a rejected peer), so a row is read
 * relative to the header's indentation when the paste indented the table.
 */
import type { NtpPeer, NtpStat, NtpTally } from './facts.js';
import { excerpt } from '../text/lines.js';

export const PEERS_HEADER = /^(\s*)remote\s+refid\s+st\s+t\s+when\s+poll\s+reach\s+delay\s+offset\s+(?:jitter|disp)\s*$/;
export const PEERS_RULE = /^\s*={30,}\s*$/;

const TALLY: Record<string, NtpTally> = { '*': 'sys.peer', o: 'pps.peer', '+': 'candidate', '#': 'backup', '-': 'outlier', x: 'falseticker', '.': 'excess', ' ': 'reject' };
const REST = /^(\S+)\s+(\S+)\s+(\d+)\s+([ulmbBMsSpaAr*-])\s+(\d+[mhd]?|-)\s+(\d+[mhd]?)\s+([0-7]{1,3})\s+(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s*$/;

function interval(t: string): number | null {
  const m = /^(\d+)([mhd]?)$/.exec(t);
  return m === null ? null : Number(m[1]) * ({ '': 1, m: 60, h: 3600, d: 86_400 } as Record<string, number>)[m[2]!]!;
}

/**
 * A row of `ntpq -p`, or null. `indent` is the column the header's rows start at (the header line's
 * indentation minus ntpq's own 5 spaces), or null when no header was seen.
 */
export function peerRow(line: string, lineNo: number, indent: number | null): NtpPeer | null {
  const lead = /^\s*/.exec(line)![0].length;
  let at = indent ?? 0;
  // Without a header, a row that starts with a tally sign other than a letter tells its own indentation.
  if (indent === null && lead > 0 && '*+#-.'.includes(line[lead] ?? '')) at = lead;
  else if (indent === null && lead > 0) at = lead - 1;
  if (at < 0 || at >= line.length || line.slice(0, at).trim() !== '') return null;
  const tally = TALLY[line[at]!];
  const m = REST.exec(line.slice(at + 1));
  if (tally === undefined || m === null) return null;
  return {
    line: lineNo, excerpt: excerpt(line), tally, remote: m[1]!, refid: m[2]!, stratum: Number(m[3]), type: m[4]!,
    whenSeconds: interval(m[5]!), pollSeconds: interval(m[6]!), reach: Number.parseInt(m[7]!, 8),
    delayMs: Number(m[8]), offsetMs: Number(m[9]), jitterMs: Number(m[10]),
  };
}

/** `ntpq: read: Connection refused`, `localhost: timed out, nothing received`, `***Request timed out`. */
export const NTPQ_NO_ANSWER = /^\s*(?:ntpq: read: Connection refused|\S+: timed out, nothing received|\*\*\*Request timed out)\s*$/;

const SYNCED = /^\s*synchroni[sz]ed to (.+?) at stratum (\d+)\s*$/;
const UNSYNCED = /^\s*unsynchroni[sz]ed\s*$/;
const WITHIN = /^\s*time correct to within (\d+) ms\s*$/;
const POLLING = /^\s*polling server every (\d+) s\s*$/;
const RESTARTING = /^\s*time server re-starting\s*$/;
const NO_DAEMON = /^\s*Unable to talk to NTP daemon\. Is it running\?\s*$/;

/** One line of `ntpstat`: the status it starts (a new NtpStat) or the detail it adds; null when not ntpstat's. */
export function ntpstatLine(line: string, lineNo: number, current: NtpStat | null): { start: NtpStat } | { add: Partial<NtpStat> } | null {
  const base = { line: lineNo, excerpt: excerpt(line), server: null, stratum: null, withinMs: null, pollSeconds: null, noDaemon: false };
  const s = SYNCED.exec(line);
  if (s !== null) return { start: { ...base, synchronised: true, server: s[1]!, stratum: Number(s[2]) } };
  if (UNSYNCED.test(line)) return { start: { ...base, synchronised: false } };
  if (NO_DAEMON.test(line)) return { start: { ...base, synchronised: false, noDaemon: true } };
  if (current === null) return null;
  const w = WITHIN.exec(line);
  if (w !== null) return { add: { withinMs: Number(w[1]) } };
  const p = POLLING.exec(line);
  if (p !== null) return { add: { pollSeconds: Number(p[1]) } };
  return RESTARTING.test(line) ? { add: {} } : null;
}
