/**
 * Inline facts for analyzer tests: every section with every field at its "not stated" value, so a
 * test sets only what its rule reads.
 */
import { emptyKernelLogFacts } from '../../agent/evidence/kernel-log/facts.js';
import { emptyFacts, type CpuinfoFacts, type Facts, type KernelLogFacts, type TimerListFacts, type TimesyncFacts, type VboxFacts } from '../../agent/facts.js';

export function vbox(over: Partial<VboxFacts> = {}): VboxFacts {
  return {
    path: 'VBox.log', refs: {}, version: '6.1.38', versionRaw: '6.1.38', revision: null, hostTarget: 'linux.amd64', hostOs: 'Linux',
    logOpenedAt: null, vmName: 'web', guestOsType: 'Ubuntu_64', vcpus: 2, tscTicksPerSecond: null, hostTscTicksPerSecond: null,
    hostTscSource: null, gipCpuHz: null, gipMode: 'Invariant', gipPerCpuHz: [], gipPerCpuSpreadPpm: null, cpuidLeaf15: null,
    cpuidTscTicksPerSecond: null, cpuidInferredTscTicksPerSecond: null, cpuidInferredCrystalHz: null, cpuidBaseMhz: null,
    cpuBrand: null, brandNominalHz: null, tscMode: 'Dynamic', tscModeSwitches: [], switchedToRealTscOffset: false,
    tscModeSwitchAllowed: true, tscMultiplier: null, tscTiedToExecution: false, stateLoadTscTicksPerSecond: null,
    stateLoadTscIncompatible: false, paravirtProvider: 'KVM', gimKvmSystemTime: [],
    extradata: { tscTicksPerSecond: null, tscMode: null, getHostTimeDisabled: null, warpDrivePercentage: null },
    catchUpGiveUps: [], hostPowerEvents: [], guestAdditionsVersion: null, timeSync: [], nem: null, lastSeconds: null,
    ...over,
  };
}

/** The documented case: VirtualBox 5.0, KVM provider, 3 478 274 491 Hz claimed, RealTscOffset, brand @ 3.40GHz. */
export function documentedVbox(over: Partial<VboxFacts> = {}): VboxFacts {
  return vbox({
    version: '5.0.6', versionRaw: '5.0.6', vmName: 'My VM', tscTicksPerSecond: 3_478_274_491, hostTscTicksPerSecond: 3_478_274_491,
    hostTscSource: 'gip', gipCpuHz: 3_478_274_491, cpuBrand: 'Intel(R) Core(TM) i7-3770 CPU @ 3.40GHz', brandNominalHz: 3_400_000_000,
    tscMode: 'Dynamic', switchedToRealTscOffset: true,
    tscModeSwitches: [{ line: 900, excerpt: "00:00:10.000000 TM: Switching TSC mode from 'Dynamic' to 'RealTscOffset'", atSeconds: 10, from: 'Dynamic', to: 'RealTscOffset' }],
    refs: {
      tscTicksPerSecond: { line: 500, excerpt: '00:00:01.000000 TM: cTSCTicksPerSecond=3 478 274 491 (0xcf5241bb) enmTSCMode=3 (Dynamic)' },
      paravirtProvider: { line: 510, excerpt: "00:00:01.100000 GIM: Using provider 'KVM' (Implementation version: 0)" },
      cpuBrand: { line: 700, excerpt: '00:00:02.000000 Full Name: "Intel(R) Core(TM) i7-3770 CPU @ 3.40GHz"' },
    },
    ...over,
  });
}

export function kernelLog(over: Partial<KernelLogFacts> = {}): KernelLogFacts {
  return { ...emptyKernelLogFacts('dmesg'), format: 'dmesg', kernelVersion: '5.4.0', ...over };
}

export function cpuinfo(over: Partial<CpuinfoFacts> = {}): CpuinfoFacts {
  return {
    path: 'cpuinfo', refs: {}, processors: 2, architecture: 'x86', vendor: 'GenuineIntel', modelName: null, brandNominalHz: null,
    cpuKhz: null, tscFlags: ['tsc', 'constant_tsc', 'nonstop_tsc'], hypervisorFlag: true, otherTimeFlags: [], armFeatures: null, armPart: null, counterHz: null,
    ...over,
  };
}

export function timerList(over: Partial<TimerListFacts> = {}): TimerListFacts {
  return {
    path: 'timer_list', refs: {}, version: 'v0.8', versionNumber: 8, nowNs: null, cpus: 2, tickMode: 'oneshot', nohz: true,
    highres: true, clockEventDevices: ['lapic-deadline'], broadcastDevice: null, perCpuDevice: 'lapic-deadline', eventHandler: null,
    hz: 250, lapicDeadlineTscHz: null, truncated: false,
    ...over,
  };
}

export function timesync(daemons: TimesyncFacts['daemons'], over: Partial<TimesyncFacts> = {}): TimesyncFacts {
  return { path: 'proc', refs: {}, daemons, chronyTracking: null, ...over };
}

export function facts(over: Partial<Facts> = {}): Facts {
  return { ...emptyFacts(), ...over };
}
