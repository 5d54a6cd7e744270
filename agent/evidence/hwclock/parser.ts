/**
 * `hwclock` output (util-linux `hwclock`, `--show`, `-r`, `--verbose`/`--debug`; busybox `hwclock`)
 * → HwclockFacts. Pure.
 *
 * What it prints (util-linux sys-utils/hwclock.c): since 2.32 the time as ISO 8601 with microseconds
 * and the zone (`2024-12-13 13:47:36.543026-03:00`); before, the locale's date and the delay it waited
 * (`Thu 12 Sep 2013 05:10:30 PM CEST  -0.500000 seconds`); busybox the C date and the same delay
 * without a zone. `--verbose` adds `System Time: <epoch>` (when it started) and `Hw clock time : … =
 * N seconds since 1969` (the RTC as an instant), which together say how far the RTC is from the system
 * clock. `timedatectl`'s `RTC time:` line is the timedatectl kind's, not this one's.
 */
import type { KindParser, LineContext, LineRef } from '../kind.js';
import type { HwclockFacts, HwclockReading } from './facts.js';
import { findReadings } from '../date/clock-text.js';
import { excerpt } from '../text/lines.js';
import { mayHoldReading, prefixTest } from '../text/bytes.js';

const MAX_READINGS = 200;

interface State {
  facts: HwclockFacts;
  recognised: number;
  /** The `System Time:` of the verbose run under way, until its RTC time is seen. */
  pendingSystem: number | null;
}

/** RTC and system time of one verbose run: the first pair in the text is kept. */
function pair(s: State, rtc: number | null, ref: LineRef): void {
  if (rtc === null || s.pendingSystem === null || s.facts.rtcMinusSystemSeconds !== null) return;
  s.facts.rtcMinusSystemSeconds = Math.round((rtc - s.pendingSystem) * 1e6) / 1e6;
  s.facts.refs.rtcMinusSystemSeconds = ref;
  s.pendingSystem = null;
}

type Rule = [RegExp, (s: State, m: RegExpExecArray, ref: LineRef) => void];

const num = (t: string | undefined): number | null => (t === undefined || !/^-?\d+(?:\.\d+)?$/.test(t) ? null : Number(t));

