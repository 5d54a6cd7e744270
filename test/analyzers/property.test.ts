/**
 * Property: whatever numbers a (mangled, hostile or just unusual) log yields, the rules never throw,
 * every finding carries evidence and a fix, and every number they report is finite.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runAnalyzers } from '../../analyzers/index.js';
import { diagnose } from '../../agent/diagnose.js';
import { facts, kernelLog, timerList, vbox } from './helpers.js';

const hz = fc.oneof(fc.constant(null), fc.constant(0), fc.constant(4_294_967_295), fc.integer({ min: -1, max: 6_000_000_000 }), fc.double({ noNaN: false }));
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
const mode = maybe(fc.constantFrom('VirtTscEmulated' as const, 'RealTscOffset' as const, 'Dynamic' as const, 'NativeApi' as const));

const vboxArb = fc.record({
  tscTicksPerSecond: hz, hostTscTicksPerSecond: hz, gipCpuHz: hz, cpuidTscTicksPerSecond: hz, cpuidInferredTscTicksPerSecond: hz,
  brandNominalHz: hz, stateLoadTscTicksPerSecond: hz, cpuidBaseMhz: maybe(fc.integer({ min: -5, max: 10_000 })),
  gipPerCpuHz: fc.array(fc.integer({ min: 0, max: 6_000_000_000 }), { maxLength: 6 }), gipPerCpuSpreadPpm: maybe(fc.double({ min: 0, max: 1e6, noNaN: true })),
  paravirtProvider: maybe(fc.constantFrom('None' as const, 'Minimal' as const, 'KVM' as const, 'HyperV' as const)),
  tscMode: mode, switchedToRealTscOffset: maybe(fc.boolean()), tscModeSwitchAllowed: maybe(fc.boolean()),
  vmName: maybe(fc.string()), version: maybe(fc.constantFrom('3.0.14', '5.0.6', '7.2.4', 'x')),
  stateLoadTscIncompatible: fc.boolean(), tscTiedToExecution: maybe(fc.boolean()),
});

describe('analyzers over arbitrary facts', () => {
  it('never throw, always give evidence and fixes, and report finite numbers', () => {
    fc.assert(fc.property(vboxArb, maybe(fc.integer({ min: 1_000_000, max: 100_000_000_000 })), fc.boolean(), (v, user, withGuest) => {
      const f = facts({
        vbox: vbox(v as Parameters<typeof vbox>[0]),
        kernelLog: withGuest ? kernelLog({ hypervisor: 'KVM', kvmClock: true, tscDetectedKhz: 2_000_000, tscCalibration: 'kvm-clock', finalClocksource: 'hpet', clocksourceRegistrations: [] }) : null,
        timerList: withGuest ? timerList({ tickMode: 'periodic' }) : null,
        user: { hostTscHz: user },
      });
      const r = runAnalyzers(f);
      expect(r.skipped.filter((s) => s.reason.startsWith('failed'))).toEqual([]);
      for (const x of r.findings) {
        expect(x.evidence.length).toBeGreaterThan(0);
        expect(x.fixes.length).toBeGreaterThan(0);
        for (const val of Object.values(x.data ?? {})) if (typeof val === 'number') expect(Number.isFinite(val)).toBe(true);
        expect(x.title).not.toMatch(/NaN|Infinity|undefined/);
      }
      const d = diagnose(f);
      expect(() => JSON.stringify(d)).not.toThrow();
    }), { numRuns: 300 });
  });

  it('a host rate no TSC can have (4e306 Hz from a mangled log) is no candidate: no Infinity in the finding', () => {
    const f = facts({
      vbox: vbox({ tscTicksPerSecond: 0, hostTscTicksPerSecond: 4.1613267010701755e306, gipCpuHz: 0 }),
      kernelLog: kernelLog({ hypervisor: 'KVM', kvmClock: true, tscDetectedKhz: 2_000_000, tscCalibration: 'kvm-clock', finalClocksource: 'hpet', clocksourceRegistrations: [] }),
      timerList: timerList({ tickMode: 'periodic' }),
    });
    const r = runAnalyzers(f);
    for (const x of r.findings) expect(`${x.title} ${x.detail ?? ''}`).not.toMatch(/NaN|Infinity|e\+\d/);
  });
});
