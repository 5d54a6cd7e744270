/** Kernel command line: every time knob, quoting, `--`, the live capture, this machine. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { kernelParams, parseCmdline } from '../../agent/evidence/cmdline/parser.js';
import { DEFAULT_ROOTS, procPath } from '../../agent/roots.js';

describe('parseCmdline', () => {
  it('reads every time-related parameter', () => {
    const f = parseCmdline('BOOT_IMAGE=/vmlinuz ro clocksource=acpi_pm tsc=reliable tsc=nowatchdog notsc no-kvmclock nohz=off nohz_full=1-3 divider=10 hpet=disable lpj=4000000 tsc_early_khz=3400109 quiet\n', 'c');
    expect(f).toMatchObject({
      clocksource: 'acpi_pm', tsc: ['reliable', 'nowatchdog'], notsc: true, noKvmclock: true, nohz: 'off', nohzFull: '1-3',
      divider: 10, hpet: 'disable', lpj: 4000000, tscEarlyKhz: 3400109,
    });
    expect(f.raw.endsWith('quiet')).toBe(true);
    expect(f.refs.clocksource?.line).toBe(1);
  });
  it('absent knobs are null/false/empty', () => {
    expect(parseCmdline('ro quiet')).toMatchObject({ clocksource: null, tsc: [], notsc: false, noKvmclock: false, nohz: null, divider: null, lpj: null, tscEarlyKhz: null });
  });
  it('handles quotes and stops at "--" (init arguments)', () => {
    expect(kernelParams('a="b c" "clocksource=tsc" -- clocksource=hpet')).toEqual([['a', 'b c'], ['clocksource', 'tsc']]);
    expect(parseCmdline('console=ttyS0 -- clocksource=hpet').clocksource).toBeNull();
  });
  it('the live capture (init arguments after -- removed by the capturer)', () => {
    const text = fs.readFileSync(path.resolve(import.meta.dirname, '..', 'fixtures', 'live', 'firecracker-kvm-6.18', 'proc', 'cmdline'), 'utf8');
    const f = parseCmdline(text, 'cap');
    expect(f.raw.startsWith('mitigations=auto,no_guest_host,no_guest_guest console=ttyS0')).toBe(true);
    expect(f).toMatchObject({ clocksource: null, tsc: [], notsc: false, noKvmclock: false });
  });
  it('this machine', () => {
    const p = procPath(DEFAULT_ROOTS, 'cmdline');
    if (!fs.existsSync(p)) return;
    expect(typeof parseCmdline(fs.readFileSync(p, 'utf8'), p).raw).toBe('string');
  });
  it('never throws (property)', () => {
    fc.assert(fc.property(fc.string(), (s) => { expect(parseCmdline(s).tsc.length).toBeGreaterThanOrEqual(0); }), { numRuns: 500 });
  });
});