/** Lines of `hwclock --verbose` (and the older `--debug`), each setting one fact. */
const VERBOSE: readonly Rule[] = [
  [/^hwclock from util-linux[- ](?:ng[- ])?(\d[\w.-]*)/, (s, m) => { s.facts.version = m[1]!; }],
  [/^System Time:\s*(\d+(?:\.\d+)?)\s*$/, (s, m, ref) => {
    s.pendingSystem = num(m[1]);
    if (s.facts.systemTimeSeconds === null) { s.facts.systemTimeSeconds = s.pendingSystem; s.facts.refs.systemTimeSeconds = ref; }
  }],
  [/^Hw clock time\s*:\s*\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d = (-?\d+) seconds since 1969/, (s, m, ref) => {
    if (s.facts.rtcSeconds === null) { s.facts.rtcSeconds = num(m[1]); s.facts.refs.rtcSeconds = ref; }
    pair(s, num(m[1]), ref);
  }],
  [/^Hardware clock is on (UTC|local) time/, (s, m, ref) => { s.facts.rtcMode = m[1] === 'UTC' ? 'UTC' : 'local'; s.facts.refs.rtcMode = ref; }],
  [/^Assuming hardware clock is kept in (UTC|local) time/, (s, m, ref) => { s.facts.rtcMode = m[1] === 'UTC' ? 'UTC' : 'local'; s.facts.refs.rtcMode ??= ref; }],
  [/^Trying to open: (\/dev\/\S+)/, (s, m) => { s.facts.rtcDevice = m[1]!; }],
  [/^Using (?:the )?(?:rtc|\/dev|direct I\/O|direct ISA) interface to (?:the )?clock/, (s) => { s.facts.accessible = true; }],
  [/^(?:Time read from Hardware Clock|Last (?:drift adjustment|calibration) done at|Waiting for clock tick|\.\.\.got clock tick|Calculated Hardware Clock drift is|Time since last adjustment is|RTC type:|Using delay:|ioctl\(\d+, RTC_UIE_ON|Waiting in loop for time from|Not (?:setting|adjusting) |Needed adjustment is less than)/, () => undefined],
];

/** The verbose lines no other tool prints: enough to know the text is hwclock's without its prompt. */
const DISTINCT: readonly Rule[] = [VERBOSE[0]!, VERBOSE[2]!];

/** hwclock's complaints, which say the RTC is missing or not ticking (common in VMs). */
const ERRORS: readonly Rule[] = [
  [/^hwclock: Cannot access the Hardware Clock via any known method/, (s, _m, ref) => { s.facts.accessible = false; s.facts.errors.push(ref); }],
  [/^hwclock: (?:select\(\) to \S+ to wait for clock tick timed out|Timed out waiting for time change)/, (s, _m, ref) => { s.facts.tickTimedOut = true; s.facts.errors.push(ref); }],
  [/^hwclock: (?:ioctl\(RTC_RD_TIME\)|Cannot open \/dev\/\S+|open\(\/dev\/rtc|can't open '\/dev\/misc\/rtc'|The Hardware Clock registers contain values that are either invalid)/, (s, _m, ref) => { s.facts.errors.push(ref); }],
];

const isHwclock = (ctx: LineContext | undefined): boolean => ctx?.command !== null && ctx?.command !== undefined && /(?:^|[\s;&|/])hwclock\b/.test(ctx.command);

/** The time line: ISO with microseconds and a zone (2.32+), or a date followed by `-0.5 seconds`. */
function timeLine(line: string, underPrompt: boolean): HwclockReading | null {
  const t = line.trim();
  const rs = findReadings(t);
  if (rs.length !== 1) return null;
  const r = rs[0]!;
  const rest = (t.slice(0, r.start) + t.slice(r.end)).trim();
  const modern = r.form === 'iso' && rest === '' && /\.\d{6}/.test(r.text) && r.zone !== null;
  const old = /^-?\d+\.\d+ seconds$/.test(rest) && r.start === 0;
  if (!modern && !old && !(underPrompt && rest === '')) return null;
  return { line: 0, excerpt: '', text: r.text, wallSeconds: r.wall, epochSeconds: r.epoch, zone: r.zone, host: null, command: null };
}

function onLine(s: State, line: string, lineNo: number, ctx: LineContext | undefined): void {
  const ref = { line: lineNo, excerpt: excerpt(line) };
  const t = line.trim();
  for (const [re, act] of [...ERRORS, ...(isHwclock(ctx) || s.recognised > 0 ? VERBOSE : DISTINCT)]) {
    const m = re.exec(t);
    if (m !== null) { act(s, m, ref); s.recognised++; return; }
  }
  // Under another command's prompt a bare time is that command's (date, timedatectl).
  if (ctx?.command !== null && ctx?.command !== undefined && !isHwclock(ctx)) return;
  const r = timeLine(line, isHwclock(ctx));
  if (r === null) return;
  s.recognised++;
  if (s.facts.readings.length < MAX_READINGS) s.facts.readings.push({ ...r, ...ref, host: ctx?.host ?? null, command: ctx?.command ?? null });
  // The time a verbose run prints last is the RTC as of its start (hwclock.c display_time): against `System Time:`.
  pair(s, r.epochSeconds, ref);
}

function finishFacts(s: State): HwclockFacts {
  const f = s.facts;
  if (f.readings.length > 0) f.refs.reading = { line: f.readings[0]!.line, excerpt: f.readings[0]!.excerpt };
  if (f.accessible === null && (f.readings.length > 0 || f.rtcSeconds !== null)) f.accessible = true;
  return f;
}

const ownLine = prefixTest(['hwclock', 'Hw clock time', 'System Time:']);

/** A streaming parser of `hwclock` output for the text router. */
export function createHwclockParser(path: string | null = null): KindParser<HwclockFacts> {
  let underHwclock = false;
  const s: State = {
    facts: { path, refs: {}, readings: [], version: null, systemTimeSeconds: null, rtcSeconds: null, rtcMinusSystemSeconds: null, rtcMode: null, rtcDevice: null, accessible: null, tickTimedOut: false, errors: [] },
    recognised: 0,
    pendingSystem: null,
  };
  return {
    // Its own lines, a time, or anything under its prompt or once a verbose run has begun.
    wants: (buf, start, end) => underHwclock || s.recognised > 0 || ownLine(buf, start, end) || mayHoldReading(buf, start, end),
    // A month is no weekday, and the day after it no year.
    quietOnDaemon: () => !underHwclock && s.recognised === 0,
    prompt: (command) => {
      s.pendingSystem = null;
      underHwclock = isHwclock({ command, host: null, prompt: true });
    },
    push: (line, lineNo, ctx) => onLine(s, line, lineNo, ctx),
    recognised: () => s.recognised,
    finish: () => finishFacts(s),
  };
}
