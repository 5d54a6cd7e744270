/**
 * The units users type (agent/util/units.ts): TSC rates and durations, exact in decimal. Examples
 * pin the grammar; properties (fixed seed, printed by fast-check on failure) check that every way of
 * writing one value gives exactly that value, which a float-based parser cannot do.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDurationMs, parseDuration, parseDurationBetween, parseFrequencyHz, TSC_HZ_RANGE, type Parsed } from '../../agent/util/units.js';

const SEED = 20_261_203;
const value = <T>(r: Parsed<T>): T => {
  if (!r.ok) throw new Error(`expected a value, got: ${r.error}`);
  return r.value;
};
const error = <T>(r: Parsed<T>): string => {
  if (r.ok) throw new Error(`expected an error, got ${String(r.value)}`);
  return r.error;
};

describe('parseFrequencyHz', () => {
  it.each([
    ['3400109000', 3_400_109_000],
    ['3_400_109_000', 3_400_109_000],
    ['3,400,109,000', 3_400_109_000],
    ['3 400 109 000', 3_400_109_000],
    ['3\u202f400\u202f109\u202f000 Hz', 3_400_109_000],
    ['3400.109MHz', 3_400_109_000],
    ['3400.109 mhz', 3_400_109_000],
    ['3.4GHz', 3_400_000_000],
    ['3.4ghz', 3_400_000_000],
    ['3.400109GHz', 3_400_109_000],
    ['3400109kHz', 3_400_109_000],
    ['3400109KHZ', 3_400_109_000],
    ['3400109000Hz', 3_400_109_000],
    ['3.4e9', 3_400_000_000],
    ['  2.5GHz  ', 2_500_000_000],
    ['1MHz', TSC_HZ_RANGE.min],
    ['100GHz', TSC_HZ_RANGE.max],
    ['3478274491', 3_478_274_491],
  ])('%j is %d Hz', (text, hz) => {
    expect(value(parseFrequencyHz(text))).toBe(hz);
  });

  it('is exact where floating point is not: 1.000997 GHz is 1000997000 Hz, not 1000996999.9999999', () => {
    // The trap this guards against: parseFloat × 1e9 misses the whole hertz and then fails (or rounds by luck).
    expect(1.000997 * 1e9).not.toBe(1_000_997_000);
    expect(value(parseFrequencyHz('1.000997GHz'))).toBe(1_000_997_000);
    expect(value(parseFrequencyHz('3.400109GHz'))).toBe(3_400_109_000);
    expect(value(parseFrequencyHz('0.000000003400109e18'))).toBe(3_400_109_000);
  });

  it.each([
    ['', /no number/],
    ['GHz', /no number/],
    ['abc', /not a frequency/],
    ['3.4 THz', /not a frequency/],
    ['3,4GHz', /use a dot for decimals/],
    ['3_4000_000', /not a frequency/],
    ['3,400 109,000', /not a frequency/],
    ['0x10', /not a frequency/],
    ['-3.4GHz', /cannot be negative/],
    ['999', /out of range/],
    ['200000000000', /out of range/],
    ['1e12', /out of range/],
    ['12.5', /out of range/],
    ['3.4000000005GHz', /not a whole number of Hz/],
    ['3400109000.5', /not a whole number of Hz/],
  ])('rejects %j (%s)', (text, why) => {
    expect(error(parseFrequencyHz(text))).toMatch(why);
  });

  it('every way of writing an in-range rate gives exactly that rate', () => {
    const unit = fc.constantFrom(['', 0], ['Hz', 0], ['kHz', 3], ['MHz', 6], ['GHz', 9], ['ghz', 9], [' MHz', 6]);
    fc.assert(
      fc.property(fc.integer({ min: TSC_HZ_RANGE.min, max: TSC_HZ_RANGE.max }), unit, fc.constantFrom('', '_', ',', ' '), (hz, [name, power], sep) => {
        // Write hz in the unit exactly: integer part, then the remaining digits as a fraction.
        const digits = String(hz).padStart(power + 1, '0');
        const int = digits.slice(0, digits.length - power);
        const frac = digits.slice(digits.length - power).replace(/0+$/, '');
        const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
        const text = `${grouped}${frac ? `.${frac}` : ''}${name}`;
        expect(parseFrequencyHz(text), text).toEqual({ ok: true, value: hz });
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('never throws and never returns a fraction, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 24 }), (text) => {
        const r = parseFrequencyHz(text);
        if (r.ok) expect(Number.isSafeInteger(r.value) && r.value >= TSC_HZ_RANGE.min && r.value <= TSC_HZ_RANGE.max).toBe(true);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});

describe('parseDuration', () => {
  const ms = (t: string): number => value(parseDuration(t)).milliseconds;

  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['5min', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['1y', 365 * 86_400_000],
    ['1m30s', 90_000],
    ['1h30m', 5_400_000],
    ['1d12h', 129_600_000],
    ['2s500ms', 2500],
    ['1m 30s', 90_000],
    ['90', 90_000],
    ['0.5', 500],
    ['0.5s', 500],
    ['.5s', 500],
    ['1.5h', 5_400_000],
    ['0.1s', 100],
    ['0.5ms', 0.5],
    ['0', 0],
    [' 30s ', 30_000],
  ])('%j is %d ms', (text, expected) => {
    expect(ms(text)).toBe(expected);
  });

  it('keeps exact nanoseconds: 0.1s + 0.2s is 300 ms, not 300.00000000000006', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(value(parseDuration('0.1s')).nanoseconds + value(parseDuration('0.2s')).nanoseconds).toBe(300_000_000n);
    expect(value(parseDuration('1.000000001s')).nanoseconds).toBe(1_000_000_001n);
  });

  it.each([
    ['', /no duration/],
    ['soon', /not a duration/],
    ['10x', /not a duration/],
    ['5M', /lower case/],
    ['30S', /lower case/],
    ['-5s', /cannot be negative/],
    ['30s1m', /largest down/],
    ['1m1m', /largest down/],
    ['5m1min', /largest down/],
    ['1e3s', /not a duration/],
    ['0.0000000001s', /finer than a nanosecond/],
    ['1h30', /not a duration/],
  ])('rejects %j (%s)', (text, why) => {
    expect(error(parseDuration(text))).toMatch(why);
  });

  it('every compound duration reads back as the sum of its parts', () => {
    const part = fc.tuple(fc.nat({ max: 999 }), fc.boolean());
    fc.assert(
      fc.property(fc.array(part, { minLength: 7, maxLength: 7 }), fc.constantFrom('', ' '), (parts, space) => {
        const units: [string, bigint][] = [['y', 31_536_000_000n], ['w', 604_800_000n], ['d', 86_400_000n], ['h', 3_600_000n], ['m', 60_000n], ['s', 1000n], ['ms', 1n]];
        let text = '';
        let expectedMs = 0n;
        parts.forEach(([n, used], i) => {
          if (!used) return;
          const [u, size] = units[i]!;
          text += `${text ? space : ''}${n}${u}`;
          expectedMs += BigInt(n) * size;
        });
        if (text === '') return;
        expect(value(parseDuration(text)).nanoseconds, text).toBe(expectedMs * 1_000_000n);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('formatDurationMs writes what parseDuration reads back exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (n) => {
        const text = formatDurationMs(n);
        expect(ms(text), text).toBe(n);
      }),
      { seed: SEED, numRuns: 2000 },
    );
    expect(formatDurationMs(1500)).toBe('1s500ms');
    expect(formatDurationMs(600_000)).toBe('10m');
  });

  it('parseDurationBetween applies the flag\'s bounds', () => {
    expect(parseDurationBetween('5s', 1, 600_000)).toEqual({ ok: true, value: 5000 });
    expect(error(parseDurationBetween('0ms', 1, 600_000))).toBe('shorter than 1ms');
    expect(error(parseDurationBetween('11m', 1, 600_000))).toBe('longer than 10m');
    expect(error(parseDurationBetween('fast', 1, 600_000))).toMatch(/not a duration/);
  });
});
