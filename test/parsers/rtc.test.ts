import { describe, expect, it } from 'vitest';
import { parseAdjtime, parseRtc } from '../../agent/evidence/rtc/parser.js';
import { ParseError } from '../../agent/errors.js';

describe('parseAdjtime', () => {
  it('reads the three lines of adjtime_config(5)', () => {
    const { adjtime, refs } = parseAdjtime('0.000000 1700000000 0.000000\n1700000000\nLOCAL\n', '/etc/adjtime');
    expect(adjtime).toEqual({ driftFactorSecondsPerDay: 0, lastAdjustTime: 1700000000, lastCalibrationTime: 1700000000, mode: 'LOCAL' });
    expect(refs.mode).toEqual({ line: 3, excerpt: 'LOCAL' });
  });

  it('a last calibration of 0 is "none", and a missing third line means UTC', () => {
    const { adjtime } = parseAdjtime('-1.250000 1690000000 0\n0\n');
    expect(adjtime).toEqual({ driftFactorSecondsPerDay: -1.25, lastAdjustTime: 1690000000, lastCalibrationTime: null, mode: 'UTC' });
  });

  it('names the file and line of a malformed adjtime', () => {
    try {
      parseAdjtime('0.0 0 0\n0\nlocaltime\n', '/etc/adjtime');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ParseError);
      expect((err as ParseError).line).toBe(3);
      expect((err as ParseError).path).toBe('/etc/adjtime');
    }
    expect(() => parseAdjtime('UTC\n')).toThrow(/line 1/);
  });
});

describe('parseRtc', () => {
  it('an rtc0 with hctosys', () => {
    const f = parseRtc({ rtc0: { name: 'rtc_cmos\n', sinceEpoch: '1763780000\n', hctosys: '1\n' }, adjtime: null, adjtimePath: null }, '/sys/class/rtc/rtc0');
    expect(f).toMatchObject({ present: true, name: 'rtc_cmos', sinceEpoch: 1763780000, hctosys: true, adjtime: null });
  });

  it('no rtc0 but an adjtime: present is false', () => {
    const f = parseRtc({ rtc0: null, adjtime: '0.0 0 0\n0\nUTC\n', adjtimePath: '/etc/adjtime' });
    expect(f.present).toBe(false);
    expect(f.hctosys).toBeNull();
    expect(f.adjtime?.mode).toBe('UTC');
  });
});

describe('numbers no double holds', () => {
  it('an rtc attribute of 400 digits is not a number; a 400-digit calibration time is a ParseError', () => {
    const big = '9'.repeat(400);
    expect(parseRtc({ rtc0: { name: 'rtc_cmos', sinceEpoch: big, hctosys: '1' }, adjtime: null, adjtimePath: null }).sinceEpoch).toBeNull();
    expect(() => parseAdjtime(`0.0 0 0\n${big}\nUTC\n`, 'adjtime')).toThrow(ParseError);
  });
});
