/**
 * ntpd as users paste it → NtpFacts. Pure. Line rules tried in order:
 * - `ntpq -p` / `-pn` (header, `=====` rule, rows with their tally codes) and ntpq's "no answer" lines,
 * - `ntpstat` (its three lines, `unsynchronised`, `Unable to talk to NTP daemon`),
 * - `systemctl status ntp|ntpd|ntpsec`'s header and `Active:` line,
 * - log lines tagged `ntpd[pid]:` / `ntpdate[pid]:` (journal, syslog, ntpd's own logfile, a container's
 *   `ntp_1 | …` column — the router removes that), and untagged messages only ntpd or ntpdate writes.
 */
import type { KindParser, LineRef } from '../kind.js';
import type { NtpEvent, NtpFacts, NtpPeer, NtpStat } from './facts.js';
import { isAsciiSpace } from '../text/bytes.js';
import { excerpt } from '../text/lines.js';
import { CappedList } from '../text/capped.js';
import { PROGRAM, StartWords, programsIn, skipBlanks } from '../text/needles.js';
import { UnitWatch, matchMessage, splitDaemonLine } from '../text/daemon-log.js';
import { NTP_MESSAGES, NTPDATE_MESSAGES, hasPanicGate, type NtpMessage } from './log.js';
import { NTPQ_NO_ANSWER, PEERS_HEADER, PEERS_RULE, ntpstatLine, peerRow } from './tables.js';

interface State {
  count: number;
  version: string | null;
  commandLine: string | null;
  peers: NtpPeer[];
  /** The rows' indentation below the last header, or null without one. */
  indent: number | null;
  ruleAllowed: boolean;
  ntpqNoAnswer: LineRef | null;
  ntpstat: NtpStat | null;
  events: CappedList<NtpEvent>;
  /** `systemctl status ntp|ntpd|ntpsec`'s lines. */
  unit: UnitWatch;
  unitActive: NtpFacts['unitActive'];
  refs: Record<string, LineRef>;
}

type Rule = (s: State, line: string, lineNo: number) => boolean;

const ref = (line: string, lineNo: number): LineRef => ({ line: lineNo, excerpt: excerpt(line) });
const NTPD_PROGRAMS = new Set(['ntpd', 'ntp', 'ntpsec']);

function peers(s: State, line: string, lineNo: number): boolean {
  const h = PEERS_HEADER.exec(line);
  if (h !== null) {
    s.peers = [];
    s.indent = Math.max(0, h[1]!.length - 5);
    s.ruleAllowed = true;
    return true;
  }
  if (s.ruleAllowed && PEERS_RULE.test(line)) { s.ruleAllowed = false; return true; }
  if (NTPQ_NO_ANSWER.test(line)) { s.ntpqNoAnswer = ref(line, lineNo); return true; }
  const row = peerRow(line, lineNo, s.indent);
  if (row === null) return false;
  s.peers.push(row);
  return true;
}

function ntpstat(s: State, line: string, lineNo: number): boolean {
  const r = ntpstatLine(line, lineNo, s.ntpstat);
  if (r === null) return false;
  if ('start' in r) s.ntpstat = r.start;
  else if (s.ntpstat !== null) Object.assign(s.ntpstat, r.add);
  return true;
}

function unit(s: State, line: string): boolean {
  const r = s.unit.read(line);
  if (r === null || r === 'below') return false;
  if (r !== 'header') s.unitActive = r;
  return true;
}

function record(s: State, line: string, lineNo: number, program: 'ntpd' | 'ntpdate', msg: NtpMessage, d: ReturnType<typeof splitDaemonLine>): void {
  if (msg.version !== undefined && s.version === null) { s.version = msg.version; s.refs.version = ref(line, lineNo); }
  if (msg.commandLine !== undefined) { s.commandLine = msg.commandLine; s.refs.commandLine = ref(line, lineNo); }
  s.events.push({
    ...ref(line, lineNo), kind: msg.kind, program, seconds: msg.seconds ?? null, ppm: msg.ppm ?? null, status: msg.status ?? null,
    subject: msg.subject ?? null, stamp: d.stamp, epochSeconds: d.epochSeconds, pid: d.pid,
  });
}

