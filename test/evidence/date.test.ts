/** `date` output: every locale-free form, the prompt's host, loops of two clocks and their fitted rate. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { DateFacts } from '../../agent/evidence/date/facts.js';
import { findReadings, epochReading, zoneOffsetSeconds } from '../../agent/evidence/date/clock-text.js';
import { compareClocks } from '../../agent/evidence/date/compare.js';
import { dateColumns } from '../../agent/evidence/date/columns.js';
import { dateKind } from '../../agent/evidence/date/index.js';
import { expectNeverThrows, expectNoClaims, fixture, foreignFiles, parseWith } from './kind-harness.js';

const d = (text: string): { facts: DateFacts | null; recognised: number } => parseWith<DateFacts>('date', text);
const at = (y: number, mo: number, da: number, h: number, mi: number, s: number): number => Date.UTC(y, mo - 1, da, h, mi, s) / 1000;

describe('clock readings', () => {
  it.each([
    ['Tue Jul  4 05:23:41 UTC 2017', at(2017, 7, 4, 5, 23, 41), 'ctime'],
    ['Fri Dec 13 10:46:13 AM -03 2024', at(2024, 12, 13, 13, 46, 13), 'ctime'],
    ['Wed Apr 27 20:04:41 SGT 2016', at(2016, 4, 27, 12, 4, 41), 'ctime'],
    ['Tue, 04 Jul 2017 05:23:41 +0000', at(2017, 7, 4, 5, 23, 41), 'rfc2822'],
    ['Thu 12 Sep 2013 05:10:30 PM CEST', at(2013, 9, 12, 15, 10, 30), 'ctime-dmy'],
    ['2017-07-04T05:23:41+00:00', at(2017, 7, 4, 5, 23, 41), 'iso'],
    ['2017-07-04 07:23:41,123456789+02:00', at(2017, 7, 4, 5, 23, 41) + 0.123456789, 'iso'],
  ])('%s', (text, epoch, form) => {
    const [r] = findReadings(text);
    expect(r).toMatchObject({ text, form });
    expect(r!.epoch).toBeCloseTo(epoch, 6);
  });
  it('ambiguous zones (CST, IST) keep the wall clock but no instant; 12 AM is midnight', () => {
    expect(findReadings('Mon Dec 16 16:07:34 CST 2024')[0]).toMatchObject({ epoch: null, wall: at(2024, 12, 16, 16, 7, 34) });
    expect(zoneOffsetSeconds('IST')).toBeNull();
    expect(findReadings('Mon Dec 16 12:07:34 AM UTC 2024')[0]!.epoch).toBe(at(2024, 12, 16, 0, 7, 34));
    expect(epochReading('1644482320.515633', 0)).toMatchObject({ epoch: 1644482320.515633, resolution: 1e-6 });
    expect(epochReading('12345', 0)).toBeNull();
  });
});

describe('date lines', () => {
  it('a lone reading under a prompt carries the prompt\'s host', () => {
    const f = fixture<DateFacts>('date', 'date/rancheros-host2.txt');
    expect(f.samples).toEqual([expect.objectContaining({ host: 'csy0ivkz', command: 'date', place: 'local', epochSeconds: at(2017, 7, 4, 7, 23, 27), line: 2 })]);
  });
  it('`date +%s` prints epoch seconds only its prompt can vouch for', () => {
    expect(d('$ date +%s\n1499145821\n').facts?.samples[0]?.epochSeconds).toBe(1499145821);
    expect(d('1499145821\n').recognised).toBe(0);
  });
  it('log lines that start with a time, timedatectl and hwclock lines are not date lines', () => {
    for (const line of [
      '2022-05-07T08:00:43Z chronyd version 4.1 starting (+CMDMON +NTP +REFCLOCK)',
      'Nov  9 16:18:09 debian kernel: [    0.000000] Linux version 4.19.0-9-amd64',
      '               Local time: Fri 2024-12-13 10:46:12 -03',
      'Tue Oct 20 20:14:58 2020  0.000000 seconds',
      '[Thu Mar  7 22:49:24 2019] PTP clock support registered',
    ]) expect(d(line).recognised).toBe(0);
    expect(d('$ timedatectl\nTue Jul  4 05:23:41 UTC 2017\n').recognised).toBe(0);
  });
});

describe('two clocks side by side', () => {
  it('the VirtualBox 5.0.4 loop: the guest at about 0.71 s per host second, the +53 s sync step cut out', () => {
    const f = fixture<DateFacts>('date', 'date/docker-machine-vbox-5.0.4-loop.txt');
    const c = f.comparisons[0]!;
    expect(f.comparisons).toHaveLength(1);
    expect(c.first).toEqual({ host: 'crystal', command: 'date -u', place: 'local' });
    expect(c.second).toEqual({ host: 'default', command: 'docker-machine ssh default date', place: 'vm' });
    expect(c.rows).toBe(11);
    expect(c.rate!).toBeGreaterThan(0.6);
    expect(c.rate!).toBeLessThan(0.8);
    expect(Math.abs(c.ratePpm! + 289_528)).toBeLessThan(1);
    expect(c.uncertaintyPpm!).toBeGreaterThan(30_000);
    expect(c.uncertaintyPpm!).toBeLessThan(100_000);
    expect(c.steps).toEqual([expect.objectContaining({ line: 12, at: 'Fri Sep 18 04:49:54 UTC 2015' })]);
    expect(c.steps[0]!.seconds).toBeCloseTo(53.2, 0);
    expect(c.loopLine?.line).toBe(1);
  });
  it('a loop printing each clock on its own line is read round robin', () => {
    const rows = Array.from({ length: 8 }, (_, i) => [`Mon Jan  1 00:00:${String(i * 2).padStart(2, '0')} UTC 2024`, `Mon Jan  1 00:10:${String(i * 2).padStart(2, '0')} UTC 2024`]).flat();
    const f = d(`$ while true; do date -u; ssh vm1 date -u; sleep 2; done\n${rows.join('\n')}\n`).facts!;
    expect(f.comparisons[0]).toMatchObject({ rows: 8, second: { host: 'vm1', place: 'remote' }, offsetFirstSeconds: 600 });
    expect(Math.abs(f.comparisons[0]!.ratePpm!)).toBeLessThan(f.comparisons[0]!.uncertaintyPpm!);
  });
  it('columns from the loop\'s command', () => {
    expect(dateColumns('printf "%s  %s\\n" "`date -u`" "`docker-machine ssh default date`"').map((c) => [c.host, c.place])).toEqual([[null, 'local'], ['default', 'vm']]);
    expect(dateColumns('date; rdctl shell date').map((c) => c.place)).toEqual(['local', 'vm']);
    expect(dateColumns('docker run --rm -it --privileged --pid=host alpine:3.4 date && date -u').map((c) => [c.host, c.place])).toEqual([['alpine:3.4', 'container'], [null, 'local']]);
  });
  it('the fitted rate is the true one within its uncertainty, steps or not (property, seed 25)', () => {
    fc.assert(fc.property(
      fc.double({ min: -0.4, max: 0.4, noNaN: true }), fc.integer({ min: 12, max: 120 }), fc.double({ min: 6, max: 60, noNaN: true }), fc.double({ min: 0, max: 0.999, noNaN: true }),
      (err, n, threshold, phase) => {
        // Whole-second readings of a true time and of a clock running at 1 + err that a sync steps back to
        // the truth whenever it is `threshold` seconds off. Steps of a few seconds read to the whole second
        // are lost in the readings' own noise when they recur every few rows (compare.ts), so none is
        // smaller than 6 s here.
        const pts: { first: number; second: number }[] = [];
        let base = 0;
        for (let i = 0; i < n; i++) {
          const t = i * 1.3 + phase;
          if (Math.abs((t - base) * err) > threshold) base = t;
          const guest = base + (t - base) * (1 + err) + 100;
          pts.push({ first: Math.floor(t), second: Math.floor(guest) });
        }
        const fit = compareClocks(pts, 1);
        if (fit === null) return;
        // The uncertainty is ±2σ; twice that keeps the 300 runs from failing on the quantisation's tails.
        expect(Math.abs(fit.ratePpm - err * 1e6)).toBeLessThanOrEqual(2 * fit.uncertaintyPpm);
      }), { numRuns: 300, seed: 25 });
  });
  it('readings of several machines in several files merge into one list, each keeping its host and file', () => {
    const a = fixture<DateFacts>('date', 'date/rancheros-host1.txt');
    const b = fixture<DateFacts>('date', 'date/rancheros-host2.txt');
    const m = dateKind.merge(a, b)!;
    expect(m.samples.map((x) => [x.host, x.path ?? m.path])).toEqual([['csc91arm', 'date/rancheros-host1.txt'], ['csy0ivkz', 'date/rancheros-host2.txt']]);
  });
  it('docker-machine hints VirtualBox, weakly, quoting the loop', () => {
    const hints = dateKind.hints!(fixture<DateFacts>('date', 'date/docker-machine-vbox-5.0.4-loop.txt'));
    expect(hints).toEqual([expect.objectContaining({ about: 'hypervisor', name: 'virtualbox', strength: 'weak', evidence: [expect.objectContaining({ line: 1 })] })]);
  });
});

describe('never claims other kinds, never throws', () => {
  it('recognises nothing in other kinds\' real files', () => {
    expectNoClaims('date', foreignFiles(['date', 'hwclock', 'uname']));
  });
  it('never throws (property, seed 26)', () => {
    expectNeverThrows('date', ['date', 'date +%s', 'Tue Jul  4 05:23:41 UTC 2017', 'Tue Jul  4 05:23:41 UTC 2017  Tue Jul  4 05:23:42 UTC 2017', '1499145821', 'while true; do date; ssh x date; done'], 26);
  });
});
