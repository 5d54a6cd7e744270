import { describe, expect, it } from 'vitest';
import { simulate } from '../../simulator/engine.js';
import { simulateFixedStep } from '../../simulator/reference.js';
import { defaultParams, type ModelParams } from '../../simulator/model-params.js';

const vbox = (over: Partial<ModelParams>): ModelParams =>
  defaultParams({ hypervisor: 'virtualbox', paravirt: 'kvm', clocksource: 'kvm-clock', claimedTscHz: 3_478_274_491, trueTscHz: 3_400_109_000, kernelVersion: '3.2', ...over });

/**
 * Configurations where every event falls on a 1 s grid, so the fixed-step run is exact too. Rates are
 * deliberately not round: with round ones a threshold is met exactly at a poll and float noise decides.
 */
const CASES: [string, ModelParams][] = [
  ['S1 no corrector', vbox({})],
  ['S1 + VBoxService', vbox({ correctors: [{ name: 'vboxservice' }] })],
  ['S1 + chrony', vbox({ correctors: [{ name: 'chrony' }] })],
  ['S1 + timesyncd', vbox({ correctors: [{ name: 'timesyncd' }] })],
  ['VBoxService −103.7 ppm', defaultParams({ hypervisor: 'virtualbox', clocksource: 'acpi_pm', crystalPpm: -103.7, correctors: [{ name: 'vboxservice' }] })],
  ['VBoxService +347.3 ppm', defaultParams({ hypervisor: 'virtualbox', clocksource: 'acpi_pm', crystalPpm: 347.3, correctors: [{ name: 'vboxservice' }] })],
  ['timesyncd −296.1 ppm', defaultParams({ hypervisor: 'kvm', clocksource: 'acpi_pm', crystalPpm: -296.1, correctors: [{ name: 'timesyncd' }] })],
  ['VMware Tools −22 472 ppm', defaultParams({ hypervisor: 'vmware', clocksource: 'tsc', claimedTscHz: 3_478_274_491, trueTscHz: 3_400_109_000, correctors: [{ name: 'vmware-tools' }] })],
  ['VMware Tools −97.3 ppm', defaultParams({ hypervisor: 'vmware', clocksource: 'acpi_pm', crystalPpm: -97.3, correctors: [{ name: 'vmware-tools' }] })],
  ['KVM 3 ppm, 300 s re-anchors', defaultParams({ hypervisor: 'kvm', clocksource: 'kvm-clock', claimedTscHz: 3e9, trueTscHz: 3.0000091e9 })],
  ['jiffies, 2 % lost ticks + VBoxService', defaultParams({ hypervisor: 'virtualbox', clocksource: 'jiffies', tick: 'periodic', hz: 1000, lostTickFraction: 0.02, correctors: [{ name: 'vboxservice' }] })],
  ['acpi_pm wrap loss + chrony', defaultParams({ hypervisor: 'kvm', clocksource: 'acpi_pm', crystalPpm: 41.3, stalls: [{ atSeconds: 5000, durationSeconds: 12, kind: 'stall' }], correctors: [{ name: 'chrony' }] })],
  ['VBoxService and chrony together', vbox({ correctors: [{ name: 'vboxservice', referenceOffsetSeconds: 0.5 }, { name: 'chrony' }] })],
  ['KVM re-anchors every 300 s under timesyncd steps every 32 s', defaultParams({ hypervisor: 'kvm', clocksource: 'kvm-clock', claimedTscHz: 3e9, trueTscHz: 2.9551e9, correctors: [{ name: 'timesyncd' }] })],
  ['KVM re-anchors every 300 s under VMware-style steps every 60 s', defaultParams({ hypervisor: 'kvm', clocksource: 'kvm-clock', claimedTscHz: 3e9, trueTscHz: 2.9551e9, correctors: [{ name: 'vmware-tools' }] })],
  ['watchdog demotion', defaultParams({ hypervisor: 'bare-metal', clocksource: 'tsc', claimedTscHz: 3_478_274_491, trueTscHz: 3_400_109_000, hpetPresent: true, kernelVersion: '6.1', correctors: [{ name: 'timesyncd' }] })],
];

describe('event engine agrees with the brute-force fixed-step run to 1e-6 relative', () => {
  for (const [name, base] of CASES) {
    it(name, () => {
      for (const T of [300, 3_600, 20_000, 86_400, 200_000]) {
        const p = { ...base, durationSeconds: T };
        const ev = simulate(p);
        const fx = simulateFixedStep(p, 1);
        const scale = Math.max(1e-3, Math.abs(fx.minOffsetSeconds), Math.abs(fx.maxOffsetSeconds));
        expect(Math.abs(ev.offsetSeconds - fx.offsetSeconds) / scale, `${name} at ${T} s: event ${ev.offsetSeconds} vs fixed ${fx.offsetSeconds}`).toBeLessThanOrEqual(1e-6);
        expect(ev.stepCount, `${name} at ${T} s: steps`).toBe(fx.stepCount);
      }
    });
  }

  it('the engine takes far fewer events than the fixed-step run takes steps', () => {
    const p = vbox({ correctors: [{ name: 'vboxservice' }], durationSeconds: 365 * 86400, lostTickFraction: 0.02 });
    const ev = simulate(p);
    expect(ev.eventCount).toBeLessThan(365 * 86400 / 1000);
  });

  it('refuses configurations it cannot reproduce exactly', () => {
    expect(() => simulateFixedStep(vbox({ correctors: [{ name: 'ntpd' }] }))).toThrow(/ntpd/);
    expect(() => simulateFixedStep(defaultParams({ hypervisor: 'virtualbox', clocksource: 'tsc', stalls: [{ atSeconds: 10, durationSeconds: 1, kind: 'stall' }] }))).toThrow(/catch-up/);
  });
});

/** Found by the shortcut property test: ties between a planned poll and a slew end or a re-anchor. */
const TIES: [string, ModelParams][] = [
  ['VBoxService +5714 ppm: the slew would end exactly on a poll', defaultParams({ hypervisor: 'kvm', clocksource: 'acpi_pm', crystalPpm: 40000 / 7, correctors: [{ name: 'vboxservice' }] })],
  ['chrony idle while KVM re-anchors on its poll grid', defaultParams({ hypervisor: 'kvm', clocksource: 'kvm-clock', claimedTscHz: 3e9, trueTscHz: 3e9 * (1 + 3.9e-11), correctors: [{ name: 'chrony' }] })],
];

describe('poll skipping changes nothing', () => {
  for (const [name, base] of [...CASES, ...TIES, ['S8 ntpd', vbox({ correctors: [{ name: 'ntpd' }] })] as [string, ModelParams], ['S20 70 s stall + VBoxService', defaultParams({ hypervisor: 'virtualbox', clocksource: 'tsc', stalls: [{ atSeconds: 100, durationSeconds: 70, kind: 'stall' }], correctors: [{ name: 'vboxservice' }] })] as [string, ModelParams]]) {
    it(name, () => {
      const p = { ...base, durationSeconds: 200_000 };
      const fast = simulate(p);
      const slow = simulate(p, { noSkip: true });
      const scale = Math.max(1e-3, slow.maxAbsOffsetSeconds);
      expect(Math.abs(fast.offsetSeconds - slow.offsetSeconds) / scale).toBeLessThanOrEqual(1e-6);
      expect(fast.stepCount).toBe(slow.stepCount);
      expect(Math.abs(fast.minOffsetSeconds - slow.minOffsetSeconds) / scale).toBeLessThanOrEqual(1e-6);
    });
  }
});
