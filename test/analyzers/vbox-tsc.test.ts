import { describe, expect, it } from 'vitest';
import { claimedTsc } from '../../agent/derive/tsc.js';
import { calibrationUnreliable, guestRateDiffers, hostRateSourcesDisagree, savedStateTscChanged, tscFrequencyMismatch, tscRateClamped, tscSettings } from '../../analyzers/vbox-tsc.js';
import { documentedVbox, facts, kernelLog, vbox } from './helpers.js';

describe('VBOX_TSC_FREQUENCY_MISMATCH', () => {
  it('documented case with --host-tsc-hz: −22 472 ppm, 300 s reads as 4:53, fix with the true rate', () => {
    const [f] = tscFrequencyMismatch(facts({ vbox: documentedVbox(), user: { hostTscHz: 3_400_109_000 } }));
    expect(f).toBeDefined();
    expect(f!.severity).toBe('critical');
    expect(f!.data!.driftPpm as number).toBeGreaterThan(-22_477);
    expect(f!.data!.driftPpm as number).toBeLessThan(-22_467);
    expect(f!.data!.guestSecondsPer300).toBeCloseTo(293.26, 2);
    expect(f!.data!.fiveMinutesReadsAs).toBe('4:53');
    expect(f!.data!.affectedClocksources).toBe('kvm-clock,tsc');
    expect(f!.title).toContain('22 472 ppm');
    const cmds = f!.fixes.map((x) => x.command);
    expect(cmds).toContain(`VBoxManage setextradata 'My VM' "VBoxInternal/TM/TSCTicksPerSecond" 3400109000`);
    expect(cmds).toContain(`VBoxManage modifyvm 'My VM' --paravirtprovider minimal`);
    expect(f!.fixes.some((x) => x.action?.kind === 'set-clocksource' && x.action.clocksource === 'acpi_pm')).toBe(true);
    expect(f!.evidence[0]).toMatchObject({ source: 'vbox', path: 'VBox.log', line: 500 });
    expect(f!.detail).toMatch(/acpi_pm and hpet .* not hit/);
  });

  it('documented case without --host-tsc-hz: 2.3 % above the nominal 3.40 GHz, a warning', () => {
    const [f] = tscFrequencyMismatch(facts({ vbox: documentedVbox() }));
    expect(f).toBeDefined();
    expect(f!.severity).toBe('warning');
    expect(f!.title).toContain('2.3 % above the CPU\'s nominal 3.40 GHz');
    expect(f!.data!.hostTscStrength).toBe('hint');
    expect(f!.detail).toContain('hint, not a measurement');
  });

  it('quotes a hostile VM name safely in every command', () => {
    const [f] = tscFrequencyMismatch(facts({ vbox: documentedVbox({ vmName: "x'; rm -rf / #" }), user: { hostTscHz: 3_400_109_000 } }));
    for (const fix of f!.fixes) if (fix.command?.startsWith('VBoxManage')) expect(fix.command).toContain(`'x'\\''; rm -rf / #'`);
  });

  it('uses VM_NAME and says so when the log has no VM name', () => {
    const [f] = tscFrequencyMismatch(facts({ vbox: documentedVbox({ vmName: null }), user: { hostTscHz: 3_400_109_000 } }));
    const fix = f!.fixes.find((x) => x.command?.includes('TSCTicksPerSecond'))!;
    expect(fix.command).toContain('VBoxManage setextradata VM_NAME ');
    expect(fix.summary).toContain('replace VM_NAME');
  });

  it('is silent when the claim matches the true rate within noise', () => {
    expect(tscFrequencyMismatch(facts({ vbox: documentedVbox(), user: { hostTscHz: 3_478_300_000 } }))).toEqual([]);
  });

  it('is a warning between 50 and 500 ppm', () => {
    const [f] = tscFrequencyMismatch(facts({ vbox: documentedVbox(), user: { hostTscHz: Math.round(3_478_274_491 * (1 - 200e-6)) } }));
    expect(f!.severity).toBe('warning');
  });

  it('is only info when no paravirtualised clock hands the rate to the guest', () => {
    const [f] = tscFrequencyMismatch(facts({ vbox: documentedVbox({ paravirtProvider: 'None', switchedToRealTscOffset: false, tscModeSwitches: [] }), user: { hostTscHz: 3_400_109_000 } }));
    expect(f!.severity).toBe('info');
    expect(f!.data!.affectedClocksources).toBe('');
  });

  it('drops to a warning when the guest runs on acpi_pm, which the error does not touch', () => {
    const [f] = tscFrequencyMismatch(facts({ vbox: documentedVbox(), kernelLog: kernelLog({ finalClocksource: 'acpi_pm' }), user: { hostTscHz: 3_400_109_000 } }));
    expect(f!.severity).toBe('warning');
    expect(f!.detail).toContain('currently uses acpi_pm');
  });

  it('counts a pending switch (KVM, switching allowed, no switch logged yet) as exposure', () => {
    const [f] = tscFrequencyMismatch(facts({ vbox: documentedVbox({ switchedToRealTscOffset: false, tscModeSwitches: [] }), user: { hostTscHz: 3_400_109_000 } }));
    expect(f!.data!.realRate).toBe('pending');
    expect(f!.severity).toBe('critical');
  });

  it('works from the guest kernel log alone on a VirtualBox KVM guest', () => {
    const k = kernelLog({ hypervisor: 'KVM', kvmClock: true, dmi: 'innotek GmbH VirtualBox/VirtualBox, BIOS VirtualBox 12/01/2006', tscDetectedKhz: 3_478_274, tscCalibration: 'kvm-clock', refs: { tscDetectedKhz: { line: 12, excerpt: 'tsc: Detected 3478.274 MHz processor' } } });
    expect(claimedTsc(facts({ kernelLog: k }))).toMatchObject({ hz: 3_478_274_000, from: 'kernel-log' });
    const [f] = tscFrequencyMismatch(facts({ kernelLog: k, user: { hostTscHz: 3_400_109_000 } }));
    expect(f!.data!.driftPpm as number).toBeCloseTo(-22_472, -1);
    expect(f!.evidence[0]).toMatchObject({ source: 'kernel-log', line: 12 });
  });

  it('offers removing a wrong TSCTicksPerSecond override when the independent GIP disagrees', () => {
    const v = vbox({ version: '7.0.12', tscTicksPerSecond: 3_500_000_000, hostTscTicksPerSecond: 3_392_292_995, hostTscSource: 'cTSCTicksPerSecondHost', switchedToRealTscOffset: true, extradata: { tscTicksPerSecond: 3_500_000_000, tscMode: null, getHostTimeDisabled: null, warpDrivePercentage: null } });
    const [f] = tscFrequencyMismatch(facts({ vbox: v }));
    expect(f!.severity).toBe('critical');
    expect(f!.fixes[0]!.command).toBe('VBoxManage setextradata web "VBoxInternal/TM/TSCTicksPerSecond"');
    expect(f!.fixes.map((x) => x.command)).toContain('VBoxManage modifyvm web --paravirt-provider minimal');
  });
});

