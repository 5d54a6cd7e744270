/** `hwclock` output: util-linux's ISO form (2.32+) and old form, busybox, `--verbose`, errors. */
import { describe, expect, it } from 'vitest';
import type { HwclockFacts } from '../../agent/evidence/hwclock/facts.js';
import type { DateFacts } from '../../agent/evidence/date/facts.js';
import { expectNeverThrows, expectNoClaims, fixture, foreignFiles, parseWith } from './kind-harness.js';

const h = (text: string): { facts: HwclockFacts | null; recognised: number } => parseWith<HwclockFacts>('hwclock', text);

/** A `hwclock --verbose` run, the lines util-linux 2.3x prints (sys-utils/hwclock.c), RTC kept in local time. */
const VERBOSE_LOCAL = [
  '$ sudo hwclock --verbose',
  'hwclock from util-linux 2.34',
  'System Time: 1612345678.123456',
  'Trying to open: /dev/rtc0',
  'Using the rtc interface to the clock.',
  'Last drift adjustment done at 0 seconds after 1969',
  'Last calibration done at 0 seconds after 1969',
  'Hardware clock is on UTC time',
  'Assuming hardware clock is kept in UTC time.',
  'Waiting for clock tick...',
  '...got clock tick',
  'Time read from Hardware Clock: 2021/02/03 10:47:59',
  'Hw clock time : 2021/02/03 10:47:59 = 1612349279 seconds since 1969',
  'Time since last adjustment is 1612349279 seconds',
  'Calculated Hardware Clock drift is 0.000000 seconds',
  '2021-02-03 11:47:58.132456+01:00',
].join('\n');

describe('the time hwclock prints', () => {
  it('util-linux 2.32+ ISO with microseconds and zone is an instant', () => {
    const f = fixture<HwclockFacts>('hwclock', 'hwclock/nixos-localtime-utc-verbose.txt');
    expect(f.readings.map((r) => [r.text, r.epochSeconds])).toEqual([['2024-12-13 13:47:36.543026-03:00', 1734108456.543026], ['2024-12-13 10:47:40.175254-03:00', 1734097660.175254]]);
    expect(f.readings[0]!.command).toBe('sudo hwclock --localtime');
    expect(f.version).toBe('2.39.4');
  });
  it('the old and busybox forms (`… 0.000000 seconds`) keep the wall clock, no instant without a zone', () => {
    const f = fixture<HwclockFacts>('hwclock', 'hwclock/busybox-style-show-utc.txt');
    expect(f.readings).toHaveLength(3);
    expect(f.readings[0]).toMatchObject({ text: 'Tue Oct 20 20:14:58 2020', epochSeconds: null, wallSeconds: Date.UTC(2020, 9, 20, 20, 14, 58) / 1000 });
    const old = h('Thu 12 Sep 2013 05:10:30 PM CEST  -0.500000 seconds\n').facts!;
    expect(old.readings[0]).toMatchObject({ zone: 'CEST', epochSeconds: Date.UTC(2013, 8, 12, 15, 10, 30) / 1000 });
  });
  it('a bare ISO time without microseconds is not hwclock\'s outside its prompt', () => {
    expect(h('2017-07-04T05:23:41+00:00\n').recognised).toBe(0);
    expect(h('$ hwclock\n2017-07-04 05:23:41.519838+00:00\n').facts?.readings).toHaveLength(1);
  });
});

describe('--verbose', () => {
  it('RTC − system time of one run: a whole hour when the RTC holds local time read as UTC', () => {
    const f = h(VERBOSE_LOCAL).facts!;
    expect(f).toMatchObject({ version: '2.34', systemTimeSeconds: 1612345678.123456, rtcSeconds: 1612349279, rtcMode: 'UTC', rtcDevice: '/dev/rtc0', accessible: true });
    expect(f.rtcMinusSystemSeconds).toBeCloseTo(3600.876544, 5);
  });
  it('without `Hw clock time` the time printed last is the RTC as of the run\'s start', () => {
    const f = h(VERBOSE_LOCAL.split('\n').filter((x) => !x.startsWith('Hw clock')).join('\n')).facts!;
    expect(f.rtcMinusSystemSeconds).toBeCloseTo(1612349278.132456 - 1612345678.123456, 5);
  });
  it('two runs in one paste: the first run\'s pair is kept', () => {
    const f = fixture<HwclockFacts>('hwclock', 'hwclock/util-linux-2.37.3-systohc-verbose.txt');
    expect(f).toMatchObject({ version: '2.37.3', systemTimeSeconds: 1644482320.325771, rtcMode: 'UTC', rtcMinusSystemSeconds: null });
  });
  it('errors a VM without an RTC prints', () => {
    const f = h('$ sudo hwclock\nhwclock: Cannot access the Hardware Clock via any known method.\nhwclock: Use the --verbose option to see the details of our search for an access method.\n').facts!;
    expect(f.accessible).toBe(false);
    expect(f.errors).toHaveLength(1);
    expect(h('hwclock: select() to /dev/rtc0 to wait for clock tick timed out\n').facts?.tickTimedOut).toBe(true);
  });
});

describe('boundaries with other kinds', () => {
  it('timedatectl\'s RTC line is not hwclock\'s; hwclock\'s ISO line is not date\'s', () => {
    expect(h('                 RTC time: Fri 2024-12-13 13:46:12\n').recognised).toBe(0);
    expect(parseWith<DateFacts>('date', '2024-12-13 13:47:36.543026-03:00\n').recognised).toBe(0);
    expect(parseWith<DateFacts>('date', 'Thu 12 Sep 2013 05:10:30 PM CEST  -0.500000 seconds\n').recognised).toBe(0);
  });
  it('recognises nothing in other kinds\' real files', () => {
    expectNoClaims('hwclock', foreignFiles(['hwclock']));
  });
  it('never throws (property, seed 23)', () => {
    expectNeverThrows('hwclock', ['hwclock --verbose', 'System Time: 1.5', 'Hw clock time : 2021/02/03 10:47:59 = 99 seconds since 1969', '2021-02-03 11:47:58.132456+01:00', 'hwclock: Cannot access the Hardware Clock via any known method.'], 23);
  });
});
