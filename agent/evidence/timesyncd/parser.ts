/**
 * systemd-timesyncd as users paste it → TimesyncdFacts. Pure. Its messages by systemd version:
 * `Synchronized to time server X (name).` (< 241), `… for the first time …` (241–242), `Initial
 * synchronization to time server X (name).` (243–251), `Contacted time server X (name).` and
 * `Initial clock synchronization to <time>.` (≥ 252); `Timed out waiting for reply from X (name).`,
 * `Network configuration changed, trying to establish connection.`, `No network connectivity, watching
 * for changes.`, `System clock time unset or jumped backwards, restoring from recorded timestamp: …`,
 * `Server has too large root distance. Disconnecting.`; systemd's `Started Network Time
 * Synchronization.` for its unit; `systemctl status`'s `Status: "…"` line repeats the latest.
 */
import type { KindParser, LineRef } from '../kind.js';
import type { TimesyncdEvent, TimesyncdEventKind, TimesyncdFacts } from './facts.js';
import { excerpt } from '../text/lines.js';
import { CappedList } from '../text/capped.js';
import { PROGRAM, StartWords, programsIn, skipBlanks } from '../text/needles.js';
import { UnitWatch, matchMessage, splitDaemonLine, type MessageRule } from '../text/daemon-log.js';

interface Msg { kind: TimesyncdEventKind; subject?: string | null }

const SERVER = String.raw`(\S+ \([^)]*\))\.?`;

export const TIMESYNCD_MESSAGES: readonly MessageRule<Msg>[] = [
  { re: new RegExp(String.raw`^(?:Synchronized to time server (?:for the first time )?|Initial synchronization to time server )${SERVER}`), alone: true, make: (m) => ({ kind: 'synchronised', subject: m[1]! }) },
  { re: /^Initial clock synchronization to (.+?)\.?\s*$/, alone: true, make: (m) => ({ kind: 'synchronised', subject: m[1]! }) },
  { re: new RegExp(String.raw`^Contacted time server ${SERVER}`), alone: true, make: (m) => ({ kind: 'contacted', subject: m[1]! }) },
  { re: new RegExp(String.raw`^Timed out waiting for reply from ${SERVER}`), alone: true, make: (m) => ({ kind: 'timeout', subject: m[1]! }) },
  { re: /^Network configuration changed, trying to establish connection\.?/, alone: true, make: () => ({ kind: 'network-changed' }) },
  { re: /^No network connectivity, watching for changes\.?/, alone: true, make: () => ({ kind: 'no-network' }) },
  { re: /^System clock time unset or jumped backwards, restoring(?: from recorded timestamp)?:? ?(.*?)\s*$/, alone: true, make: (m) => ({ kind: 'clock-restored', subject: m[1] || null }) },
  { re: /^Server has too large root distance\. Disconnecting\.?/, alone: true, make: () => ({ kind: 'root-distance' }) },
  { re: /^Failed to .*$/, alone: false, make: (m) => ({ kind: 'error', subject: m[0] }) },
];

/** systemd's lines about the unit (its description is `Network Time Synchronization`). */
const UNIT_LINE = /^(Starting|Started|Stopping|Stopped) (?:systemd-timesyncd\.service - )?Network Time Synchronization\.*\s*$/;
const STATUS_LINE = /^\s*Status: "(.*)"\s*$/;

interface State { count: number; events: CappedList<TimesyncdEvent>; unit: UnitWatch; unitActive: TimesyncdFacts['unitActive'] }

function event(s: State, line: string, lineNo: number, kind: TimesyncdEventKind, subject: string | null, d: ReturnType<typeof splitDaemonLine> | null): void {
  s.events.push({ line: lineNo, excerpt: excerpt(line), kind, subject, stamp: d?.stamp ?? null, epochSeconds: d?.epochSeconds ?? null, pid: d?.pid ?? null });
}

function unit(s: State, line: string, lineNo: number): boolean {
  const r = s.unit.read(line);
  if (r === null) return false;
  if (r === 'header') return true;
  if (r !== 'below') { s.unitActive = r; return true; }
  // `Status: "…"` repeats the daemon's latest message.
  const st = STATUS_LINE.exec(line);
  const hit = st === null ? null : matchMessage(TIMESYNCD_MESSAGES, st[1]!);
  if (hit === null) return false;
  event(s, line, lineNo, hit.event.kind, hit.event.subject ?? null, null);
  return true;
}

function log(s: State, line: string, lineNo: number): boolean {
  const d = splitDaemonLine(line);
  if (d.program === 'systemd' && UNIT_LINE.test(d.msg)) {
    event(s, line, lineNo, /^Start/.test(d.msg) ? 'unit-started' : 'unit-stopped', null, d);
    return true;
  }
  if (d.program !== null && d.program !== 'systemd-timesyncd') return false;
  const hit = matchMessage(TIMESYNCD_MESSAGES, d.msg);
  if (d.program === null && (hit === null || !hit.alone)) return false;
  event(s, line, lineNo, hit?.event.kind ?? 'other', hit?.event.subject ?? null, d);
  return true;
}

/** Its messages, when no tag names it. */
const STARTS = new StartWords(
  'Synchronized to time server', 'Initial synchronization', 'Initial clock synchronization', 'Contacted time server', 'Timed out waiting',
  'Network configuration changed', 'No network connectivity', 'System clock time unset', 'Server has too large',
);

function wants(s: State, buf: Uint8Array, start: number, end: number): boolean {
  if (s.unit.open) return true;
  const i = skipBlanks(buf, start, end);
  return i < end && (STARTS.at(buf, i, end) || (programsIn(buf, start, end) & (PROGRAM.timesyncd | PROGRAM.timeSynchronization)) !== 0);
}

/** A parser for the systemd-timesyncd lines of a text. */
export function createTimesyncdParser(path: string | null = null): KindParser<TimesyncdFacts> {
  const s: State = { count: 0, events: new CappedList(), unit: new UnitWatch(/^systemd-timesyncd$/, 10), unitActive: null };
  return {
    wants: (buf, start, end) => wants(s, buf, start, end),
    quietOnDaemon: () => !s.unit.open,
    daemonWords: ['timesyncd', 'Time Synchronization'],
    push(line, lineNo) {
      if (line.trim() === '') return;
      if (unit(s, line, lineNo) || log(s, line, lineNo)) s.count++;
    },
    recognised: () => s.count,
    finish: () => ({ path, refs: {} as Record<string, LineRef>, events: s.events.toArray(), unitActive: s.unitActive }),
  };
}
