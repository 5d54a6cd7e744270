import { describe, expect, it } from 'vitest';
import { clocksourceFallback, clocksourceNoVdso, legacyPeriodicKernel, periodicTickOnVm, tscUnstable, xenPreferTsc } from '../../analyzers/clocksource.js';
import { cpuinfo, facts, kernelLog, timerList } from './helpers.js';
import { byId, findingsOf, klog, klogFile, TRUST_TSC, words } from './kernel-helpers.js';

const sw = (line: number, to: string) => ({ line, excerpt: `clocksource: Switched to clocksource ${to}`, atSeconds: line, to });
const reg = (line: number, name: string) => ({ line, excerpt: `clocksource: ${name}: mask: 0xffffffffffffffff`, name, mask: '0xffffffffffffffff', maxCycles: '0x1', maxIdleNs: 1, impliedHz: null });
const demoted = (line: number) => ({ line, excerpt: "clocksource: Marking clocksource 'tsc' as unstable because the skew is too large:", atSeconds: line, reason: 'clocksource watchdog' });

describe('CLOCKSOURCE_FALLBACK (R1)', () => {
  it('hpet while tsc is there and nothing doubted it: back to tsc, without telling the kernel to trust it', () => {
    const k = kernelLog({ hypervisor: 'KVM', clocksourceSwitches: [sw(10, 'tsc'), sw(90, 'hpet')], finalClocksource: 'hpet', clocksourceRegistrations: [reg(5, 'tsc'), reg(6, 'hpet')] });
    const [f] = clocksourceFallback(facts({ kernelLog: k }));
    expect(f).toMatchObject({ id: 'CLOCKSOURCE_FALLBACK', severity: 'warning', data: { suggested: 'tsc' } });
    expect(f!.fixes[0]!.action).toEqual({ kind: 'set-clocksource', clocksource: 'tsc' });
    expect(f!.fixes[1]!.summary).toContain('`clocksource=tsc`');
    expect(words(f)).not.toMatch(/tsc=reliable|tsc=nowatchdog/);
    expect(f!.evidence.map((e) => e.line)).toEqual([90, 5]);
  });

  it('a TSC the watchdog demoted is no way back: silent without a paravirtual clock, the paravirtual clock with one', () => {
    const k = kernelLog({ hypervisor: 'KVM', clocksourceSwitches: [sw(10, 'tsc'), sw(90, 'hpet')], finalClocksource: 'hpet', clocksourceRegistrations: [reg(5, 'tsc')], tscUnstable: true, tscUnstableEvents: [demoted(89)] });
    expect(clocksourceFallback(facts({ kernelLog: k }))).toEqual([]);
    const pv = { ...k, kvmClock: true, clocksourceSwitches: [sw(2, 'kvm-clock'), sw(3, 'hpet')], refs: { kvmClock: { line: 1, excerpt: 'kvm-clock: Using msrs 4b564d01 and 4b564d00' } } };
    const [f] = clocksourceFallback(facts({ kernelLog: pv }));
    expect(f!.data!.suggested).toBe('kvm-clock');
    expect(f!.evidence.map((e) => e.line)).toContain(89);
  });

  it('bare-metal boot ending on tsc is fine; acpi_pm with nothing better is no fallback', () => {
    expect(clocksourceFallback(facts({ kernelLog: kernelLog({ clocksourceSwitches: [sw(1, 'refined-jiffies'), sw(2, 'acpi_pm'), sw(3, 'tsc')], finalClocksource: 'tsc' }) }))).toEqual([]);
    expect(clocksourceFallback(facts({ kernelLog: kernelLog({ clocksourceSwitches: [sw(2, 'acpi_pm')], finalClocksource: 'acpi_pm' }) }))).toEqual([]);
  });
});

