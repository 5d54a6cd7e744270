import { describe, expect, it } from 'vitest';
import { simulate } from '../../simulator/engine.js';
import { defaultParams } from '../../simulator/model-params.js';
import { ACPI_PM_WRAP_SECONDS } from '../../simulator/constants.js';

describe('engine details', () => {
  it('ntpd exits when the offset is beyond its 1000 s panic threshold, and says so', () => {
    const r = simulate(defaultParams({ hypervisor: 'kvm', clocksource: 'acpi_pm', initialOffsetSeconds: -2000, correctors: [{ name: 'ntpd' }], durationSeconds: 3600 }));
    expect(r.correctors[0]?.active).toBe(false);
    expect(r.offsetSeconds).toBe(-2000);
    expect(r.explanation.join('\n')).toMatch(/ntpd exits: offset −2000 s is beyond the 1000 s panic threshold/);
  });

  it('a host suspend freezes even a real-rate TSC and nothing gives the time back', () => {
    const r = simulate(defaultParams({ hypervisor: 'kvm', clocksource: 'kvm-clock', stalls: [{ atSeconds: 50, durationSeconds: 30, kind: 'suspend' }] }));
    expect(r.offsetSeconds).toBeCloseTo(-30, 9);
  });

  it('a stall on a real-rate clock costs nothing', () => {
    const r = simulate(defaultParams({ hypervisor: 'kvm', clocksource: 'kvm-clock', stalls: [{ atSeconds: 50, durationSeconds: 30, kind: 'stall' }] }));
    expect(r.offsetSeconds).toBe(0);
  });

  it('acpi_pm loses whole 4.687 s wraps only', () => {
    for (const d of [4, 4.7, 10, 20]) {
      const r = simulate(defaultParams({ hypervisor: 'kvm', clocksource: 'acpi_pm', stalls: [{ atSeconds: 10, durationSeconds: d, kind: 'stall' }] }));
      expect(r.offsetSeconds).toBeCloseTo(-Math.floor(d / ACPI_PM_WRAP_SECONDS) * ACPI_PM_WRAP_SECONDS, 9);
    }
  });

  it('VirtualBox catch-up: a 1 s lag runs at +200 % down to 0.5 s, then slower, and stops below 0.5 ms', () => {
    const r = simulate(defaultParams({ hypervisor: 'virtualbox', paravirt: 'none', clocksource: 'acpi_pm', stalls: [{ atSeconds: 10, durationSeconds: 1, kind: 'stall' }], durationSeconds: 60 }));
    expect(r.offsetSeconds).toBeCloseTo(-0.0005, 9);
    expect(r.events.map((e) => e.text).join('\n')).toMatch(/catches up 1\.00 s at \+200 %/);
    // Phases: 1 s → 0.5 s at +200 % takes 0.25 s; the rest is quicker than another second.
    const done = r.events.find((e) => e.text.startsWith('catch-up done'));
    expect(done?.t).toBeGreaterThan(11.25);
    expect(done?.t).toBeLessThan(12.5);
  });

  it('QEMU lost-tick policies on jiffies: discard loses the stall, slew gives it back', () => {
    const base = { hypervisor: 'kvm' as const, clocksource: 'jiffies' as const, tick: 'periodic' as const, hz: 1000, stalls: [{ atSeconds: 10, durationSeconds: 5, kind: 'stall' as const }], durationSeconds: 100 };
    const pit = 100 * 152.55658e-6;
    expect(simulate(defaultParams({ ...base, lostTickPolicy: 'discard' })).offsetSeconds).toBeCloseTo(-5 + pit, 4);
    expect(simulate(defaultParams({ ...base, lostTickPolicy: 'slew' })).offsetSeconds).toBeCloseTo(pit, 4);
    expect(simulate(defaultParams({ ...base, lostTickPolicy: 'reinject' })).offsetSeconds).toBeCloseTo(pit, 4);
  });

  it('VMware Tools never steps a fast guest back: it holds it near 120 s · e', () => {
    const e = 20_000e-6;
    const r = simulate(defaultParams({ hypervisor: 'vmware', clocksource: 'acpi_pm', crystalPpm: e * 1e6, correctors: [{ name: 'vmware-tools' }], durationSeconds: 86400 }));
    expect(r.stepCount).toBe(0);
    expect(r.maxOffsetSeconds).toBeGreaterThan(120 * e * 0.95);
    expect(r.maxOffsetSeconds).toBeLessThan(120 * e + 60 * e + 1e-9);
  });

  it('an assumption changes the answer when overridden, and is named in the output', () => {
    const p = defaultParams({ hypervisor: 'vmware', clocksource: 'acpi_pm', stalls: [{ atSeconds: 10, durationSeconds: 45, kind: 'stall' }], durationSeconds: 600 });
    const dflt = simulate(p);
    expect(dflt.offsetSeconds).toBeCloseTo(0, 6);
    expect(dflt.assumptions.join('\n')).toMatch(/vmwareGiveUpSeconds: VMware documents catch-up with a backlog limit; 60 s assumed/);
    const strict = simulate({ ...p, assumptions: { ...p.assumptions, vmwareGiveUpSeconds: 30 } });
    expect(strict.offsetSeconds).toBeCloseTo(-45, 6);
  });

  it('the watchdog demotes a drifting TSC on a new kernel and the run continues on the watchdog clock', () => {
    const r = simulate(defaultParams({ hypervisor: 'bare-metal', clocksource: 'tsc', claimedTscHz: 3_478_274_491, trueTscHz: 3_400_109_000, hpetPresent: true, kernelVersion: '6.1', durationSeconds: 3600 }));
    expect(r.clocksourceStart).toBe('tsc');
    expect(r.clocksource).toBe('hpet');
    expect(r.offsetSeconds).toBeCloseTo(-0.0224725, 6);
    expect(r.explanation.join('\n')).toMatch(/tsc demoted after ≈1 s, guest switches to hpet/);
  });

  it('Xen: the 1 % scale error is reported as a bound, not stepped every second', () => {
    const r = simulate(defaultParams({ hypervisor: 'xen', clocksource: 'xen', claimedTscHz: 3e9, trueTscHz: 3.03e9, durationSeconds: 86400 }));
    expect(r.eventCount).toBeLessThan(5);
    expect(r.pattern.kind).toBe('bounded');
    expect(r.boundedBelowResolution?.amplitudeSeconds).toBeCloseTo(0.01, 9);
  });

  it('KVM re-anchors kvm-clock every 300 s: the sawtooth amplitude is e·300 s', () => {
    const r = simulate(defaultParams({ hypervisor: 'kvm', clocksource: 'kvm-clock', claimedTscHz: 3e9, trueTscHz: 3.0003e9, durationSeconds: 3000 }));
    expect(r.pattern.kind).toBe('sawtooth');
    expect(r.pattern.periodSeconds).toBeCloseTo(300, 6);
    expect(r.pattern.amplitudeSeconds).toBeCloseTo(100e-6 * 300, 9);
  });

  it('every contribution is tagged and the documented sentence is there', () => {
    const r = simulate(defaultParams({ hypervisor: 'virtualbox', paravirt: 'kvm', clocksource: 'kvm-clock', claimedTscHz: 3_478_274_491, trueTscHz: 3_400_109_000 }));
    for (const c of r.contributions) expect(c.tag).toMatch(/^[a-z0-9:-]+$/);
    const claim = r.contributions.find((c) => c.tag === 'tsc-frequency-claim');
    expect(claim?.ppm).toBeCloseTo(-22472.49, 1);
    expect(claim?.text).toBe("−22 472 ppm: kvm-clock uses VirtualBox's claimed 3 478 274 491 Hz while the TSC ticks at 3 400 109 000 Hz");
  });
});
