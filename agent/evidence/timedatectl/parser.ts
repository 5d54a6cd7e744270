/**
 * `timedatectl` as users paste it → TimedatectlFacts. Pure. Three outputs (systemd timedatectl.c):
 * - status, with right-aligned labels: `System clock synchronized: yes`, `NTP service: active`,
 *   `RTC in local TZ: no` (systemd ≥ 239), `NTP enabled`/`NTP synchronized` (< 236), `Network time on`
 *   (older), `systemd-timesyncd.service active` (236–238);
 * - `show` (`NTPSynchronized=yes`, `CanNTP=yes`, `LocalRTC=no`) and `show-timesync` (`ServerName=…`,
 *   `PollIntervalUSec=…`, `Frequency=<raw>`);
 * - `timesync-status` (`Server:`, `Poll interval: 32s (min: 32s; max 34min 8s)`, `Offset: +2.436ms`).
 * Labels such as `Local time:` or `Stratum:` are common words, so a text's lines count as timedatectl's
 * only once a distinctive one was seen (`System clock synchronized`, `Root distance: … (max: …)`, …).
 */
import type { KindParser, LineRef } from '../kind.js';
import type { TimedatectlFacts, TimesyncStatus } from './facts.js';
import { excerpt } from '../text/lines.js';
import { num } from '../text/daemon-log.js';
import { skipSpace } from '../text/bytes.js';
import { StartWords } from '../text/needles.js';

const UNITS: Record<string, number> = { y: 31_557_600, month: 2_629_800, w: 604_800, d: 86_400, h: 3600, min: 60, s: 1 };
/** Sub-second units as powers of ten, so `23.456ms` is the double nearest 0.023456. */
const EXP: Record<string, number> = { ms: -3, us: -6, 'µs': -6, ns: -9 };

function part(value: string, unit: string): number {
  const v = value.replace(',', '.');
  const e = EXP[unit];
  return e !== undefined ? Number(`${v}e${e}`) : Number(v) * UNITS[unit]!;
}

/** systemd's `format_timespan` output (`34min 8s`, `23.456ms`, `+7.493693s`, `0`) → seconds. */
export function timespan(text: string): number | null {
  const t = text.trim();
  if (t === '0') return 0;
  const m = /^([+-]?)((?:\d+(?:[.,]\d+)?(?:y|month|w|d|h|min|s|ms|us|µs|ns)\s*)+)$/.exec(t);
  if (m === null) return null;
  let total = 0;
  for (const p of m[2]!.matchAll(/(\d+(?:[.,]\d+)?)(month|min|ms|us|µs|ns|y|w|d|h|s)/g)) total += part(p[1]!, p[2]!);
  return Number.isFinite(total) ? (m[1] === '-' ? -total : total) : null;
}

const yesNo = (v: string): boolean | null => (/^(yes|true|1)$/i.test(v) ? true : /^(no|false|0)$/i.test(v) ? false : null);

interface State {
  facts: Omit<TimedatectlFacts, 'path' | 'refs'>;
  refs: Record<string, LineRef>;
  lines: number;
  distinctive: number;
}

type Setter = (s: State, value: string) => void;
const set = <K extends keyof State['facts']>(k: K, f: (v: string) => State['facts'][K]): Setter => (s, v) => { s.facts[k] = f(v); };
const ts = <K extends keyof TimesyncStatus>(k: K, f: (v: string) => TimesyncStatus[K]): Setter => (s, v) => {
  s.facts.timesync ??= { server: null, pollIntervalSeconds: null, leap: null, stratum: null, reference: null, rootDistanceSeconds: null, offsetSeconds: null, delaySeconds: null, jitterSeconds: null, packetCount: null, frequencyPpm: null };
  s.facts.timesync[k] = f(v);
};
const str = (v: string): string | null => (v === '' || v.toLowerCase() === 'n/a' ? null : v);
const int = (v: string): number | null => (/^\d+$/.test(v) ? Number(v) : null);
const format = (f: TimedatectlFacts['format']): Setter => (s) => { s.facts.format ??= f; };
const both = (...fs: Setter[]): Setter => (s, v) => { for (const f of fs) f(s, v); };

