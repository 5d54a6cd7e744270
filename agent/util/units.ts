/**
 * The units people type on the command line: TSC rates (`3400109000`, `3_400_109_000`,
 * `3400.109MHz`, `3.4GHz`) and durations (`500ms`, `30s`, `5m`, `1h`, `1d`, `1m30s`).
 *
 * Pure: text in, value or reason out; the commands turn a reason into a usage error that names
 * their flag. Both parsers work in exact decimal arithmetic (BigInt digits and a power of ten), so
 * `3.400109GHz` is 3400109000 Hz exactly and `0.1s` is 100 ms exactly — a binary double would make
 * the first 3400108999.9999995 and round a rate the user typed to the hertz.
 */

/** A value, or why the text is not one (a phrase that fits after "got X:"). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** An exact decimal: `digits × 10^exponent`. */
interface Decimal {
  digits: bigint;
  exponent: number;
}

// Digit-group separators people paste: underscore (as in code), comma, space, no-break space,
// narrow no-break space and thin space (what typographers and some locales print).
const GROUP_SEPARATORS = '_, \u00a0\u202f\u2009';
const GROUPED_INTEGER = new RegExp(`^\\d{1,3}(?:([${GROUP_SEPARATORS}])\\d{3})?(?:\\1\\d{3})*$`);

/**
 * The integer part of a number with optional digit groups: one separator throughout, groups of
 * exactly three after the first. "3,4" is rejected rather than read as 34 — in half the world it
 * means 3.4.
 */
function integerDigits(text: string): string | null {
  if (/^\d+$/.test(text)) return text;
  if (!GROUPED_INTEGER.test(text)) return null;
  return text.replace(new RegExp(`[${GROUP_SEPARATORS}]`, 'g'), '');
}

const NUMBER = new RegExp(`^([\\d${GROUP_SEPARATORS}]+)(?:\\.(\\d+))?(?:[eE]([+-]?\\d{1,3}))?$`);

/** `3`, `3.4`, `3_400_109_000`, `3.4e9` → an exact decimal; null when it is none of these. */
function parseDecimal(text: string): Decimal | null {
  const m = NUMBER.exec(text);
  if (!m) return null;
  const int = integerDigits(m[1]!);
  if (int === null) return null;
  const frac = m[2] ?? '';
  return { digits: BigInt(int + frac), exponent: Number(m[3] ?? '0') - frac.length };
}

/** `d × 10^shift` as an exact integer, or null when it has a fractional part. */
function exactInteger(d: Decimal, shift: number): bigint | null {
  const e = d.exponent + shift;
  if (e >= 0) return d.digits * 10n ** BigInt(e);
  const div = 10n ** BigInt(-e);
  return d.digits % div === 0n ? d.digits / div : null;
}

/** The decimal as the nearest double (JavaScript rounds a decimal string correctly). */
function nearestDouble(d: Decimal, shift = 0): number {
  return Number(`${d.digits}e${d.exponent + shift}`);
}

const HZ_UNITS: Record<string, number> = { hz: 0, khz: 3, mhz: 6, ghz: 9 };
const HZ_GRAMMAR = 'write e.g. 3400109000, 3400.109MHz or 3.4GHz (units Hz, kHz, MHz, GHz)';

/** Where a TSC rate can lie: below 1 MHz or above 100 GHz it is a typo, not a CPU. */
export const TSC_HZ_RANGE = { min: 1_000_000, max: 100_000_000_000 } as const;

/** A rate a TSC can have ({@link TSC_HZ_RANGE}): the one test every derived rate passes before use. */
export const isPlausibleTscHz = (hz: number | null | undefined): hz is number =>
  hz !== null && hz !== undefined && Number.isFinite(hz) && hz >= TSC_HZ_RANGE.min && hz <= TSC_HZ_RANGE.max;

/**
 * A frequency in whole hertz: a number with an optional unit `Hz`, `kHz`, `MHz` or `GHz` (any case,
 * a space allowed before it); digit groups (`3_400_109_000`, `3 400 109 000`) and an exponent
 * (`3.4e9`) are allowed. The value must be a whole number of Hz within {@link TSC_HZ_RANGE}.
 */
export function parseFrequencyHz(text: string): Parsed<number> {
  const m = /^\s*(.*?)\s*([kmg]?hz)?\s*$/i.exec(text);
  const body = m?.[1] ?? '';
  const unit = (m?.[2] ?? 'hz').toLowerCase();
  if (body === '') return { ok: false, error: `no number; ${HZ_GRAMMAR}` };
  if (body.startsWith('-')) return { ok: false, error: 'a frequency cannot be negative' };
  const d = parseDecimal(body);
  if (d === null) {
    if (/^\d+,\d{1,2}$/.test(body)) return { ok: false, error: 'not a frequency: use a dot for decimals (3.4GHz)' };
    return { ok: false, error: `not a frequency; ${HZ_GRAMMAR}` };
  }
  const shift = HZ_UNITS[unit] ?? 0;
  const hz = exactInteger(d, shift);
  const rough = nearestDouble(d, shift);
  const inRange = hz !== null ? hz >= BigInt(TSC_HZ_RANGE.min) && hz <= BigInt(TSC_HZ_RANGE.max) : rough >= TSC_HZ_RANGE.min && rough <= TSC_HZ_RANGE.max;
  if (!inRange) return { ok: false, error: 'out of range: a TSC rate lies between 1MHz (1000000) and 100GHz (100000000000)' };
  if (hz === null) return { ok: false, error: `not a whole number of Hz (${rough} Hz); give the rate to the hertz` };
  return { ok: true, value: Number(hz) };
}

