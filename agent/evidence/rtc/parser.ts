/**
 * RTC (`/sys/class/rtc/rtc0`) and `/etc/adjtime` → RtcFacts. Pure.
 *
 * /etc/adjtime (util-linux adjtime_config(5)): line 1 `drift_factor last_adjust_time status`
 * (seconds per day, seconds since 1969 UTC, 0); line 2 last calibration time (0 = none); line 3
 * `UTC` or `LOCAL` — a missing line 3 means UTC.
 */
import type { RtcFacts } from './facts.js';
import { ParseError } from '../../errors.js';
import { excerpt } from '../text/lines.js';
import { safeInt } from '../../util/numbers.js';

export interface RtcRaw {
  /** The rtc0 attribute files, or null when there is no rtc0. */
  rtc0: { name: string | null; sinceEpoch: string | null; hctosys: string | null } | null;
  adjtime: string | null;
  adjtimePath: string | null;
}

type Adjtime = NonNullable<RtcFacts['adjtime']>;

/** A sysfs integer attribute; null when absent, not a whole number, or beyond what a double holds exactly. */
const int = (text: string | null): number | null => (text === null ? null : safeInt(text.trim()));

/** Parse /etc/adjtime. Throws ParseError (with line) on a malformed file. */
export function parseAdjtime(text: string, path: string | null = null): { adjtime: Adjtime; refs: RtcFacts['refs'] } {
  const lines = text.replace(/\r/g, '').split('\n');
  const l1 = (lines[0] ?? '').trim().split(/\s+/);
  const drift = Number(l1[0]);
  const lastAdjust = Number(l1[1]);
  if (l1.length < 2 || !Number.isFinite(drift) || !/^-?\d+$/.test(l1[1] ?? '') || !Number.isFinite(lastAdjust)) {
    throw new ParseError('adjtime: line 1 must be "drift_factor last_adjust_time status"', 1, path);
  }
  const l2 = (lines[1] ?? '').trim();
  let lastCal: number | null = null;
  if (l2 !== '') {
    const cal = safeInt(l2);
    if (cal === null) throw new ParseError('adjtime: line 2 must be the last calibration time (an integer)', 2, path);
    lastCal = cal === 0 ? null : cal;
  }
  const l3 = (lines[2] ?? '').trim();
  if (l3 !== '' && l3 !== 'UTC' && l3 !== 'LOCAL') throw new ParseError(`adjtime: line 3 must be UTC or LOCAL, not ${JSON.stringify(l3)}`, 3, path);
  const refs: RtcFacts['refs'] = { driftFactorSecondsPerDay: { line: 1, excerpt: excerpt(lines[0] ?? '') } };
  if (l3 !== '') refs.mode = { line: 3, excerpt: l3 };
  return {
    adjtime: { driftFactorSecondsPerDay: drift, lastAdjustTime: lastAdjust, lastCalibrationTime: lastCal, mode: l3 === 'LOCAL' ? 'LOCAL' : 'UTC' },
    refs,
  };
}

export function parseRtc(raw: RtcRaw, path: string | null = null): RtcFacts {
  const parsed = raw.adjtime === null ? null : parseAdjtime(raw.adjtime, raw.adjtimePath);
  const hc = int(raw.rtc0?.hctosys ?? null);
  const name = raw.rtc0?.name?.trim() ?? null;
  return {
    path,
    refs: parsed?.refs ?? {},
    present: raw.rtc0 !== null,
    name: name === '' ? null : name,
    sinceEpoch: int(raw.rtc0?.sinceEpoch ?? null),
    hctosys: hc === null ? null : hc === 1,
    adjtime: parsed?.adjtime ?? null,
  };
}
