/**
 * VMware Tools evidence → VmtoolsFacts, as a streaming KindParser. Pure.
 *
 * Line families (wording from open-vm-tools: services/plugins/timeSync/timeSync.c, libvmtools/vmtoolsLog.c,
 * toolbox/toolboxcmd-time.c, tools.conf):
 * - vmtoolsd's own log lines, `[stamp] [   level] [domain] message` — the stamp is the local
 *   `Oct 03 18:55:19.393` up to 2018 and UTC `2018-02-22T21:17:38.517Z` after (with a `[thread]`) —
 *   alone (vmware-vmsvc.log) or behind a journal/syslog prefix `Oct 03 19:52:41 host vmtoolsd[17119]: `;
 * - the output of `vmware-toolbox-cmd timesync status` (`Enabled` / `Disabled`) and `-v`;
 * - tools.conf's `[timeSync]` section (`disable-all`, `disable-periodic`).
 * A line counts when it is vmtoolsd's (its journal prefix or its log format) or, pasted bare, when
 * its message is one only the timeSync plugin prints.
 */
import type { KindParser, LineContext, LineRef } from '../kind.js';
import { ParseError } from '../../errors.js';
import { excerpt } from '../text/lines.js';
import { safeInt, safeSignedInt } from '../../util/numbers.js';
import type { VmtoolsFacts, VmtoolsSyncEvent, VmtoolsSyncKind } from './facts.js';
import { timeSyncSectionLine, VMTOOLS_PROGRAMS, vmtoolsLine } from './wants.js';

const MAX_EVENTS = 1000;
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const LEGACY_STAMP = `${MONTH} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?`;
const ISO_STAMP = '\\d{4}-\\d\\d-\\d\\d[T ]\\d\\d:\\d\\d:\\d\\d(?:[.,]\\d+)?(?:Z|[+-]\\d\\d:?\\d\\d)?';
/** `Oct 03 19:52:41 host vmtoolsd[17119]: …` and the ISO shapes of journalctl -o short-iso(-precise). */
const JOURNAL = new RegExp(`^(${LEGACY_STAMP}|${ISO_STAMP}) \\S+ (vmtoolsd|vmsvc|vmusr|vmware-vmsvc|vmware-user)(?:\\[(\\d+)\\])?: ?(.*)$`);
const BARE_PROG = /^(vmtoolsd|vmsvc|vmusr)(?:\[(\d+)\])?: (.*)$/;
/** vmtoolsd's own format; `cached at` marks lines logged before the log file was open. */
const TOOL = /^\[(?:cached at )?([^\]]+)\] \[\s*(debug|info|message|warning|critical|error)\] \[([\w:.-]+)\](?: \[\d+\])? ?(.*)$/;
const TOOL_NO_STAMP = /^\[\s*(debug|info|message|warning|critical|error)\] \[([\w:.-]+)\](?: \[\d+\])? ?(.*)$/;

interface MessageRule { re: RegExp; kind: VmtoolsSyncKind; distinctive: boolean }

/** timeSync messages, most specific first; `distinctive` ones count even pasted without a prefix. */
export const MESSAGES: readonly MessageRule[] = [
  { re: /^One time synchronization: stepping time/, kind: 'one-time-step', distinctive: true },
  { re: /^One time synchronization: correction not needed/, kind: 'one-time-not-needed', distinctive: true },
  { re: /^Periodic synchronization: stepping time/, kind: 'periodic-step', distinctive: true },
  { re: /^Periodic synchronization: slewing time/, kind: 'periodic-slew', distinctive: true },
  { re: /^Time changed by -?\d+us from/, kind: 'time-changed', distinctive: true },
  { re: /^Starting time sync loop/, kind: 'loop-start', distinctive: true },
  { re: /^Stopping time sync loop/, kind: 'loop-stop', distinctive: true },
  { re: /^(?:All|Periodic) time synchronization is disabled/, kind: 'sync-disabled', distinctive: true },
  { re: /^Guest resync: stepping time/, kind: 'guest-resync', distinctive: true },
  { re: /^Using BDOOR_CMD_GETTIME/, kind: 'backdoor', distinctive: true },
  { re: /^BDOOR_CMD_GETTIME\w* not supported/, kind: 'backdoor', distinctive: true },
  { re: /^(?:Unable to|Failed to|Invalid host OS time)/, kind: 'error', distinctive: false },
];

