/**
 * Clock readings as commands print them, in the locale-free forms people paste: coreutils `date`
 * (`Tue Jul  4 05:23:41 UTC 2017`, with or without `AM`/`PM`), the older en_US form
 * (`Thu 12 Sep 2013 05:10:30 PM CEST`), `date -R` (`Tue, 04 Jul 2017 05:23:41 +0000`), ISO 8601 /
 * RFC 3339 (`date -Iseconds`, `date --rfc-3339=ns`, util-linux `hwclock` 2.32+:
 * `2017-07-04 05:23:41.519838+00:00`), busybox `hwclock` (`Tue Oct 20 20:14:58 2020`, no zone) and
 * epoch seconds (`date +%s`, `date +%s.%N`). Pure: no clock is read, only text.
 *
 * A reading keeps the wall-clock value it shows (`wall`, seconds as if the zone were UTC) and, when the
 * zone is known, the instant (`epoch` = wall − offset). Zone abbreviations are mapped only when they
 * name one offset (CST and IST name several: those readings keep `epoch` null).
 */

/** One clock reading found in a line. */
export interface ClockReading {
  /** The text as printed. */
  text: string;
  /** Character offsets of the text in the line. */
  start: number;
  end: number;
  /** Seconds since 1970 of the wall-clock value shown, as if it were UTC (fraction kept). */
  wall: number;
  /** The instant: `wall` minus the zone's offset; null when the zone is absent or ambiguous. */
  epoch: number | null;
  /** Zone as printed (`UTC`, `+0000`, `CEST`, `Z`), or null when none was printed. */
  zone: string | null;
  /** Offset of that zone from UTC in seconds, or null when unknown. */
  offsetSeconds: number | null;
  /** Resolution of the reading in seconds (1 for `05:23:41`, 1e-6 for `.519838`). */
  resolution: number;
  /** Which form it was printed in. */
  form: 'ctime' | 'ctime-dmy' | 'rfc2822' | 'iso' | 'epoch';
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MON = 'Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec';
const DAY = 'Mon|Tue|Wed|Thu|Fri|Sat|Sun';
/** A zone as `date` prints `%Z`: an abbreviation, or a numeric offset (`-03`, `+0530`, `+05:30`). */
const ZONE = String.raw`(?:[A-Z]{1,5}|[+-]\d{2}(?::?\d{2})?)`;

/** Abbreviations that name exactly one offset (hours). Ambiguous ones (CST, IST, BST, AST) are absent on purpose. */
const ZONE_HOURS: Record<string, number> = {
  UTC: 0, GMT: 0, UT: 0, Z: 0, WET: 0,
  WEST: 1, CET: 1, MET: 1, CEST: 2, MEST: 2, EET: 2, EEST: 3, MSK: 3,
  PST: -8, PDT: -7, MST: -7, MDT: -6, EST: -5, EDT: -4, AKST: -9, AKDT: -8, HST: -10,
  JST: 9, KST: 9, HKT: 8, SGT: 8, AWST: 8, AEST: 10, AEDT: 11, ACST: 9.5, ACDT: 10.5, NZST: 12, NZDT: 13,
};

/** Offset in seconds of a printed zone, or null when unknown or ambiguous. */
export function zoneOffsetSeconds(zone: string | null): number | null {
  if (zone === null) return null;
  const num = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (num !== null) {
    const h = Number(num[2]);
    const m = Number(num[3] ?? '0');
    if (h > 14 || m > 59) return null;
    return (num[1] === '-' ? -1 : 1) * (h * 3600 + m * 60);
  }
  const h = ZONE_HOURS[zone];
  return h === undefined ? null : h * 3600;
}

/** Seconds since 1970 of a wall-clock value, or null when a field is out of range. */
function wallSeconds(y: number, mon: number, d: number, h: number, mi: number, s: number): number | null {
  if (mon < 0 || mon > 11 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || y < 1970 || y > 2200) return null;
  return Date.UTC(y, mon, d, h, mi, s) / 1000;
}

/** 12-hour clock → 24-hour (`12:05 AM` is 00:05). */
function hour24(h: number, ampm: string | undefined): number {
  if (ampm === undefined) return h;
  const pm = ampm.toUpperCase() === 'PM';
  return (h % 12) + (pm ? 12 : 0);
}

interface Parts {
  y: number; mon: number; d: number; h: number; mi: number; s: number;
  frac: string; zone: string | null;
}

/** Each form: a global regex and how its groups make the parts of a reading. */
interface Form {
  form: ClockReading['form'];
  re: RegExp;
  parts(m: RegExpExecArray): Parts;
}

const month = (name: string): number => MONTHS.indexOf(name);

const FORMS: readonly Form[] = [
  {
    // coreutils C locale and glibc ≥ 2.29 en_US: `Tue Jul  4 05:23:41 [AM ]UTC 2017`; busybox hwclock without a zone.
    form: 'ctime',
    re: new RegExp(String.raw`\b(?:${DAY}),?\s+(${MON})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:\s+(AM|PM))?(?:\s+(${ZONE}))?\s+(\d{4})\b`, 'g'),
    parts: (m) => ({ y: Number(m[9]), mon: month(m[1]!), d: Number(m[2]), h: hour24(Number(m[3]), m[7]), mi: Number(m[4]), s: Number(m[5]), frac: m[6] ?? '', zone: m[8] ?? null }),
  },
  {
    // RFC 2822 (`date -R`): `Tue, 04 Jul 2017 05:23:41 +0000`.
    form: 'rfc2822',
    re: new RegExp(String.raw`\b(?:${DAY}),\s+(\d{1,2})\s+(${MON})\s+(\d{4})\s+(\d{2}):(\d{2}):(\d{2})\s+([+-]\d{4}|UTC|GMT)\b`, 'g'),
    parts: (m) => ({ y: Number(m[3]), mon: month(m[2]!), d: Number(m[1]), h: Number(m[4]), mi: Number(m[5]), s: Number(m[6]), frac: '', zone: m[7] ?? null }),
  },
  {
    // Older glibc en_US (`date`, util-linux hwclock ≤ 2.31): `Thu 12 Sep 2013 05:10:30 PM CEST`.
    form: 'ctime-dmy',
    re: new RegExp(String.raw`\b(?:${DAY})\s+(\d{1,2})\s+(${MON})\s+(\d{4})\s+(\d{1,2}):(\d{2}):(\d{2})(?:\s+(AM|PM))?(?:\s+(${ZONE}))?(?![\w:])`, 'g'),
    parts: (m) => ({ y: Number(m[3]), mon: month(m[2]!), d: Number(m[1]), h: hour24(Number(m[4]), m[7]), mi: Number(m[5]), s: Number(m[6]), frac: '', zone: m[8] ?? null }),
  },
  {
    // ISO 8601 / RFC 3339: `2017-07-04T05:23:41+00:00`, `2017-07-04 05:23:41.519838+0100`, `…,123456789+00:00`.
    form: 'iso',
    re: /\b(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}(?::?\d{2})?)?(?![\w:.])/g,
    parts: (m) => ({ y: Number(m[1]), mon: Number(m[2]) - 1, d: Number(m[3]), h: Number(m[4]), mi: Number(m[5]), s: Number(m[6]), frac: m[7] ?? '', zone: m[8] ?? null }),
  },
];

