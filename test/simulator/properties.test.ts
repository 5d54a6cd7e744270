import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clockModels } from '../../simulator/clocks.js';
import { simulate } from '../../simulator/engine.js';
import { defaultParams, type ClockName, type CorrectorName, type Hypervisor, type Paravirt } from '../../simulator/model-params.js';

const hypervisors: Hypervisor[] = ['virtualbox', 'kvm', 'vmware', 'hyperv', 'xen', 'bare-metal'];
const paravirts: Paravirt[] = ['kvm', 'hyperv', 'minimal', 'legacy', 'none'];

describe('property: no error and no corrector → the offset stays 0', () => {
  it('any platform, any offered clocksource, any duration', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...hypervisors), fc.constantFrom(...paravirts), fc.integer({ min: 1_000_000_000, max: 4_000_000_000 }),
        fc.double({ min: 1, max: 3e8, noNaN: true }), fc.nat(20), fc.constantFrom('3.2', '5.15', null),
        (hypervisor, paravirt, hz, duration, pick, kernelVersion) => {
          const base = defaultParams({ hypervisor, paravirt, claimedTscHz: hz, trueTscHz: hz, durationSeconds: duration, kernelVersion });
          const offered = [...clockModels(base).clocks.keys()];
          const clocksource = offered[pick % offered.length] as ClockName;
          const r = simulate({ ...base, clocksource });
          expect(Math.abs(r.offsetSeconds)).toBeLessThanOrEqual(1e-12 * duration);
          expect(r.pattern.kind).toBe('none');
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('property: an error e and no corrector → offset e·T', () => {
  it('crystal error on an emulated timer', () => {
    fc.assert(
      fc.property(fc.double({ min: -100_000, max: 100_000, noNaN: true }), fc.double({ min: 1, max: 3e8, noNaN: true }), (ppm, T) => {
        const r = simulate(defaultParams({ hypervisor: 'kvm', clocksource: 'acpi_pm', crystalPpm: ppm, durationSeconds: T }));
        expect(Math.abs(r.offsetSeconds - ppm * 1e-6 * T)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(ppm * 1e-6 * T)));
      }),
      { numRuns: 200 },
    );
  });
  it('a wrong TSC claim on VirtualBox kvm-clock: e = f_true / f_claimed − 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_000_000_000, max: 4_000_000_000 }), fc.integer({ min: 1_000_000_000, max: 4_000_000_000 }), fc.double({ min: 1, max: 3e8, noNaN: true }), (claimed, truth, T) => {
        const r = simulate(defaultParams({ hypervisor: 'virtualbox', paravirt: 'kvm', clocksource: 'kvm-clock', claimedTscHz: claimed, trueTscHz: truth, durationSeconds: T }));
        const e = truth / claimed - 1;
        expect(Math.abs(r.offsetSeconds - e * T)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(e * T)));
        expect(r.guestElapsedSeconds).toBeCloseTo(T * (1 + e), 6);
      }),
      { numRuns: 200 },
    );
  });
});

/**
 * The longest a too-large offset can grow before the daemon's step rule fires: one poll (VBoxService,
 * timesyncd — whose poll can grow to 2048 s while the offset is small —, VMware Tools), or ntpd's stepout
 * plus the poll that notices.
 */
const rhythm: Record<Exclude<CorrectorName, 'chrony'>, { threshold: number; seconds: number }> = {
  ntpd: { threshold: 0.128, seconds: 900 + 64 },
  timesyncd: { threshold: 0.4, seconds: 2048 },
  vboxservice: { threshold: 1200, seconds: 10 },
  'vmware-tools': { threshold: 1, seconds: 60 },
};

describe('property: a corrector never lets |offset| exceed its step threshold by more than one poll of drift', () => {
  it('ntpd, timesyncd, VBoxService, VMware Tools (behind), chrony with makestep', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Exclude<CorrectorName, 'chrony'>>('ntpd', 'timesyncd', 'vboxservice', 'vmware-tools'),
        fc.double({ min: -60_000, max: 60_000, noNaN: true }),
        fc.double({ min: 60, max: 40 * 86400, noNaN: true }),
        (name, ppm, T) => {
          // VMware Tools steps only forward: a fast guest is slewed, never stepped (model.md §3.6).
          const e = name === 'vmware-tools' ? -Math.abs(ppm) : ppm;
          const r = simulate(defaultParams({ hypervisor: 'kvm', clocksource: 'acpi_pm', crystalPpm: e, correctors: [{ name }], durationSeconds: T }));
          const { threshold, seconds } = rhythm[name];
          expect(r.maxAbsOffsetSeconds).toBeLessThanOrEqual(threshold + Math.abs(e) * 1e-6 * seconds + 1e-9);
        },
      ),
      { numRuns: 150 },
    );
  });
  it('chrony with makestep 1 -1 (step whenever over 1 s)', () => {
    fc.assert(
      fc.property(fc.double({ min: -300_000, max: 300_000, noNaN: true }), fc.double({ min: 60, max: 10 * 86400, noNaN: true }), (ppm, T) => {
        const r = simulate(defaultParams({ hypervisor: 'kvm', clocksource: 'acpi_pm', crystalPpm: ppm, correctors: [{ name: 'chrony', trained: false, makestep: { thresholdSeconds: 1, limit: -1 } }], durationSeconds: T }));
        expect(r.maxAbsOffsetSeconds).toBeLessThanOrEqual(1 + Math.abs(ppm) * 1e-6 * 64 + 1e-9);
      }),
      { numRuns: 100 },
    );
  });
});

describe('property: the engine\'s shortcuts (poll and cycle skipping) never change the result', () => {
  it('random platform, rate error, stall and one corrector: skipping on vs every poll executed', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<CorrectorName>('ntpd', 'chrony', 'timesyncd', 'vboxservice', 'vmware-tools'),
        fc.constantFrom<[Hypervisor, ClockName]>(['kvm', 'kvm-clock'], ['kvm', 'acpi_pm'], ['virtualbox', 'tsc'], ['virtualbox', 'acpi_pm'], ['vmware', 'tsc'], ['kvm', 'jiffies']),
        fc.double({ min: -40_000, max: 40_000, noNaN: true }),
        fc.option(fc.record({ at: fc.integer({ min: 0, max: 50_000 }), len: fc.double({ min: 0.5, max: 100, noNaN: true }) }), { nil: undefined }),
        fc.integer({ min: 1_000, max: 200_000 }),
        (name, [hypervisor, clocksource], ppm, stall, T) => {
          const p = defaultParams({
            hypervisor, clocksource, claimedTscHz: 3e9, trueTscHz: 3e9 * (1 + ppm * 1e-6), crystalPpm: ppm / 7, tick: clocksource === 'jiffies' ? 'periodic' : 'nohz',
            correctors: [{ name }], stalls: stall ? [{ atSeconds: stall.at, durationSeconds: stall.len, kind: 'stall' }] : [], durationSeconds: T,
          });
          const fast = simulate(p);
          const slow = simulate(p, { noSkip: true });
          // Relative to the run's own scale, with a 10 ns floor for runs that stay at ~0.
          const scale = Math.max(1e-2, slow.maxAbsOffsetSeconds);
          expect(Math.abs(fast.offsetSeconds - slow.offsetSeconds) / scale).toBeLessThanOrEqual(1e-6);
          expect(fast.stepCount).toBe(slow.stepCount);
        },
      ),
      { numRuns: 300 },
    );
  });
});
