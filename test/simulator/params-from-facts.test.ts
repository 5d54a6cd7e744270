import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emptyFacts, type Facts } from '../../agent/facts.js';
import { parseText } from '../../agent/evidence/text/lines.js';
import { createVboxParser } from '../../agent/evidence/vbox/parser.js';
import { emptyKernelLogFacts } from '../../agent/evidence/kernel-log/facts.js';
import { paramsFromFacts, predictFromFacts, predictedDriftRatio } from '../../simulator/params-from-facts.js';

const EXAMPLE = new URL('../../examples/virtualbox-5.0-kvm-drift/VBox.log', import.meta.url);

function exampleFacts(hostTscHz: number | null): Facts {
  const f = emptyFacts({ hostTscHz });
  f.vbox = parseText(createVboxParser(), readFileSync(EXAMPLE, 'utf8'));
  return f;
}

describe('predictFromFacts', () => {
  it('documented case: claim 3 478 274 491 Hz, KVM provider, RealTscOffset, true 3 400 109 000 Hz → −22 472 ppm, 4:53', () => {
    const f = exampleFacts(3_400_109_000);
    expect(f.vbox?.tscTicksPerSecond).toBe(3_478_274_491);
    expect(f.vbox?.paravirtProvider).toBe('KVM');
    expect(f.vbox?.switchedToRealTscOffset).toBe(true);
    const p = predictFromFacts(f);
    expect(p.clocksource).toBe('kvm-clock');
    expect(p.driftPpm).not.toBeNull();
    expect(Math.abs((p.driftPpm ?? 0) + 22472)).toBeLessThanOrEqual(5);
    expect(p.guestSecondsPer300).toBeCloseTo(293.26, 2);
    expect(p.fiveMinutesReadsAs).toBe('4:53');
    expect(p.secondsPerDay).toBeCloseTo(-1941.6, 0);
    const byName = Object.fromEntries(p.perClocksource.map((c) => [c.clocksource, c]));
    expect(byName['acpi_pm']?.fiveMinutesReadsAs).toBe('5:00');
    expect(byName['acpi_pm']?.affected).toBe(false);
    expect(byName['kvm-clock']?.affected).toBe(true);
    expect(byName['tsc']?.affected).toBe(true);
    expect(p.explanation.join('\n')).toMatch(/−22 472 ppm: kvm-clock uses VirtualBox's claimed 3 478 274 491 Hz while the TSC ticks at 3 400 109 000 Hz/);
    expect(p.assumptions.join('\n')).toMatch(/kvm-clock assumed/);
    expect(predictedDriftRatio(p)).toBeCloseTo(-0.022472, 5);
  });

  it('without a true host rate the TSC-based clocks get no number (never a guess)', () => {
    const f = exampleFacts(null);
    // The example's brand string gives a nominal hint; remove every hint to test "no evidence".
    if (f.vbox) { f.vbox.cpuBrand = null; f.vbox.brandNominalHz = null; f.vbox.cpuidBaseMhz = null; f.vbox.cpuidLeaf15 = null; f.vbox.cpuidTscTicksPerSecond = null; f.vbox.cpuidInferredTscTicksPerSecond = null; f.vbox.gipCpuHz = null; f.vbox.hostTscTicksPerSecond = null; f.vbox.gipPerCpuHz = []; }
    const p = predictFromFacts(f);
    expect(p.driftPpm).toBeNull();
    expect(p.fiveMinutesReadsAs).toBeNull();
    expect(predictedDriftRatio(p)).toBeNull();
    // Every clock is listed; the TSC-based ones with null numbers and the reason, never a guessed 0.
    expect(p.perClocksource.map((c) => [c.clocksource, c.driftPpm])).toEqual([['kvm-clock', null], ['tsc', null], ['acpi_pm', 0]]);
    expect(p.perClocksource[0]?.unknownBecause).toMatch(/true host TSC rate is not in the evidence \(give --host-tsc-hz\)/);
    expect(p.perClocksource[0]).toMatchObject({ secondsPerDay: null, guestSecondsPer300: null, fiveMinutesReadsAs: null });
    expect(p.explanation.join('\n')).toMatch(/--host-tsc-hz/);
  });

  it('no evidence at all → all null', () => {
    const p = predictFromFacts(emptyFacts());
    expect(p).toMatchObject({ clocksource: null, driftPpm: null, secondsPerDay: null, guestSecondsPer300: null, fiveMinutesReadsAs: null, corrected: null });
  });

  it('the guest clocksource from sysfs wins, and acpi_pm predicts 5:00 without any TSC rate', () => {
    const f = exampleFacts(null);
    f.clocksource = { path: null, refs: {}, current: 'acpi_pm', available: ['kvm-clock', 'tsc', 'acpi_pm'], devices: [] };
    const p = predictFromFacts(f);
    expect(p.clocksource).toBe('acpi_pm');
    expect(p.driftPpm).toBe(0);
    expect(p.fiveMinutesReadsAs).toBe('5:00');
  });

  it('a running VBoxService is modelled: linear at −21 972 ppm until the 20 min sawtooth', () => {
    const f = exampleFacts(3_400_109_000);
    f.timesync = { path: null, refs: {}, chronyTracking: null, daemons: [{ name: 'VBoxService', pid: 1, cmdline: 'VBoxService', vboxTimesync: { enabled: true, intervalMs: null, minAdjustMs: null, setThresholdMs: null, setStart: null, setOnRestore: null } }] };
    const p = predictFromFacts(f);
    expect(p.corrected?.correctors).toEqual(['vboxservice']);
    expect(p.corrected?.pattern).toBe('sawtooth');
    expect(p.corrected?.periodSeconds).toBeGreaterThan(54_000);
    expect(p.corrected?.periodSeconds).toBeLessThan(55_200);
    expect(p.corrected?.amplitudeSeconds).toBeCloseTo(1200, 0);
  });

  it('chrony absorbs it', () => {
    const f = exampleFacts(3_400_109_000);
    f.timesync = { path: null, refs: {}, chronyTracking: null, daemons: [{ name: 'chronyd', pid: 1, cmdline: 'chronyd' }] };
    const p = predictFromFacts(f);
    expect(p.corrected?.pattern).toBe('converges');
    expect(p.driftPpm).toBeLessThan(-22000);
  });

  it('TSCTicksPerSecond extradata = the true rate → 5:00', () => {
    const f = exampleFacts(3_400_109_000);
    if (f.vbox) { f.vbox.tscTicksPerSecond = 3_400_109_000; f.vbox.extradata.tscTicksPerSecond = 3_400_109_000; }
    const p = predictFromFacts(f);
    expect(p.fiveMinutesReadsAs).toBe('5:00');
    expect(Math.abs(p.driftPpm ?? 1)).toBeLessThan(1e-6);
  });

  it('paramsFromFacts reads the kernel version, cmdline and ticks', () => {
    const f = exampleFacts(3_400_109_000);
    f.cmdline = { path: null, refs: {}, raw: 'no-kvmclock nohz=off', clocksource: null, tsc: ['reliable'], notsc: false, noKvmclock: true, nohz: 'off', nohzFull: null, divider: null, hpet: null, lpj: null, tscEarlyKhz: null };
    const pf = paramsFromFacts(f);
    expect(pf.params.kvmclockEnabled).toBe(false);
    expect(pf.params.tscReliable).toBe(true);
    expect(pf.params.tick).toBe('periodic');
    expect(pf.params.hypervisor).toBe('virtualbox');
    expect(pf.params.paravirt).toBe('kvm');
  });

  it('a KVM guest on kvm-clock without an independent host rate: no figure, but the reason and the usual case', () => {
    const f = emptyFacts();
    f.kernelLog = {
      ...emptyKernelLogFacts(),
      path: null, refs: {}, format: 'dmesg', boots: 1, kernelVersion: '6.1.0', hypervisor: 'KVM', paravirtKernelOn: 'KVM', dmi: 'QEMU Standard PC',
      systemdVirtualization: 'kvm', cpuBrand: null, cpuDetectedKhz: 2_994_374, tscDetectedKhz: 2_994_374, tscRefinedKhz: null, tscFromHypervisorKhz: null,
      tscCalibration: 'kvm-clock', kvmClock: true, clocksourceSwitches: [], finalClocksource: 'kvm-clock', clocksourceRegistrations: [], tscUnstable: false,
      tscUnstableEvents: [], watchdogVerdicts: [], hpetHz: null, tscDeadlineTimer: null, timeSync: [], commandLine: null,
    };
    const p = predictFromFacts(f);
    expect(p.clocksource).toBe('kvm-clock');
    expect(p.driftPpm).toBeNull();
    expect(p.explanation.join('\n')).toMatch(/kvm-clock, tsc: no prediction — the true host TSC rate is not in the evidence/);
    expect(p.explanation.join('\n')).toMatch(/hypervisor's own host calibration, usually right to a few ppm/);
    expect(p.perClocksource.find((c) => c.clocksource === 'acpi_pm')?.driftPpm).toBe(0);
    // With the host's rate given, a figure.
    f.user.hostTscHz = 2_994_374_000;
    expect(predictFromFacts(f).driftPpm).toBeCloseTo(0, 6);
  });
});

describe('what the log does not say is not predicted', () => {
  it('a VirtualBox 5+ log without its GIM provider line: the TSC-based clocks get no number and the reason', () => {
    const f = exampleFacts(3_400_109_000);
    if (f.vbox) { f.vbox.paravirtProvider = null; f.vbox.version = '6.1.38'; }
    const p = predictFromFacts(f);
    const tsc = p.perClocksource.find((c) => c.clocksource === 'tsc');
    expect(tsc?.driftPpm).toBeNull();
    expect(tsc?.unknownBecause).toMatch(/paravirtualisation provider is not in the log/);
    expect(p.perClocksource.find((c) => c.clocksource === 'acpi_pm')?.driftPpm).toBe(0);
  });
  it('VirtualBox 4.x had no providers: the guest calibrates its TSC itself, 0 ppm against the host clock', () => {
    const f = exampleFacts(3_400_109_000);
    if (f.vbox) { f.vbox.paravirtProvider = null; f.vbox.version = '4.2.6'; }
    expect(predictFromFacts(f).perClocksource.find((c) => c.clocksource === 'tsc')?.driftPpm).toBe(0);
  });
  it('a bare-metal kernel log: every counter is the board crystal\'s, not known — never "hpet 0 ppm"', () => {
    const f = emptyFacts();
    f.kernelLog = {
      ...emptyKernelLogFacts(),
      path: null, refs: {}, format: 'dmesg', boots: 1, kernelVersion: '4.4.0', hypervisor: null, paravirtKernelOn: 'bare hardware', dmi: null,
      systemdVirtualization: null, cpuBrand: null, cpuDetectedKhz: 2_394_000, tscDetectedKhz: 2_394_000, tscRefinedKhz: 2_399_999, tscFromHypervisorKhz: null,
      tscCalibration: 'pit', kvmClock: false, clocksourceSwitches: [], finalClocksource: 'tsc', clocksourceRegistrations: [], tscUnstable: false,
      tscUnstableEvents: [], watchdogVerdicts: [], hpetHz: 14_318_180, tscDeadlineTimer: null, timeSync: [], commandLine: null,
    };
    const p = predictFromFacts(f);
    expect(p.reference).toBe('true-time');
    expect(p.perClocksource.map((c) => [c.clocksource, c.driftPpm])).toEqual([['tsc', null], ['acpi_pm', null], ['hpet', null]]);
    expect(p.perClocksource.every((c) => /bare metal/.test(c.unknownBecause ?? ''))).toBe(true);
    expect(p.driftPpm).toBeNull();
  });
});

describe('guest clocksource unknown', () => {
  it('paravirt None: every clock the guest can use keeps time, so the answer is 0 ppm even without knowing which', () => {
    const f = emptyFacts();
    f.vbox = parseText(createVboxParser(), readFileSync(new URL('../fixtures/vbox/v5.0.6-win-intel-none-bayons.log', import.meta.url), 'utf8'));
    expect(f.vbox.paravirtProvider).toBe('None');
    const p = predictFromFacts(f);
    expect(p.clocksource).toBeNull();
    expect(p.driftPpm).toBe(0);
    expect(p.fiveMinutesReadsAs).toBe('5:00');
    expect(p.explanation[0]).toMatch(/every clocksource it can use \(tsc, acpi_pm\) predicts 0 ppm/);
  });
});

describe('predictFromFacts on every captured VBox.log fixture', () => {
  const dir = new URL('../fixtures/vbox/', import.meta.url);
  const files = readdirSync(dir).filter((n) => n.includes('.log'));
  it.each(files)('%s: no exception, numbers finite or null, reasons given', (name) => {
    const f = emptyFacts();
    f.vbox = parseText(createVboxParser(), readFileSync(new URL(name, dir), 'utf8'));
    const p = predictFromFacts(f);
    for (const v of [p.driftPpm, p.secondsPerDay, p.guestSecondsPer300]) if (v !== null) expect(Number.isFinite(v)).toBe(true);
    for (const c of p.perClocksource) {
      if (c.driftPpm === null) expect(c.unknownBecause).toBeTruthy();
      else expect(Number.isFinite(c.driftPpm)).toBe(true);
    }
    expect(p.explanation.length + p.assumptions.length).toBeGreaterThan(0);
    // A claim that equals the only available estimate must not invent drift.
    if (p.driftPpm !== null && f.vbox?.tscTicksPerSecond !== null && p.driftPpm !== 0) {
      expect(p.explanation.join('\n')).toMatch(/true host TSC rate/);
    }
  });
});
