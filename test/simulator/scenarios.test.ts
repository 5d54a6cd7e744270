import { describe, expect, it } from 'vitest';
import { SCENARIOS, runScenario } from '../../simulator/scenarios.js';
import { minutesSeconds } from '../../agent/util/format.js';
import { simulate } from '../../simulator/engine.js';
import { defaultParams } from '../../simulator/model-params.js';

describe('model.md §6 reference scenarios', () => {
  for (const s of SCENARIOS) {
    it(`${s.id}: ${s.expected}`, () => {
      const out = runScenario(s);
      for (const c of out.checks) {
        expect.soft(c.actual, `${s.id} ${c.label}`).toBeGreaterThanOrEqual(c.expected - c.tolerance - 1e-12);
        expect.soft(c.actual, `${s.id} ${c.label}`).toBeLessThanOrEqual(c.expected + c.tolerance + 1e-12);
      }
      expect(out.pass).toBe(true);
    });
  }
});

describe('the documented VirtualBox 5.0 table (stopwatch after 5:00 of real time)', () => {
  const base = { hypervisor: 'virtualbox', claimedTscHz: 3_478_274_491, trueTscHz: 3_400_109_000, kernelVersion: '3.2' } as const;
  const reads = (over: Parameters<typeof defaultParams>[0]): string => minutesSeconds(simulate(defaultParams({ ...base, ...over })).guestElapsedSeconds);
  it('paravirt KVM: kvm-clock and tsc 4:53–4:54, acpi_pm 5:00', () => {
    expect(['4:53', '4:54']).toContain(reads({ paravirt: 'kvm', clocksource: 'kvm-clock' }));
    expect(['4:53', '4:54']).toContain(reads({ paravirt: 'kvm', clocksource: 'tsc' }));
    expect(reads({ paravirt: 'kvm', clocksource: 'acpi_pm' })).toBe('5:00');
  });
  it('Legacy and None: tsc 5:00, acpi_pm 5:00', () => {
    for (const paravirt of ['legacy', 'none'] as const) {
      expect(reads({ paravirt, clocksource: 'tsc' })).toBe('5:00');
      expect(reads({ paravirt, clocksource: 'acpi_pm' })).toBe('5:00');
    }
  });
  it('real KVM kvm-clock 5:00', () => {
    expect(minutesSeconds(simulate(defaultParams({ hypervisor: 'kvm', clocksource: 'kvm-clock' })).guestElapsedSeconds)).toBe('5:00');
  });
  it('after TSCTicksPerSecond 3400109000: 5:00', () => {
    expect(reads({ paravirt: 'kvm', clocksource: 'kvm-clock', claimedTscHz: 3_400_109_000, tscTicksPerSecondOverride: true })).toBe('5:00');
    expect(reads({ paravirt: 'kvm', clocksource: 'tsc', claimedTscHz: 3_400_109_000, tscTicksPerSecondOverride: true })).toBe('5:00');
  });
});