describe('other VirtualBox TSC rules', () => {
  it('VBOX_TSC_RATE_CLAMPED at 4 294 967 295 Hz', () => {
    expect(tscRateClamped(facts({ vbox: vbox({ tscTicksPerSecond: 4_294_967_295, switchedToRealTscOffset: true }) }))[0]).toMatchObject({ id: 'VBOX_TSC_RATE_CLAMPED', severity: 'critical' });
    expect(tscRateClamped(facts({ vbox: vbox({ tscTicksPerSecond: 4_294_967_294 }) }))).toEqual([]);
  });

  it('VBOX_TSC_CALIBRATION_UNRELIABLE only on an invariant host with ≥ 0.1 % spread', () => {
    const spread = vbox({ gipPerCpuHz: [2_900_000_000, 2_960_000_000, 2_900_100_000], gipPerCpuSpreadPpm: 20_000 });
    expect(calibrationUnreliable(facts({ vbox: spread }))[0]).toMatchObject({ id: 'VBOX_TSC_CALIBRATION_UNRELIABLE', severity: 'warning' });
    expect(calibrationUnreliable(facts({ vbox: { ...spread, gipMode: 'Synchronous' } }))[0]).toMatchObject({ id: 'VBOX_HOST_TSC_NOT_INVARIANT', severity: 'info' });
    expect(calibrationUnreliable(facts({ vbox: { ...spread, gipPerCpuSpreadPpm: 999 } }))).toEqual([]);
  });

  it('VBOX_SAVED_STATE_TSC_CHANGED is a warning only when the guest TSC runs at the real rate', () => {
    const real = vbox({ tscTicksPerSecond: 2_369_336_508, stateLoadTscTicksPerSecond: 2_394_059_800, switchedToRealTscOffset: true });
    expect(savedStateTscChanged(facts({ vbox: real }))[0]).toMatchObject({ severity: 'warning' });
    expect(savedStateTscChanged(facts({ vbox: { ...real, switchedToRealTscOffset: false, tscMode: 'VirtTscEmulated', paravirtProvider: null } }))[0]).toMatchObject({ severity: 'info' });
    expect(savedStateTscChanged(facts({ vbox: { ...real, stateLoadTscTicksPerSecond: 2_369_336_400 } }))).toEqual([]);
  });

  it('NativeApi is info; warp drive and tied-to-execution are warnings', () => {
    const out = tscSettings(facts({ vbox: vbox({ tscMode: 'NativeApi', tscTiedToExecution: true, extradata: { tscTicksPerSecond: null, tscMode: null, getHostTimeDisabled: null, warpDrivePercentage: 200 } }) }));
    expect(out.map((f) => [f.id, f.severity])).toEqual([['VBOX_NATIVE_API', 'info'], ['VBOX_TSC_TIED_TO_EXECUTION', 'warning'], ['VBOX_WARP_DRIVE', 'warning']]);
  });
});

