/**
 * References that need hardware this machine does not have: a clear "unavailable" message where the
 * device is absent, and the parsing/edge logic checked against a sysfs tree a test writes.
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

  it('times second edges of since_epoch against this clock (a test writes the edges)', async () => {
    const { roots, dir } = tmpRoots();
    const file = path.join(dir, 'sys', 'class', 'rtc', 'rtc0', 'since_epoch');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // An "RTC" 2 s ahead of this clock: it shows whole seconds of (now + 2 s).
    const write = (): void => fs.writeFileSync(file, `${Math.floor(Date.now() / 1000) + 2}\n`);
    write();
    const timer = setInterval(write, 1);
    cleanups.push(() => clearInterval(timer));
    const clock = new LocalClock();
    clock.calibrate();
    const r = new RtcReference('rtc0', roots, 2000);
    const a = await r.sample(clock);
    const b = await r.sample(clock);
    // Offset = RTC − local at the edge ≈ +2 s, within the writer's timer jitter.
    for (const s of [a, b]) expect(Math.abs(s.offsetSeconds - 2)).toBeLessThan(0.03);
    // Consecutive edges are about one second apart.
    expect(Number(b.monoNs - a.monoNs) / 1e9).toBeGreaterThan(0.9);
    expect(Number(b.monoNs - a.monoNs) / 1e9).toBeLessThan(2.1);
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
