import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { parseChronyTracking } from '../../agent/evidence/timesync/chrony-tracking.js';
import { ParseError } from '../../agent/errors.js';

const CAPTURED = 'test/fixtures/captures/firecracker-kvm-6.18-collected/commands/chronyc-tracking';

describe('parseChronyTracking', () => {
  it('reads the real `chronyc -c tracking` line of a chronyd with a local reference', () => {
    const t = parseChronyTracking(fs.readFileSync(CAPTURED, 'utf8'), CAPTURED);
    expect(t.referenceId).toBe('7F7F0101');
    expect(t.referenceName).toBe('');
    expect(t.stratum).toBe(8);
    expect(t.refTimeSeconds).toBeCloseTo(1795317487.710490641, 3);
    expect(t.systemTimeOffsetSeconds).toBe(0);
    expect(t.frequencyPpm).toBe(0);
    expect(t.leapStatus).toBe('Normal');
  });

  it('keeps chrony signs as printed (frequency > 0 = would run fast; system time > 0 = slow)', () => {
    const t = parseChronyTracking('A9FEA97B,169.254.169.123,4,1700000000.123456789,0.000001234,-0.000000567,0.000012345,-22472.125,0.001,0.012,0.000123000,0.000456000,64.2,Normal\n');
    expect(t.referenceName).toBe('169.254.169.123');
    expect(t.systemTimeOffsetSeconds).toBeCloseTo(1.234e-6, 12);
    expect(t.lastOffsetSeconds).toBeCloseTo(-5.67e-7, 12);
    expect(t.frequencyPpm).toBe(-22472.125);
    expect(t.residualFrequencyPpm).toBe(0.001);
    expect(t.skewPpm).toBe(0.012);
    expect(t.rootDelaySeconds).toBeCloseTo(0.000123, 9);
    expect(t.rootDispersionSeconds).toBeCloseTo(0.000456, 9);
    expect(t.updateIntervalSeconds).toBe(64.2);
  });

  it('keeps a comma inside the reference name from shifting the numbers', () => {
    const t = parseChronyTracking('0A000001,odd,name,3,1.5,0.1,0.2,0.3,4.5,0.6,0.7,0.8,0.9,16.0,Insert second');
    expect(t.referenceName).toBe('odd,name');
    expect(t.stratum).toBe(3);
    expect(t.frequencyPpm).toBe(4.5);
    expect(t.leapStatus).toBe('Insert second');
  });

  it('rejects the human format and junk with a ParseError naming the line', () => {
    expect(() => parseChronyTracking('Reference ID    : 7F7F0101 ()\nStratum         : 8\n', 'x')).toThrow(ParseError);
    expect(() => parseChronyTracking('', 'x')).toThrow(/empty/);
    try {
      parseChronyTracking('\n7F7F0101,,eight,1,0,0,0,0,0,0,0,0,0,Normal', 'f');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ParseError);
      expect((err as ParseError).line).toBe(2);
      expect((err as ParseError).message).toMatch(/stratum/);
    }
  });

  it('rejects a number no double holds (1e999, 400 digits) instead of reporting Infinity', () => {
    expect(() => parseChronyTracking('7F7F0101,,8,1e999,0,0,0,0,0,0,0,0,0,Normal', 'x')).toThrow(/ref time is out of range/);
    expect(() => parseChronyTracking(`7F7F0101,,8,1,${'9'.repeat(400)},0,0,0,0,0,0,0,0,Normal`, 'x')).toThrow(ParseError);
  });
});
