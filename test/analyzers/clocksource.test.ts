import { describe, expect, it } from 'vitest';
import { clocksourceFallback, legacyPeriodicKernel, periodicTickOnVm, tscUnstable, xenPreferTsc } from '../../analyzers/clocksource.js';
import { cpuinfo, facts, kernelLog, timerList } from './helpers.js';

const sw = (line: number, to: string) => ({ line, excerpt: `clocksource: Switched to clocksource ${to}`, atSeconds: line, to });
const reg = (line: number, name: string) => ({ line, excerpt: `clocksource: ${name}: mask: 0xffffffffffffffff`, name, mask: '0xffffffffffffffff', maxCycles: '0x1', maxIdleNs: 1, impliedHz: null });

describe('CLOCKSOURCE_FALLBACK (R1)', () => {
  it('hpet while tsc is registered, after the TSC was marked unstable', () => {
    const k = kernelLog({
      hypervisor: 'KVM', clocksourceSwitches: [sw(10, 'tsc'), sw(90, 'hpet')], finalClocksource: 'hpet', clocksourceRegistrations: [reg(5, 'tsc'), reg(6, 'hpet')],
      tscUnstable: true, tscUnstableEvents: [{ line: 89, excerpt: "clocksource: Marking clocksource 'tsc' as unstable because the skew is too large:", atSeconds: 89, reason: 'clocksource watchdog' }],
    });
    const [f] = clocksourceFallback(facts({ kernelLog: k }));
    expect(f).toMatchObject({ id: 'CLOCKSOURCE_FALLBACK', severity: 'warning' });
    expect(f!.fixes[0]!.action).toEqual({ kind: 'set-clocksource', clocksource: 'tsc' });
    expect(f!.evidence.map((e) => e.line)).toEqual([90, 5, 89]);
  });

  it('bare-metal boot ending on tsc is fine', () => {
    const k = kernelLog({ clocksourceSwitches: [sw(1, 'refined-jiffies'), sw(2, 'acpi_pm'), sw(3, 'tsc')], finalClocksource: 'tsc' });
    expect(clocksourceFallback(facts({ kernelLog: k }))).toEqual([]);
  });

  it('acpi_pm with no better clocksource known is not a finding', () => {
    const k = kernelLog({ clocksourceSwitches: [sw(2, 'acpi_pm')], finalClocksource: 'acpi_pm' });
    expect(clocksourceFallback(facts({ kernelLog: k }))).toEqual([]);
  });

  it('prefers the paravirt clock when the TSC is distrusted', () => {
    const k = kernelLog({ kvmClock: true, clocksourceSwitches: [sw(2, 'kvm-clock'), sw(3, 'hpet')], finalClocksource: 'hpet', clocksourceRegistrations: [reg(1, 'tsc')], tscUnstable: true, tscUnstableEvents: [{ line: 3, excerpt: 'x', atSeconds: 3, reason: 'clocksource watchdog' }] });
    expect(clocksourceFallback(facts({ kernelLog: k }))[0]!.data!.suggested).toBe('kvm-clock');
  });
});

describe('TSC_UNSTABLE', () => {
  it('warning with the watchdog skew', () => {
    const k = kernelLog({
      tscUnstable: true, hypervisor: 'KVM',
      tscUnstableEvents: [{ line: 20, excerpt: "clocksource: Marking clocksource 'tsc' as unstable because the skew is too large:", atSeconds: 20, reason: 'clocksource watchdog' }],
      watchdogVerdicts: [{ line: 21, excerpt: "clocksource: 'hpet' wd_nsec: 503 cs_nsec: 700", atSeconds: 20, cpu: 0, clocksource: 'tsc', watchdog: 'hpet', skewNs: 197_000_000, intervalNs: 500_000_000, wdNsec: 503, csNsec: 700, backwards: null, currentAtVerdict: null }],
    });
    const [f] = tscUnstable(facts({ kernelLog: k }));
    expect(f).toMatchObject({ id: 'TSC_UNSTABLE', severity: 'warning' });
    expect(f!.title).toContain('197 ms of skew against hpet');
  });

  it('info on Hyper-V, where it is by design', () => {
    const k = kernelLog({ tscUnstable: true, tscUnstableEvents: [{ line: 3, excerpt: 'tsc: Marking TSC unstable due to running on Hyper-V', atSeconds: 0, reason: 'running on Hyper-V' }] });
    expect(tscUnstable(facts({ kernelLog: k }))[0]!.severity).toBe('info');
  });
});

describe('PERIODIC_TICK_ON_VM', () => {
  it('periodic tick on a VM is a warning; oneshot or bare metal is nothing', () => {
    const vm = cpuinfo({ hypervisorFlag: true });
    expect(periodicTickOnVm(facts({ timerList: timerList({ tickMode: 'periodic' }), cpuinfo: vm }))[0]).toMatchObject({ id: 'PERIODIC_TICK_ON_VM', severity: 'warning' });
    expect(periodicTickOnVm(facts({ timerList: timerList({ tickMode: 'oneshot' }), cpuinfo: vm }))).toEqual([]);
    expect(periodicTickOnVm(facts({ timerList: timerList({ tickMode: 'periodic' }), cpuinfo: cpuinfo({ hypervisorFlag: false }) }))).toEqual([]);
  });
});

describe('CLOCKSOURCE_XEN_PREFER_TSC (R2)', () => {
  it('info on xen with a stable TSC available', () => {
    const k = kernelLog({ hypervisor: 'Xen HVM', clocksourceSwitches: [sw(1, 'xen')], finalClocksource: 'xen', clocksourceRegistrations: [reg(2, 'tsc')] });
    expect(xenPreferTsc(facts({ kernelLog: k }))[0]).toMatchObject({ severity: 'info' });
    expect(xenPreferTsc(facts({ kernelLog: k, cpuinfo: cpuinfo({ tscFlags: ['tsc'] }) }))).toEqual([]);
  });
});

describe('LEGACY_PERIODIC_KERNEL (R9)', () => {
  it('info for 2.6.18 on a VM, nothing with divider= or on 2.6.32', () => {
    const k = kernelLog({ kernelVersion: '2.6.18-419.el5', tscFromHypervisorKhz: 3_791_999 });
    expect(legacyPeriodicKernel(facts({ kernelLog: k }))[0]).toMatchObject({ id: 'LEGACY_PERIODIC_KERNEL', severity: 'info' });
    expect(legacyPeriodicKernel(facts({ kernelLog: { ...k, commandLine: 'ro root=/dev/sda1 divider=10' } }))).toEqual([]);
    expect(legacyPeriodicKernel(facts({ kernelLog: { ...k, kernelVersion: '2.6.32-279.el6.x86_64' } }))).toEqual([]);
    expect(legacyPeriodicKernel(facts({ kernelLog: { ...k, tscFromHypervisorKhz: null } }))).toEqual([]);
  });
});