describe('after the fix', () => {
  it('the documented VM with TSCTicksPerSecond=3400109000 set is healthy', () => {
    const v = documentedVbox({
      tscTicksPerSecond: 3_400_109_000,
      extradata: { tscTicksPerSecond: 3_400_109_000, tscMode: null, getHostTimeDisabled: null, warpDrivePercentage: null },
    });
    expect(tscFrequencyMismatch(facts({ vbox: v }))).toEqual([]);
    expect(tscFrequencyMismatch(facts({ vbox: v, user: { hostTscHz: 3_400_109_000 } }))).toEqual([]);
  });
});

describe('VBOX_GUEST_RATE_DIFFERS', () => {
  const guest = (khz: number) => kernelLog({ hypervisor: 'KVM', kvmClock: true, tscDetectedKhz: khz, tscCalibration: 'kvm-clock' });
  it('flags a guest log from another VM or session', () => {
    const [f] = guestRateDiffers(facts({ vbox: documentedVbox(), kernelLog: guest(2_592_000) }));
    expect(f).toMatchObject({ id: 'VBOX_GUEST_RATE_DIFFERS', severity: 'info' });
  });
  it('is silent when the guest took the same rate (to the kHz)', () => {
    expect(guestRateDiffers(facts({ vbox: documentedVbox(), kernelLog: guest(3_478_274) }))).toEqual([]);
  });
});

describe('mangled numbers', () => {
  it('a zero rate is no evidence, not a division by zero', () => {
    expect(tscFrequencyMismatch(facts({ vbox: documentedVbox({ tscTicksPerSecond: 0 }), user: { hostTscHz: 3_400_109_000 } }))).toEqual([]);
    expect(tscFrequencyMismatch(facts({ vbox: documentedVbox({ brandNominalHz: 0, gipCpuHz: 0, hostTscTicksPerSecond: 0 }) }))).toEqual([]);
  });
});

describe('HOST_TSC_SOURCES_DISAGREE', () => {
  const leaf15 = { cpuidLeaf15: { eax: 2, ebx: 0x82, ecx: 38_400_000, edx: 0 }, cpuidTscTicksPerSecond: 2_496_000_000, tscTicksPerSecond: 2_496_000_000 };
  it('notes a --host-tsc-hz that contradicts CPUID leaf 0x15', () => {
    const [f] = hostRateSourcesDisagree(facts({ vbox: vbox(leaf15), user: { hostTscHz: 2_400_000_000 } }));
    expect(f).toMatchObject({ id: 'HOST_TSC_SOURCES_DISAGREE', severity: 'info' });
    expect(f!.data).toMatchObject({ usedSource: 'user', otherSource: 'cpuid-leaf-0x15' });
    expect(f!.evidence.map((e) => e.source)).toEqual(['user']);
  });
  it('is silent when they agree', () => {
    expect(hostRateSourcesDisagree(facts({ vbox: vbox(leaf15), user: { hostTscHz: 2_496_000_100 } }))).toEqual([]);
  });
});
