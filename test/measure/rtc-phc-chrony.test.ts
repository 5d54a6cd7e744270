/**
 * References that need hardware this machine does not have: a clear "unavailable" message where the
 * device is absent, and the parsing/edge logic checked against a sysfs tree a test writes — on
 * simulated time, so the edges are where the test put them however busy the machine is.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalClock } from '../../agent/measure/local-clock.js';
import { RtcReference, parseRtcSpec } from '../../agent/measure/rtc-reference.js';
import { PhcReference, parsePhcCmp, parsePhcGet, parsePhcSpec } from '../../agent/measure/phc-reference.js';
import { ChronyReference, parseChronySpec } from '../../agent/measure/chrony-reference.js';
import { openReference } from '../../agent/measure/open-reference.js';
import { runMeasurement } from '../../agent/measure/run.js';
import { SimClock } from '../helpers/sim-clock.js';
import { truthPpm } from '../helpers/sim-reference.js';
import { ReferenceFailure } from '../../agent/measure/reference.js';
import { UsageError } from '../../agent/errors.js';
import type { Roots } from '../../agent/roots.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function tmpRoots(): { roots: Roots; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clockdoctor-rtc-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return { dir, roots: { procfs: path.join(dir, 'proc'), sysfs: path.join(dir, 'sys'), rootfs: dir, commands: null } };
}

describe('reference specs', () => {
  it('parses every documented form and refuses others as usage errors', () => {
    expect(parseRtcSpec('rtc')).toBe('rtc0');
    expect(parseRtcSpec('rtc:/dev/rtc1')).toBe('rtc1');
    expect(parseRtcSpec('rtc:../../etc')).toBeNull();
    expect(parsePhcSpec('phc:/dev/ptp0')).toBe('/dev/ptp0');
    expect(parsePhcSpec('phc:/dev/ptp_hyperv')).toBe('/dev/ptp_hyperv');
    expect(parsePhcSpec('phc:/etc/passwd')).toBeNull();
    expect(parseChronySpec('chrony')).toBe('local');
    expect(parseChronySpec('chrony://127.0.0.1:10323')).toEqual({ host: '127.0.0.1', port: 10323 });
    expect(parseChronySpec('chrony://-oops')).toBeNull();
    expect(openReference('ntp://[::1]:1234').name).toBe('ntp://[::1]:1234');
    expect(openReference('ntp://pool.example').name).toBe('ntp://pool.example:123');
    for (const bad of ['', 'ntp://', 'ntp://host:99999', 'ntp://-x', 'http://x', 'phc:/dev/sda', 'rtc:x', 'chrony://']) {
      expect(() => openReference(bad)).toThrow(UsageError);
    }
  });
});

describe('rtc', () => {
  it('fails clearly where there is no RTC', async () => {
    const { roots } = tmpRoots();
    const r = new RtcReference('rtc0', roots, 500);
    const err = await r.sample(new LocalClock()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReferenceFailure);
    expect((err as ReferenceFailure).kind).toBe('unavailable');
    expect((err as ReferenceFailure).message).toMatch(/no RTC: .*class\/rtc\/rtc0\/since_epoch does not exist/);
  });

  /**
   * A simulated RTC in a real sysfs file: on simulated time the file shows whole seconds of an RTC
   * `aheadSeconds` ahead of this clock running `ratePpm` fast, rewritten the instant its second changes.
   */
  function simRtc(aheadSeconds: number, ratePpm = 0): { sim: SimClock; roots: Roots; file: string } {
    const { roots, dir } = tmpRoots();
    const file = path.join(dir, 'sys', 'class', 'rtc', 'rtc0', 'since_epoch');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Each clock read costs 10 µs: the edge search spins as it would on a slow emulated CMOS RTC.
    const sim = new SimClock({ readCostNs: 10_000n });
    const start = sim.nowNs;
    const startWall = sim.nowNs + sim.wallOffsetNs;
    let shown = -1;
    const show = (mono: bigint): void => {
      const el = mono - start;
      const rtcNs = startWall + BigInt(aheadSeconds * 1e9) + el + (el * BigInt(Math.round(ratePpm * 1e6))) / 1_000_000_000_000n;
      const sec = Number(rtcNs / 1_000_000_000n);
      if (sec !== shown) fs.writeFileSync(file, `${sec}\n`);
      shown = sec;
    };
    show(sim.nowNs);
    sim.onAdvance = show;
    return { sim, roots, file };
  }

  it('times second edges of since_epoch against this clock, to within the bracket it reports', async () => {
    const { sim, roots } = simRtc(2);
    const clock = sim.localClock();
    const r = new RtcReference('rtc0', roots, 2000);
    const a = await sim.drive(r.sample(clock));
    const b = await sim.drive(r.sample(clock));
    // The edge lies between the last read showing N and the first showing N + 1: the offset is off by
    // at most half that bracket plus the error of this clock's own REALTIME − MONOTONIC estimate (reads
    // this slow catch no clean millisecond edge: it says ±0.5 ms).
    const wError = Number(clock.offsetErrorNs) / 1e9;
    expect(wError).toBeGreaterThan(0);
    for (const s of [a, b]) expect(Math.abs(s.offsetSeconds - 2), `offset ${s.offsetSeconds} s, bracket ${s.delaySeconds} s, W ± ${wError} s`).toBeLessThanOrEqual(s.delaySeconds! / 2 + wError);
    // First edge: found by 2 ms polls. Second: predicted, slept up to, then caught by spinning reads.
    expect(a.delaySeconds!).toBeLessThanOrEqual(0.0021);
    expect(b.delaySeconds!).toBeLessThan(50e-6);
    // Consecutive edges one second apart.
    expect(Math.abs(Number(b.monoNs - a.monoNs) / 1e9 - 1)).toBeLessThanOrEqual((a.delaySeconds! + b.delaySeconds!) / 2 + 5e-6);
  });

  it('measures an RTC running 150 ppm fast: the truth inside the printed interval', async () => {
    const { sim, roots } = simRtc(0.4, 150);
    const out = await sim.drive(runMeasurement({ reference: 'rtc', roots, durationMs: 20_000, intervalMs: 1000, clock: sim.localClock() }));
    const m = out.measurement;
    expect(out.failure).toBeNull();
    expect(m.samples).toBeGreaterThanOrEqual(19);
    expect(Math.abs(m.driftPpm! - truthPpm(150))).toBeLessThanOrEqual(m.uncertaintyPpm!);
    expect(m.uncertaintyPpm!).toBeLessThan(5);
  });

  it('an RTC that never ticks times out with a clear message', async () => {
    const { roots, dir } = tmpRoots();
    const file = path.join(dir, 'sys', 'class', 'rtc', 'rtc0', 'since_epoch');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '1700000000\n');
    const sim = new SimClock({ readCostNs: 10_000n });
    const err = await sim.drive(new RtcReference('rtc0', roots, 1500).sample(sim.localClock()).catch((e: unknown) => e));
    expect((err as ReferenceFailure).kind).toBe('timeout');
    expect((err as ReferenceFailure).message).toMatch(/the RTC did not tick within 1500 ms/);
  });

  it('rejects a since_epoch that is not a number', async () => {
    const { roots, dir } = tmpRoots();
    const file = path.join(dir, 'sys', 'class', 'rtc', 'rtc0', 'since_epoch');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '\x1b[2Jnope\n');
    const err = await new RtcReference('rtc0', roots, 300).sample(new LocalClock()).catch((e: unknown) => e);
    expect((err as ReferenceFailure).kind).toBe('rejected');
    expect((err as ReferenceFailure).message).not.toContain('\x1b');
  });
});