describe('TSC_UNSTABLE (no more specific cause)', () => {
  const skewed = {
    tscUnstable: true,
    tscUnstableEvents: [demoted(20)],
    watchdogVerdicts: [{ line: 21, excerpt: "clocksource: 'hpet' wd_nsec: 503 cs_nsec: 700", atSeconds: 20, cpu: 0, clocksource: 'tsc', watchdog: 'hpet', skewNs: 197_000_000, intervalNs: 500_000_000, wdNsec: 500_000_000, csNsec: 697_000_000, backwards: null, currentAtVerdict: null }],
  };

  it('a KVM guest without a paravirtual clock: the skew, the hypervisor\'s causes, nothing that trusts the TSC', () => {
    const [f] = tscUnstable(facts({ kernelLog: kernelLog({ ...skewed, hypervisor: 'KVM' }) }));
    expect(f).toMatchObject({ id: 'TSC_UNSTABLE', severity: 'warning', data: { role: 'guest' } });
    expect(f!.title).toContain('197 ms of skew against hpet');
    expect(words(f)).toMatch(/vCPU descheduled/);
    expect(words(f)).not.toMatch(/firmware|BIOS/);
    expect(words(f)).not.toMatch(TRUST_TSC);
  });

  it('bare metal: invariant-TSC flags and firmware; unknown: both', () => {
    const bare = tscUnstable(facts({ kernelLog: kernelLog({ ...skewed, paravirtKernelOn: 'bare hardware' }) }))[0]!;
    expect(words(bare)).toMatch(/constant_tsc nonstop_tsc/);
    expect(words(bare)).toMatch(/firmware/);
    expect(words(bare)).not.toMatch(/vCPU/);
    const unknown = tscUnstable(facts({ kernelLog: kernelLog(skewed) }))[0]!;
    expect(words(unknown)).toMatch(/firmware/);
    expect(words(unknown)).toMatch(/In a VM/);
  });

  it('info on Hyper-V, where it is by design', () => {
    const k = kernelLog({ tscUnstable: true, tscUnstableEvents: [{ line: 3, excerpt: 'tsc: Marking TSC unstable due to running on Hyper-V', atSeconds: 0, reason: 'running on Hyper-V' }] });
    expect(tscUnstable(facts({ kernelLog: k }))[0]!.severity).toBe('info');
  });

  it('a real guest watchdog with acpi_pm (oxidecomputer/propolis 328): the TSC finding, in the guest\'s words', () => {
    const fs = findingsOf({ kernelLog: klogFile('dmesg/pasted-guest-propolis-watchdog-acpi-pm-tsc-found-unstable.txt'), cpuinfo: cpuinfo({ hypervisorFlag: true }) });
    expect(byId(fs, 'TSC_UNSTABLE')?.title).toContain('clocksource watchdog; found unstable after boot');
    expect(words(fs)).not.toMatch(TRUST_TSC);
  });
});

describe('CLOCKSOURCE_NO_VDSO', () => {
  it('acpi_pm in use and nothing better: info with the read cost', () => {
    const [f] = clocksourceNoVdso(facts({ kernelLog: kernelLog({ clocksourceSwitches: [sw(2, 'acpi_pm')], finalClocksource: 'acpi_pm' }) }));
    expect(f).toMatchObject({ id: 'CLOCKSOURCE_NO_VDSO', severity: 'info' });
    expect(f!.detail).toContain('wraps every 4.7 s');
  });
  it('xen: only when the kernel says its vDSO cannot read it, or predates 4.11', () => {
    const xen = klog('[    0.1] clocksource: Switched to clocksource xen', '[    0.2] xen: VDSO_CLOCKMODE_PVCLOCK not supported (tsc unstable)');
    expect(clocksourceNoVdso(facts({ kernelLog: { ...xen, kernelVersion: '5.15.0' } }))).toHaveLength(1);
    expect(clocksourceNoVdso(facts({ kernelLog: kernelLog({ kernelVersion: '5.15.0', clocksourceSwitches: [sw(1, 'xen')], finalClocksource: 'xen' }) }))).toEqual([]);
    expect(clocksourceNoVdso(facts({ kernelLog: kernelLog({ kernelVersion: '4.4.14-11.pvops.qubes.x86_64', clocksourceSwitches: [sw(1, 'xen')], finalClocksource: 'xen' }) }))).toHaveLength(1);
  });
  it('silent when the fallback finding already says it', () => {
    const k = kernelLog({ clocksourceSwitches: [sw(10, 'tsc'), sw(90, 'hpet')], finalClocksource: 'hpet' });
    expect(clocksourceNoVdso(facts({ kernelLog: k }))).toEqual([]);
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
  const k = kernelLog({ hypervisor: 'Xen HVM', clocksourceSwitches: [sw(1, 'xen')], finalClocksource: 'xen', clocksourceRegistrations: [reg(2, 'tsc')] });
  it('info on xen with an invariant TSC; the permanent fix keeps the watchdog (no tsc=reliable)', () => {
    const [f] = xenPreferTsc(facts({ kernelLog: k, cpuinfo: cpuinfo({ tscFlags: ['tsc', 'constant_tsc', 'nonstop_tsc'] }) }));
    expect(f).toMatchObject({ severity: 'info', data: { flagsKnown: true } });
    expect(words(f)).not.toMatch(/tsc=reliable|tsc=nowatchdog/);
  });
  it('flags unknown: the check comes first; flags without invariance or a doubted TSC: nothing', () => {
    expect(xenPreferTsc(facts({ kernelLog: k }))[0]!.fixes[0]!.summary).toMatch(/^First check that/);
    expect(xenPreferTsc(facts({ kernelLog: k, cpuinfo: cpuinfo({ tscFlags: ['tsc'] }) }))).toEqual([]);
    expect(xenPreferTsc(facts({ kernelLog: { ...k, tscUnstable: true, tscUnstableEvents: [demoted(9)] } }))).toEqual([]);
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