/** A status label: what it sets, and whether it alone marks the text as timedatectl's. */
interface Label { key: string; distinctive: boolean; apply: Setter }

const STATUS: Record<string, Label> = {
  'Local time': { key: 'localTime', distinctive: false, apply: set('localTime', str) },
  'Universal time': { key: 'universalTime', distinctive: true, apply: set('universalTime', str) },
  'RTC time': { key: 'rtcTime', distinctive: false, apply: set('rtcTime', str) },
  'Time zone': { key: 'timeZone', distinctive: false, apply: set('timeZone', str) },
  'System clock synchronized': { key: 'synchronised', distinctive: true, apply: both(set('synchronised', yesNo), format('status')) },
  'NTP synchronized': { key: 'synchronised', distinctive: true, apply: both(set('synchronised', yesNo), format('status-legacy')) },
  'NTP service': { key: 'ntpService', distinctive: true, apply: set('ntpService', (v) => { const l = v.toLowerCase(); return l === 'active' || l === 'inactive' || l === 'n/a' ? l : null; }) },
  'NTP enabled': { key: 'ntpEnabled', distinctive: true, apply: both(set('ntpEnabled', yesNo), format('status-legacy')) },
  'Network time on': { key: 'ntpEnabled', distinctive: true, apply: both(set('ntpEnabled', yesNo), format('status-legacy')) },
  'systemd-timesyncd.service active': { key: 'ntpEnabled', distinctive: true, apply: set('ntpEnabled', yesNo) },
  'RTC in local TZ': { key: 'rtcInLocalTz', distinctive: true, apply: set('rtcInLocalTz', yesNo) },
  'DST active': { key: 'dst', distinctive: false, apply: () => {} },
  'Last DST change': { key: 'dst', distinctive: false, apply: () => {} },
  'Next DST change': { key: 'dst', distinctive: false, apply: () => {} },
  // timesync-status
  Server: { key: 'timesync.server', distinctive: false, apply: ts('server', str) },
  'Poll interval': { key: 'timesync.pollIntervalSeconds', distinctive: false, apply: ts('pollIntervalSeconds', (v) => timespan(v.replace(/\s*\(.*$/, ''))) },
  Leap: { key: 'timesync.leap', distinctive: false, apply: ts('leap', str) },
  Version: { key: 'timesync.version', distinctive: false, apply: () => {} },
  Stratum: { key: 'timesync.stratum', distinctive: false, apply: ts('stratum', int) },
  Reference: { key: 'timesync.reference', distinctive: false, apply: ts('reference', str) },
  Precision: { key: 'timesync.precision', distinctive: false, apply: () => {} },
  'Root distance': { key: 'timesync.rootDistanceSeconds', distinctive: false, apply: ts('rootDistanceSeconds', (v) => timespan(v.replace(/\s*\(.*$/, ''))) },
  Offset: { key: 'timesync.offsetSeconds', distinctive: false, apply: ts('offsetSeconds', timespan) },
  Delay: { key: 'timesync.delaySeconds', distinctive: false, apply: ts('delaySeconds', timespan) },
  Jitter: { key: 'timesync.jitterSeconds', distinctive: false, apply: ts('jitterSeconds', timespan) },
  'Packet count': { key: 'timesync.packetCount', distinctive: true, apply: ts('packetCount', int) },
  Frequency: { key: 'timesync.frequencyPpm', distinctive: false, apply: ts('frequencyPpm', (v) => num(/^([+-]?\d+(?:[.,]\d+)?)ppm$/.exec(v)?.[1])) },
};

const SHOW: Record<string, Label> = {
  Timezone: { key: 'timeZone', distinctive: false, apply: set('timeZone', str) },
  LocalRTC: { key: 'rtcInLocalTz', distinctive: true, apply: set('rtcInLocalTz', yesNo) },
  CanNTP: { key: 'canNtp', distinctive: true, apply: set('canNtp', yesNo) },
  NTP: { key: 'ntpEnabled', distinctive: false, apply: set('ntpEnabled', yesNo) },
  NTPSynchronized: { key: 'synchronised', distinctive: true, apply: both(set('synchronised', yesNo), format('show')) },
  TimeUSec: { key: 'localTime', distinctive: false, apply: set('localTime', str) },
  RTCTimeUSec: { key: 'rtcTime', distinctive: false, apply: set('rtcTime', str) },
  ServerName: { key: 'timesync.server', distinctive: false, apply: ts('server', str) },
  ServerAddress: { key: 'timesync.address', distinctive: false, apply: (s, v) => { if (s.facts.timesync?.server == null) ts('server', str)(s, v); } },
  PollIntervalUSec: { key: 'timesync.pollIntervalSeconds', distinctive: true, apply: ts('pollIntervalSeconds', timespan) },
  NTPMessage: { key: 'timesync.ntpMessage', distinctive: true, apply: ts('packetCount', (v) => int(/PacketCount=(\d+)/.exec(v)?.[1] ?? '')) },
  // show-timesync prints the raw timex frequency, in units of 2^-16 ppm.
  Frequency: { key: 'timesync.frequencyPpm', distinctive: false, apply: ts('frequencyPpm', (v) => (/^-?\d+$/.test(v) ? Number(v) / 65536 : null)) },
};

const STATUS_LINE = new RegExp(String.raw`^\s*(${Object.keys(STATUS).map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')}): ?(.*?)\s*$`);
const SHOW_LINE = new RegExp(String.raw`^\s*(${Object.keys(SHOW).join('|')})=(.*?)\s*$`);
/** `Poll interval: 32s (min: 32s; max 34min 8s)` and `Root distance: 28.381ms (max: 5s)` are timesync-status's alone. */
const TIMESYNC_SHAPE = /^\s*(?:Poll interval: \S.*\(min: .*; max .*\)|Root distance: \S+ \(max: \S+\))\s*$/;

function apply(s: State, table: Record<string, Label>, label: string, value: string, line: string, lineNo: number): void {
  const l = table[label]!;
  l.apply(s, value);
  s.refs[l.key] = { line: lineNo, excerpt: excerpt(line) };
  s.lines++;
  if (l.distinctive || TIMESYNC_SHAPE.test(line)) s.distinctive++;
}

/**
 * The byte pre-filter: push reads a line only when, whitespace skipped, it starts with one of the
 * labels of STATUS and its colon or a key of SHOW and its `=` (STATUS_LINE, SHOW_LINE). Built from the
 * tables, so it cannot fall behind them; a syslog line (`Mar 26 10:00:00 host kernel: …`) fails at
 * its second byte instead of being decoded and tried against both regexes.
 */
const LABELS = new StartWords(...Object.keys(STATUS).map((k) => `${k}:`), ...Object.keys(SHOW).map((k) => `${k}=`));

function wants(buf: Uint8Array, start: number, end: number): boolean {
  const i = skipSpace(buf, start, end);
  return i < end && LABELS.at(buf, i, end);
}

/** A parser for the timedatectl lines of a text. */
export function createTimedatectlParser(path: string | null = null): KindParser<TimedatectlFacts> {
  const s: State = {
    facts: { format: null, localTime: null, universalTime: null, rtcTime: null, timeZone: null, synchronised: null, ntpService: null, ntpEnabled: null, canNtp: null, rtcInLocalTz: null, timesync: null },
    refs: {}, lines: 0, distinctive: 0,
  };
  return {
    wants,
    // No label starts with a month name.
    quietOnDaemon: () => true,
    push(line, lineNo) {
      const st = STATUS_LINE.exec(line);
      if (st !== null) { apply(s, STATUS, st[1]!, st[2] ?? '', line, lineNo); return; }
      const sh = SHOW_LINE.exec(line);
      if (sh !== null) apply(s, SHOW, sh[1]!, sh[2] ?? '', line, lineNo);
    },
    // Common labels alone prove nothing; with a distinctive line they are timedatectl's too.
    recognised: () => (s.distinctive > 0 ? s.lines : 0),
    finish: () => ({ path, refs: s.refs, ...s.facts }),
  };
}
