/**
 * The parts of the project's shared real cases that are these kinds' (the rest of those cases is the
 * kernel-log and time-sync kinds'): each file accepted, the facts right, the words of the findings
 * they lead to right, no harmful advice. The evidence files are copies in test/fixtures (SOURCE.md).
 */
import { describe, expect, it } from 'vitest';
import { analyzePastes, byId, words } from '../analyzers/paste.js';
import type { LscpuFacts } from '../../agent/evidence/lscpu/facts.js';

const HARMFUL = /tsc=reliable|notsc|clocksource=(?:tsc|hpet|acpi_pm)|bios update|update (?:your|the) bios/i;

describe('vmware-rancheros-ntpd-no-initial-step-2h-offset (the two date files)', () => {
  const r = analyzePastes({ 'date/rancheros-host1.txt': null, 'date/rancheros-host2.txt': null });
  it('both accepted, one machine set, a warning that names NTP and the initial step', () => {
    expect(r.subjects).toHaveLength(1);
    const f = byId(r, 'CLOCKS_DIFFER_BY_UTC_OFFSET')!;
    expect(f.severity).toBe('warning');
    expect(words(f)).toMatch(/ntp/i);
    expect(words(f)).toMatch(/-gq|makestep|step/);
    expect(r.findings.map(words).join('\n')).not.toMatch(HARMFUL);
  });
});

describe('arm64-lima-colima-m1-guest-clock-behind-after-host-sleep (versions.txt)', () => {
  const r = analyzePastes({ 'versions/lima-colima-m1.txt': null });
  it('read as tool versions and a Mac host: an arm64 guest of QEMU with Hypervisor.framework', () => {
    expect(r.facts.versions?.tools.map((t) => t.tool)).toEqual(['lima', 'colima']);
    expect(r.facts.uname?.macHost?.machine).toBe('arm64');
    expect(r.derived.platform).toMatchObject({ hypervisor: 'hvf', role: 'guest', arch: 'arm64' });
    expect(r.findings.map(words).join('\n')).not.toMatch(HARMFUL);
  });
});

describe('haxm-android-emulator-per-vcpu-tsc-offset-warp (lscpu.txt)', () => {
  const r = analyzePastes({ 'lscpu/haxm-guest-flags-cut.txt': null });
  it('read as a cut lscpu: x86 TSC flags, and no claim that the missing hypervisor flag means bare metal', () => {
    const l = r.facts.lscpu as LscpuFacts;
    expect(l).toMatchObject({ arch: 'x86', cut: true, hypervisorFlag: null, tscFlags: ['tsc', 'constant_tsc', 'rdtscp'] });
    expect(r.derived.platform.role).toBeNull();
    expect(r.findings.map(words).join('\n')).not.toMatch(HARMFUL);
  });
});