/** Nanoseconds per duration unit. `m` is minutes (never months); a year is 365 days, as Prometheus counts. */
const DURATION_UNITS: Record<string, bigint> = {
  y: 365n * 86_400n * 10n ** 9n,
  w: 7n * 86_400n * 10n ** 9n,
  d: 86_400n * 10n ** 9n,
  h: 3_600n * 10n ** 9n,
  m: 60n * 10n ** 9n,
  min: 60n * 10n ** 9n,
  s: 10n ** 9n,
  ms: 10n ** 6n,
};
/** Largest first: a compound duration names its parts in this order, each at most once. */
const DURATION_ORDER = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];

/** A duration, exact in nanoseconds, with its values in the units callers use. */
export interface Duration {
  nanoseconds: bigint;
  milliseconds: number;
  seconds: number;
}

function durationOf(ns: bigint): Duration {
  // Whole units and the rest apart: Number(ns) alone loses digits beyond 2^53 ns (104 days).
  return {
    nanoseconds: ns,
    milliseconds: Number(ns / 1_000_000n) + Number(ns % 1_000_000n) / 1e6,
    seconds: Number(ns / 1_000_000_000n) + Number(ns % 1_000_000_000n) / 1e9,
  };
}

const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)\s*(ms|min|[ywdhms])\s*/y;
const GRAMMAR = 'write e.g. 500ms, 30s, 5m, 1h, 1d or 1m30s';

/**
 * A duration: a number with a unit (`ms`, `s`, `m` or `min`, `h`, `d`, `w`, `y`), or several from
 * the largest unit down (`1h30m`, `1m30s`, `2s500ms`); a plain number is seconds. Decimals are
 * allowed (`1.5h`, `0.5s`); units are lower case (`M` could be months). Zero is a duration; each
 * flag sets its own bounds.
 */
export function parseDuration(text: string): Parsed<Duration> {
  const t = text.trim();
  if (t === '') return { ok: false, error: `no duration; ${GRAMMAR}` };
  if (t.startsWith('-')) return { ok: false, error: 'a duration cannot be negative' };
  if (/^(\d+(\.\d*)?|\.\d+)$/.test(t)) return exactDuration(t, DURATION_UNITS.s!, t);
  let ns = 0n;
  let pos = 0;
  let rank = -1;
  DURATION_PART.lastIndex = 0;
  for (let m = DURATION_PART.exec(t); m !== null; m = DURATION_PART.exec(t)) {
    const unit = m[2] === 'min' ? 'm' : m[2]!;
    const r = DURATION_ORDER.indexOf(unit);
    if (r <= rank) return { ok: false, error: 'units must go from the largest down, each once (1h30m, not 30m1h)' };
    rank = r;
    const part = exactDuration(m[1]!, DURATION_UNITS[unit]!, t);
    if (!part.ok) return part;
    ns += part.value.nanoseconds;
    pos = DURATION_PART.lastIndex;
  }
  if (pos !== t.length) {
    if (/[A-Z]/.test(t) && /^[\d.a-z\s]+$/i.test(t)) return { ok: false, error: 'not a duration: units are lower case (ms, s, m, h, d, w, y)' };
    return { ok: false, error: `not a duration; ${GRAMMAR}` };
  }
  return { ok: true, value: durationOf(ns) };
}

function exactDuration(number: string, unitNs: bigint, whole: string): Parsed<Duration> {
  const [int = '0', frac = ''] = number.split('.');
  const scaled = BigInt(int + frac) * unitNs;
  const div = 10n ** BigInt(frac.length);
  if (scaled % div !== 0n) return { ok: false, error: `${whole} is finer than a nanosecond` };
  return { ok: true, value: durationOf(scaled / div) };
}

/**
 * A duration in milliseconds within `[minMs, maxMs]`, or why not (e.g. "shorter than 1s"). For
 * flags whose bounds are a property of the flag, not of the grammar.
 */
export function parseDurationBetween(text: string, minMs: number, maxMs: number): Parsed<number> {
  const d = parseDuration(text);
  if (!d.ok) return d;
  const ms = d.value.milliseconds;
  if (ms < minMs) return { ok: false, error: `shorter than ${formatDurationMs(minMs)}` };
  if (ms > maxMs) return { ok: false, error: `longer than ${formatDurationMs(maxMs)}` };
  return { ok: true, value: ms };
}

/** Milliseconds in the grammar's own words: 1500 → "1s500ms", 600000 → "10m", 0.5 → "0.5ms". */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return `${ms}ms`;
  const parts: string[] = [];
  let rest = ms;
  for (const u of DURATION_ORDER) {
    const size = Number(DURATION_UNITS[u]!) / 1e6;
    if (u === 'ms') {
      if (rest > 0 || parts.length === 0) parts.push(`${Number(rest.toPrecision(12))}ms`);
      break;
    }
    const n = Math.floor(rest / size);
    if (n > 0) {
      parts.push(`${n}${u}`);
      rest -= n * size;
    }
  }
  return parts.join('');
}