describe('phc', () => {
  it('parses phc_ctl cmp and get output', () => {
    expect(parsePhcCmp('phc_ctl[1234.567]: offset from CLOCK_REALTIME is -37000012345ns\n')).toEqual({ sysMinusPhcNs: -37000012345n, approximate: false });
    expect(parsePhcCmp('phc_ctl[1.2]: offset from CLOCK_REALTIME is approximately 1500ns')).toEqual({ sysMinusPhcNs: 1500n, approximate: true });
    expect(parsePhcCmp('phc_ctl[1.2]: unknown clock /dev/ptp0: No such device')).toBeNull();
    expect(parsePhcGet('phc_ctl[1.2]: clock time is 1700000000.000123456 or Tue Nov 14 22:13:20 2023')).toBe(1_700_000_000_000_123_456n);
  });

  it('fails clearly where there is no PTP device', async () => {
    const r = new PhcReference('/dev/ptp-clockdoctor-test-absent', 2000);
    const err = await r.sample(new LocalClock()).catch((e: unknown) => e);
    expect((err as ReferenceFailure).kind).toBe('unavailable');
    expect((err as ReferenceFailure).message).toMatch(/no PTP clock \/dev\/ptp-clockdoctor-test-absent: load ptp_kvm/);
  });
});

describe('chrony', () => {
  it('says chronyd is not running when chronyc cannot reach it', async () => {
    // Port 1 on loopback: nothing listens, chronyc gives up quickly.
    const r = new ChronyReference(5000, { host: '127.0.0.1', port: 1 });
    const err = await r.sample(new LocalClock()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReferenceFailure);
    expect((err as ReferenceFailure).kind).toBe('unavailable');
    expect((err as ReferenceFailure).message).toMatch(/chronyd is not running|chronyc/);
  });
});