const LEGACY_MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/** A stamp as milliseconds and whether it carries its zone (legacy and zone-less ISO stamps are local). */
function stampMs(stamp: string): { ms: number; zoned: boolean; legacy: boolean } | null {
  const l = /^(\w{3}) ([ \d]\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(stamp.trim());
  if (l !== null) {
    const month = LEGACY_MONTHS[l[1] ?? ''];
    if (month === undefined) return null;
    const frac = Number(`0.${l[6] ?? '0'}`) * 1000;
    return { ms: Date.UTC(2000, month, Number(l[2]), Number(l[3]), Number(l[4]), Number(l[5])) + frac, zoned: false, legacy: true };
  }
  const zoned = /(?:Z|[+-]\d\d:?\d\d)$/.test(stamp);
  const ms = Date.parse(stamp.replace(' ', 'T').replace(',', '.').replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  return Number.isFinite(ms) ? { ms, zoned, legacy: false } : null;
}

const YEAR_MS = 366 * 86_400_000;

/** Journal stamp minus the tool's stamp, seconds, when both are read in the same zone; else null. */
export function stampDelta(journal: string | null, tool: string | null): number | null {
  if (journal === null || tool === null) return null;
  const j = stampMs(journal);
  const t = stampMs(tool);
  if (j === null || t === null) return null;
  // Both local (journal's short format and the old Tools stamp), or both with their zone.
  const comparable = (j.legacy && t.legacy) || (j.zoned && t.zoned) || (!j.zoned && !t.zoned);
  if (!comparable) return null;
  let d = j.ms - t.ms;
  // Month-day stamps have no year: a line logged on 31 Dec and received on 1 Jan.
  if (j.legacy && t.legacy && Math.abs(d) > YEAR_MS / 2) d -= Math.sign(d) * YEAR_MS;
  return Math.round(d) / 1000;
}

interface Split { journalStamp: string | null; pid: number | null; prog: boolean; toolStamp: string | null; domain: string | null; msg: string }

/** Peel the journal/syslog prefix and vmtoolsd's own prefix off a line. */
function splitLine(line: string): Split {
  let rest = line.trim();
  let journalStamp: string | null = null;
  let pid: number | null = null;
  let prog = false;
  const j = JOURNAL.exec(rest);
  const b = j === null ? BARE_PROG.exec(rest) : null;
  if (j !== null) { journalStamp = j[1] ?? null; pid = safeInt(j[3]); prog = true; rest = j[4] ?? ''; }
  else if (b !== null) { pid = safeInt(b[2]); prog = true; rest = b[3] ?? ''; }
  const t = TOOL.exec(rest);
  if (t !== null) return { journalStamp, pid, prog, toolStamp: t[1] ?? null, domain: t[3] ?? null, msg: (t[4] ?? '').trim() };
  const n = TOOL_NO_STAMP.exec(rest);
  if (n !== null) return { journalStamp, pid, prog, toolStamp: null, domain: n[2] ?? null, msg: (n[3] ?? '').trim() };
  return { journalStamp, pid, prog, toolStamp: null, domain: null, msg: rest };
}

const bool = (s: string): boolean | null => (/^(?:true|yes|1)$/i.test(s) ? true : /^(?:false|no|0)$/i.test(s) ? false : null);

export function createVmtoolsParser(path: string | null = null): KindParser<VmtoolsFacts> {
  const f: VmtoolsFacts = { path, refs: {}, version: null, periodicSync: null, disableAll: null, disablePeriodic: null, events: [], oneTimeSteps: 0, periodicSteps: 0, pids: [], clockMovedSeconds: null };
  let recognised = 0;
  let inTimeSyncSection = false;
  /** The last prompt ran vmware-toolbox-cmd: its output lines are read (commandOutput). */
  let toolbox = false;

  const addEvent = (kind: VmtoolsSyncKind, s: Split, ref: LineRef): void => {
    const amount = kind === 'time-changed' ? safeSignedInt(/^Time changed by (-?\d+)us/.exec(s.msg)?.[1]) : null;
    const ev: VmtoolsSyncEvent = { kind, pid: s.pid, journalStamp: s.journalStamp, toolStamp: s.toolStamp, stampDeltaSeconds: stampDelta(s.journalStamp, s.toolStamp), amountUs: amount, line: ref.line, excerpt: ref.excerpt };
    if (f.events.length < MAX_EVENTS) f.events.push(ev);
    else f.events[MAX_EVENTS - 1] = ev;
    if (kind === 'one-time-step') { f.oneTimeSteps++; f.refs.oneTimeSteps ??= ref; }
    if (kind === 'periodic-step') { f.periodicSteps++; f.refs.periodicSteps ??= ref; }
    if (kind === 'loop-start') { f.periodicSync = true; f.refs.periodicSync = ref; }
    if (kind === 'loop-stop') { f.periodicSync = false; f.refs.periodicSync = ref; }
    if (kind === 'sync-disabled') {
      if (s.msg.startsWith('All')) { f.disableAll = true; f.refs.disableAll = ref; } else { f.disablePeriodic = true; f.refs.disablePeriodic = ref; }
    }
    const d = ev.stampDeltaSeconds;
    if (d !== null && (f.clockMovedSeconds === null || Math.abs(d) > Math.abs(f.clockMovedSeconds))) { f.clockMovedSeconds = d; f.refs.clockMovedSeconds = ref; }
  };

  /** A timeSync message; true when this kind takes the line. */
  const message = (s: Split, ref: LineRef): boolean => {
    const ours = s.prog || s.domain !== null;
    const timeSync = s.domain === null || /timeSync/i.test(s.domain);
    if (s.pid !== null && !f.pids.includes(s.pid) && f.pids.length < 100) f.pids.push(s.pid);
    const rule = timeSync ? MESSAGES.find((r) => r.re.test(s.msg)) : undefined;
    if (rule !== undefined && (ours || rule.distinctive)) {
      addEvent(rule.kind, s, ref);
      return true;
    }
    return ours && (s.prog || /^(?:vmsvc|vmusr|vmtoolsd|timeSync)\b|:timeSync$|^vmtools/i.test(s.domain ?? ''));
  };

  /** `vmware-toolbox-cmd …` output and tools.conf lines. */
  const commandOutput = (line: string, ctx: LineContext | undefined, ref: LineRef): boolean => {
    const cmd = ctx?.command ?? '';
    const t = line.trim();
    if (/\bvmware-toolbox-cmd\b.*\btimesync\s+status\b/.test(cmd) && /^(?:Enabled|Disabled)$/.test(t)) {
      f.periodicSync = t === 'Enabled';
      f.refs.periodicSync = ref;
      return true;
    }
    if (/\bvmware-toolbox-cmd\b.*(?:\s-v\b|--version)/.test(cmd) && /^\d+\.\d+\.\d+(?:\.\d+)? \(build-\d+\)$/.test(t)) {
      f.version = t;
      f.refs.version = ref;
      return true;
    }
    return toolsConf(t, ref);
  };

  const toolsConf = (t: string, ref: LineRef): boolean => {
    const header = /^\[([^\]]+)\]$/.exec(t);
    if (header !== null) {
      inTimeSyncSection = header[1] === 'timeSync';
      return inTimeSyncSection;
    }
    if (!inTimeSyncSection) return false;
    const kv = /^(disable-all|disable-periodic)\s*=\s*(\S+)$/.exec(t);
    const v = kv ? bool(kv[2] ?? '') : null;
    if (kv === null || v === null) return false;
    if (kv[1] === 'disable-all') { f.disableAll = v; f.refs.disableAll = ref; } else { f.disablePeriodic = v; f.refs.disablePeriodic = ref; }
    return true;
  };

  return {
    wants: (buf, start, end) => toolbox || vmtoolsLine(buf, start, end) || (inTimeSyncSection && timeSyncSectionLine(buf, start, end)),
    // A syslog line is its only when the tag names one of its programs.
    quietOnDaemon: () => !toolbox && !inTimeSyncSection,
    daemonWords: VMTOOLS_PROGRAMS,
    push(line, lineNo, ctx) {
      const ref: LineRef = { line: lineNo, excerpt: excerpt(line) };
      const took = message(splitLine(line), ref) || commandOutput(line, ctx, ref);
      if (took) recognised++;
    },
    prompt(command, _host, lineNo, line) {
      toolbox = /\bvmware-toolbox-cmd\b/.test(command);
      if (!toolbox) return;
      recognised++;
      f.refs.command ??= { line: lineNo, excerpt: excerpt(line) };
    },
    recognised: () => recognised,
    finish() {
      if (recognised === 0) throw new ParseError('no VMware Tools (vmtoolsd) lines', null, path);
      return f;
    },
  };
}