function reading(form: Form, m: RegExpExecArray): ClockReading | null {
  const p = form.parts(m);
  const wall0 = wallSeconds(p.y, p.mon, p.d, p.h, p.mi, p.s);
  if (wall0 === null) return null;
  const wall = wall0 + (p.frac === '' ? 0 : Number(`0.${p.frac}`));
  const offset = zoneOffsetSeconds(p.zone);
  return {
    text: m[0],
    start: m.index,
    end: m.index + m[0].length,
    wall,
    epoch: offset === null ? null : wall - offset,
    zone: p.zone,
    offsetSeconds: offset,
    resolution: p.frac === '' ? 1 : 10 ** -p.frac.length,
    form: form.form,
  };
}

/** Every clock reading in a line, in order, not overlapping (the first form to claim a span keeps it). */
export function findReadings(line: string): ClockReading[] {
  const found: ClockReading[] = [];
  for (const form of FORMS) {
    form.re.lastIndex = 0;
    for (let m = form.re.exec(line); m !== null; m = form.re.exec(line)) {
      const r = reading(form, m);
      if (r !== null && !found.some((f) => r.start < f.end && f.start < r.end)) found.push(r);
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

/** Epoch seconds as `date +%s` / `date +%s.%N` print them (a plausible 2001–2286 instant), or null. */
export function epochReading(token: string, start: number): ClockReading | null {
  const m = /^(\d{9,10})(?:\.(\d{1,9}))?$/.exec(token);
  if (m === null) return null;
  const secs = Number(m[1]);
  if (secs < 1e9) return null;
  const frac = m[2] ?? '';
  const wall = secs + (frac === '' ? 0 : Number(`0.${frac}`));
  return { text: token, start, end: start + token.length, wall, epoch: wall, zone: 'UTC', offsetSeconds: 0, resolution: frac === '' ? 1 : 10 ** -frac.length, form: 'epoch' };
}

/** `2017-07-04 05:23:41 UTC` for messages (the instant when known, else the wall clock as shown). */
export function formatReading(r: Pick<ClockReading, 'epoch' | 'wall' | 'zone'>): string {
  const t = r.epoch ?? r.wall;
  const iso = new Date(Math.floor(t) * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
  return r.epoch !== null ? `${iso} UTC` : `${iso}${r.zone !== null ? ` ${r.zone}` : ''}`;
}