function log(s: State, line: string, lineNo: number): boolean {
  const d = splitDaemonLine(line);
  const ntpd = d.program !== null && NTPD_PROGRAMS.has(d.program);
  const ntpdate = d.program === 'ntpdate';
  if (d.program !== null && !ntpd && !ntpdate) return false;
  const tables = ntpdate ? [NTPDATE_MESSAGES] : ntpd ? [NTP_MESSAGES] : [NTP_MESSAGES, NTPDATE_MESSAGES];
  for (const t of tables) {
    const hit = matchMessage(t, d.msg);
    if (hit === null || (d.program === null && !hit.alone)) continue;
    record(s, line, lineNo, t === NTPDATE_MESSAGES ? 'ntpdate' : 'ntpd', hit.event, d);
    return true;
  }
  if (d.program === null) return false;
  record(s, line, lineNo, ntpdate ? 'ntpdate' : 'ntpd', { kind: 'other' }, d);
  return true;
}

const RULES: readonly Rule[] = [peers, ntpstat, (s, l) => unit(s, l), log];

/** Words a line of ntpd's starts with when no tag names it: ntpq's and ntpstat's lines, ntpd's lone messages. */
const STARTS = new StartWords(
  'remote', '=====', 'synchroni', 'unsynchroni', 'time correct', 'polling server', 'time server re-starting', 'Unable to talk',
  'frequency error', 'kernel reports', 'time correction', 'time reset', 'time set', 'time slew', '0.0.0.0 ', 'no servers', 'kernel time sync',
  'step-systime', 'exiting on signal', 'step time server', 'adjust time server', 'no server suitable', 'localhost: timed out', '***Request',
  'CLOCK: ',
);

/**
 * Could the line be an `ntpq -p` row: ten or more fields, the last three numbers (delay, offset,
 * jitter: `0.417 0.011 0.058`, and with no decimals when large, as an offset of `5602174` ms is
 * printed)? A necessary condition for tables.ts `peerRow`, whose fields are `-?\d+(?:\.\d+)?`; a
 * non-ASCII byte (a Unicode space `\s` would split on) answers yes, for the pattern to decide.
 */
function mayBePeerRow(buf: Uint8Array, start: number, end: number): boolean {
  let i = end - 1;
  let fields = 0;
  while (fields < 10) {
    while (i >= start && isAsciiSpace(buf[i])) i--;
    if (i < start) return false;
    let digits = 0;
    let other = false;
    for (; i >= start && !isAsciiSpace(buf[i]); i--) {
      const c = buf[i]!;
      if (c >= 0x80) return true;
      if (c >= 48 && c <= 57) digits++;
      else if (c !== 46 && c !== 45) other = true;
    }
    if (fields < 3 && (other || digits === 0)) return false;
    fields++;
  }
  return true;
}

/** The byte pre-filter: false only for lines no rule could take in the parser's current state. */
function wants(s: State, buf: Uint8Array, start: number, end: number): boolean {
  if (s.indent !== null || s.unit.open) return true;
  const i = skipBlanks(buf, start, end);
  if (i >= end) return false;
  return STARTS.at(buf, i, end) || mayBePeerRow(buf, i, end) || (programsIn(buf, start, end) & PROGRAM.ntp) !== 0;
}

/** A parser for the ntpd lines of a text. */
export function createNtpParser(path: string | null = null): KindParser<NtpFacts> {
  const s: State = {
    count: 0, version: null, commandLine: null, peers: [], indent: null, ruleAllowed: false, ntpqNoAnswer: null, ntpstat: null,
    events: new CappedList(), unit: new UnitWatch(/^(?:ntpd?|ntpsec|ntpdate)$/), unitActive: null, refs: {},
  };
  return {
    wants: (buf, start, end) => wants(s, buf, start, end),
    // Outside its table: lines naming ntp (a peer row, ending in three numbers, is never settled).
    quietOnDaemon: () => s.indent === null && !s.unit.open,
    daemonWords: ['ntp'],
    prompt() {
      s.ruleAllowed = false;
      s.indent = null;
    },
    push(line, lineNo) {
      if (line.trim() === '') return;
      for (const r of RULES) {
        if (r(s, line, lineNo)) { s.count++; return; }
      }
      // A line no rule takes ends the ntpq table: rows below another header are read afresh.
      s.indent = null;
    },
    recognised: () => s.count,
    finish: () => ({
      path, refs: s.refs, version: s.version, commandLine: s.commandLine, panicGate: s.commandLine === null ? null : hasPanicGate(s.commandLine),
      peers: s.peers, ntpqNoAnswer: s.ntpqNoAnswer, ntpstat: s.ntpstat, events: s.events.toArray(), unitActive: s.unitActive,
    }),
  };
}
