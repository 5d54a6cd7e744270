/**
 * `chronyc tracking` as text, one labelled line at a time (client.c `process_cmd_tracking`):
 *
 *     Reference ID    : C0A80101 (192.168.1.1)
 *     System time     : 0.000546066 seconds slow of NTP time
 *     Frequency       : 18.127 ppm fast
 *
 * chronyc pads every label to 15 characters and prints ` : `, so a label followed directly by `:`
 * (timedatectl's `Stratum: 2`) is not chrony's. `%O` prints |offset| with `slow` when it is > 0, `%F`
 * prints |ppm| with `fast` when it is > 0: the text is turned back into chrony's signed values, the
 * same the CSV carries (evidence/timesync/chrony-tracking.ts). Pure.
 */
import type { ChronyTrackingReport } from './facts.js';
import type { ChronyTracking } from '../timesync/facts.js';
import { num } from '../text/daemon-log.js';

const LINE = /^\s*(Reference ID|Stratum|Ref time \(UTC\)|System time|Last offset|RMS offset|Frequency|Residual freq|Skew|Root delay|Root dispersion|Update interval|Leap status)\s+: ?(.*?)\s*$/;

/** A tracking report with nothing known yet. */
export function emptyTracking(format: ChronyTrackingReport['format']): ChronyTrackingReport {
  return {
    format, referenceId: null, referenceName: null, stratum: null, refTimeSeconds: null, systemTimeOffsetSeconds: null,
    lastOffsetSeconds: null, rmsOffsetSeconds: null, frequencyPpm: null, residualFrequencyPpm: null, skewPpm: null,
    rootDelaySeconds: null, rootDispersionSeconds: null, updateIntervalSeconds: null, leapStatus: null,
  };
}

/** The CSV report (all fields known) in the shape of a text one. */
export function fromCsv(t: ChronyTracking): ChronyTrackingReport {
  return { format: 'csv', ...t };
}

const MONTH: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/** `Thu Feb 02 22:28:57 2023` (strftime `%a %b %d %T %Y`, UTC) → epoch seconds. */
function refTime(v: string): number | null {
  const m = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})$/.exec(v);
  const month = m === null ? undefined : MONTH[m[1]!];
  if (m === null || month === undefined) return null;
  return Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])) / 1000;
}

/** `0.000546066 seconds slow of NTP time` → +0.000546066 (slow = behind = positive). */
function systemTime(v: string): number | null {
  const m = /^(\d+(?:\.\d+)?) seconds (slow|fast)/.exec(v);
  const x = num(m?.[1]);
  return m === null || x === null ? null : m[2] === 'slow' ? x : -x;
}

/** `18.127 ppm fast` → +18.127; `31244.098 ppm slow` → −31244.098. */
function frequency(v: string): number | null {
  const m = /^(\d+(?:\.\d+)?) ppm (slow|fast)/.exec(v);
  const x = num(m?.[1]);
  return m === null || x === null ? null : m[2] === 'fast' ? x : -x;
}

const first = (re: RegExp, v: string): number | null => num(re.exec(v)?.[1]);
const SECONDS = /^([+-]?\d+(?:\.\d+)?) seconds/;
const PPM = /^([+-]?\d+(?:\.\d+)?) ppm/;

type Field = keyof Omit<ChronyTrackingReport, 'format'>;

/** Each label: the fields it fills from its value. */
const READERS: Record<string, (v: string) => Partial<Record<Field, number | string | null>>> = {
  'Reference ID': (v) => {
    const m = /^(\S+)(?: \((.*)\))?$/.exec(v);
    return { referenceId: m?.[1] ?? null, referenceName: m?.[2] ?? null };
  },
  Stratum: (v) => ({ stratum: first(/^(\d+)$/, v) }),
  'Ref time (UTC)': (v) => ({ refTimeSeconds: refTime(v) }),
  'System time': (v) => ({ systemTimeOffsetSeconds: systemTime(v) }),
  'Last offset': (v) => ({ lastOffsetSeconds: first(SECONDS, v) }),
  'RMS offset': (v) => ({ rmsOffsetSeconds: first(SECONDS, v) }),
  Frequency: (v) => ({ frequencyPpm: frequency(v) }),
  'Residual freq': (v) => ({ residualFrequencyPpm: first(PPM, v) }),
  Skew: (v) => ({ skewPpm: first(PPM, v) }),
  'Root delay': (v) => ({ rootDelaySeconds: first(SECONDS, v) }),
  'Root dispersion': (v) => ({ rootDispersionSeconds: first(SECONDS, v) }),
  'Update interval': (v) => ({ updateIntervalSeconds: first(SECONDS, v) }),
  'Leap status': (v) => ({ leapStatus: v === '' ? null : v }),
};

/** One labelled line of a text tracking report: its label and the fields it gives, or null. */
export function trackingLine(line: string): { label: string; fields: Partial<Record<Field, number | string | null>> } | null {
  const m = LINE.exec(line);
  if (m === null) return null;
  const label = m[1]!;
  return { label, fields: READERS[label]!(m[2] ?? '') };
}

/** True when the report says chronyd has no reference: Reference ID 0 or leap status `Not synchronised`. */
export function unsynchronisedReference(t: ChronyTrackingReport): boolean {
  return t.referenceId === '00000000' || t.referenceId === '0.0.0.0' || t.leapStatus === 'Not synchronised';
}
