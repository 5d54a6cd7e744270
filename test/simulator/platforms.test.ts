/**
 * The platforms issue 12 adds to the model: VMware (what a guest sees when VMware announces a rate it
 * did not measure, by PTSC source, and the timeTracker's catch-up), VirtualBox on Hyper-V (NEM, TSC
 * mode NativeApi) and the ARM generic timer (no calibration; a paused VM falls behind).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clockModels } from '../../simulator/clocks.js';
import { simulate } from '../../simulator/engine.js';
import { defaultParams } from '../../simulator/model-params.js';
import { predictFromFacts } from '../../simulator/params-from-facts.js';
import { emptyFacts } from '../../agent/facts.js';
import { parseText } from '../../agent/evidence/text/lines.js';
import { createVmwareParser } from '../../agent/evidence/vmware/parser.js';
import { cpuinfo, kernelLog } from '../analyzers/helpers.js';

const WS7 = { claimedTscHz: 2_000_000_000, trueTscHz: 1_946_477_000 };

describe('VMware: the rate announced against the rate the TSC has', () => {
  it('PTSC on the hardware TSC: tsc drifts by true/announced − 1 (−26 761 ppm), the emulated timers do not', () => {
    const cs = clockModels(defaultParams({ hypervisor: 'vmware', clocksource: 'tsc', vmwarePtsc: 'tsc', ...WS7 }));
    expect(cs.clocks.get('tsc')!.e * 1e6).toBeCloseTo(-26_761.5, 0);
    expect(cs.clocks.get('tsc')!.contributions.find((c) => c.tag === 'vmware-tsc')?.assumption).toBe(false);
    expect(cs.clocks.get('acpi_pm')!.e).toBe(0);
    expect(cs.clocks.get('tsc')!.mustVerify).toBe(false);
  });
  it('PTSC on the host reference clock: the guest TSC follows the host clock at the announced rate', () => {
    const cs = clockModels(defaultParams({ hypervisor: 'vmware', clocksource: 'tsc', vmwarePtsc: 'reference-clock', ...WS7 }));
    expect(cs.clocks.get('tsc')!.e).toBe(0);
    expect(cs.clocks.get('tsc')!.affected).toBe(false);
    expect(cs.clocks.get('tsc')!.stall.frozen).toBe(true);
  });
  it('PTSC not known: the hardware TSC, flagged as an assumption', () => {
    const tsc = clockModels(defaultParams({ hypervisor: 'vmware', clocksource: 'tsc', ...WS7 })).clocks.get('tsc')!;
    expect(tsc.e * 1e6).toBeCloseTo(-26_761.5, 0);
    expect(tsc.contributions.find((c) => c.tag === 'vmware-tsc')?.assumption).toBe(true);
  });
  it('timeTracker: a reference-clock TSC is caught up after a 10 s stall; past the backlog limit (60 s, assumed) the lag stays', () => {
    const base = { hypervisor: 'vmware' as const, clocksource: 'tsc' as const, vmwarePtsc: 'reference-clock' as const, ...WS7, durationSeconds: 3600 };
    const caught = simulate(defaultParams({ ...base, stalls: [{ atSeconds: 100, durationSeconds: 10, kind: 'stall' }] }));
    expect(Math.abs(caught.offsetSeconds)).toBeLessThan(1e-9);
    const lost = simulate(defaultParams({ ...base, stalls: [{ atSeconds: 100, durationSeconds: 70, kind: 'stall' }] }));
    expect(lost.offsetSeconds).toBeCloseTo(-70, 6);
    expect(lost.assumptions.join('\n')).toMatch(/vmwareGiveUpSeconds/);
    // The hardware TSC keeps counting through the stall: nothing to catch up.
    const hw = simulate(defaultParams({ ...base, vmwarePtsc: 'tsc', claimedTscHz: 2e9, trueTscHz: 2e9, stalls: [{ atSeconds: 100, durationSeconds: 70, kind: 'stall' }] }));
    expect(Math.abs(hw.offsetSeconds)).toBeLessThan(1e-9);
  });
  it('from the Workstation 7.0 log: PTSC on the reference clock, so tsc keeps the host clock whatever the estimates say', () => {
    const f = emptyFacts();
    f.vmware = parseText(createVmwareParser(), fs.readFileSync(path.resolve(import.meta.dirname, '..', 'fixtures', 'vmware', 'ws7.0.0-win-ubuntu10.04-euanhume-vmware.log'), 'utf8'));
    const p = predictFromFacts(f);
    const tsc = p.perClocksource.find((c) => c.clocksource === 'tsc');
    expect(tsc?.driftPpm).toBe(0);
    expect(tsc?.affected).toBe(false);
    expect(p.reference).toBe('host-clock');
    expect(p.explanation.join('\n')).toMatch(/VMware uses and announces 2 000 000 000 Hz/);
  });
});

describe('VirtualBox on Hyper-V (NEM, TSC mode NativeApi)', () => {
  const nem = { hypervisor: 'virtualbox' as const, paravirt: 'kvm' as const, tscMode: 'NativeApi' as const, claimedTscHz: 2_711_997_814, trueTscHz: 2_712_000_000 };
  it('no switch to RealTscOffset, the guest TSC is the host\'s: kvm-clock errs by true/claimed − 1; the note says what NEM does', () => {
    const cs = clockModels(defaultParams({ ...nem, clocksource: 'kvm-clock' }));
    expect(cs.switchedToRealTscOffset).toBe(false);
    expect(cs.tscMode).toBe('NativeApi');
    expect(cs.clocks.get('kvm-clock')!.e).toBeCloseTo(2_712_000_000 / 2_711_997_814 - 1, 15);
    expect(cs.notes.join('\n')).toMatch(/NEM.*Hyper-V.*keeps running.*give up after 60 s/s);
  });
  it('a stall: the TSC-based clocks keep counting; the virtual-sync timers catch up, and lose a 70 s stall for good', () => {
    const run = (clocksource: 'kvm-clock' | 'acpi_pm', d: number) =>
      simulate(defaultParams({ ...nem, clocksource, claimedTscHz: 2.7e9, trueTscHz: 2.7e9, durationSeconds: 3600, stalls: [{ atSeconds: 100, durationSeconds: d, kind: 'stall' }] })).offsetSeconds;
    expect(Math.abs(run('kvm-clock', 70))).toBeLessThan(1e-9);
    expect(Math.abs(run('acpi_pm', 10))).toBeLessThan(1e-3);
    expect(run('acpi_pm', 70)).toBeCloseTo(-70, 6);
  });
});

describe('the ARM generic timer', () => {
  const arm = { hypervisor: 'kvm' as const, arch: 'arm64' as const, clocksource: 'arch_sys_counter' as const };
  it('only arch_sys_counter (and jiffies) exist; its rate is CNTFRQ, never an announced TSC rate', () => {
    const cs = clockModels(defaultParams({ ...arm, counterHz: 24_000_000, claimedTscHz: 3e9, trueTscHz: 2e9 }));
    expect([...cs.clocks.keys()]).toEqual(['arch_sys_counter', 'jiffies']);
    expect(cs.clocks.get('arch_sys_counter')!.e).toBe(0);
    expect(cs.clocks.get('arch_sys_counter')!.contributions[0]!.text).toMatch(/CNTFRQ_EL0 states \(24 000 000 Hz\)/);
  });
  it('what still goes wrong: a guest paused while the host sleeps falls behind by the sleep, for good', () => {
    const r = simulate(defaultParams({ ...arm, durationSeconds: 86_400, stalls: [{ atSeconds: 3600, durationSeconds: 7200, kind: 'suspend' }] }));
    expect(r.offsetSeconds).toBeCloseTo(-7200, 6);
    expect(r.events.map((e) => e.text).join('\n')).toMatch(/lost for good/);
    // chrony's makestep (threshold 1 s, any update) steps it back.
    const c = simulate(defaultParams({ ...arm, durationSeconds: 86_400, correctors: [{ name: 'chrony', makestep: { thresholdSeconds: 1, limit: -1 } }], stalls: [{ atSeconds: 3600, durationSeconds: 7200, kind: 'suspend' }] }));
    expect(Math.abs(c.offsetSeconds)).toBeLessThan(1);
  });
  it('from facts: an aarch64 guest gets arch_sys_counter at 0 ppm against the host clock', () => {
    const f = emptyFacts();
    f.cpuinfo = cpuinfo({ architecture: 'arm', vendor: 'ARM', tscFlags: null, hypervisorFlag: null });
    f.kernelLog = kernelLog({ hypervisor: 'KVM', finalClocksource: 'arch_sys_counter' });
    const p = predictFromFacts(f);
    expect(p.clocksource).toBe('arch_sys_counter');
    expect(p.driftPpm).toBe(0);
    expect(p.perClocksource.map((c) => c.clocksource)).toEqual(['arch_sys_counter']);
  });
});
