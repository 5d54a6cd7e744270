/**
 * Everything the model needs to know about one guest, in model terms (not evidence terms). Scenarios,
 * `clockdoctor simulate` flags and params-from-facts all produce a `ModelParams`.
 */
import { ASSUMPTION_DEFAULTS, type Assumptions } from './constants.js';

export type Hypervisor = 'virtualbox' | 'kvm' | 'vmware' | 'xen' | 'hyperv' | 'bare-metal';
/** VirtualBox GIM providers (`legacy` = VirtualBox's "Legacy" setting, which maps to no paravirt clock for Linux). */
export type Paravirt = 'kvm' | 'hyperv' | 'minimal' | 'legacy' | 'none';
export type ClockName = 'tsc' | 'kvm-clock' | 'acpi_pm' | 'hpet' | 'jiffies' | 'xen' | 'hyperv_clocksource_tsc_page' | 'arch_sys_counter';
export const CLOCK_NAMES: readonly ClockName[] = ['tsc', 'kvm-clock', 'acpi_pm', 'hpet', 'jiffies', 'xen', 'hyperv_clocksource_tsc_page', 'arch_sys_counter'];
/** CPU architecture: x86 has the TSC and the PC timers; arm64 the generic timer (`arch_sys_counter`). */
export type Arch = 'x86' | 'arm64';
/** Where VMware's PTSC (the guest's virtual TSC time base) comes from, as vmware.log says (`PTSC: using …`). */
export type VmwarePtsc = 'tsc' | 'reference-clock';
export type TscMode = 'VirtTscEmulated' | 'RealTscOffset' | 'Dynamic' | 'NativeApi';
/** What happens to timer ticks the hypervisor could not deliver on time. */
export type LostTickPolicy = 'discard' | 'delay' | 'slew' | 'reinject';
export type CorrectorName = 'ntpd' | 'chrony' | 'timesyncd' | 'vboxservice' | 'vmware-tools';
export const CORRECTOR_NAMES: readonly CorrectorName[] = ['ntpd', 'chrony', 'timesyncd', 'vboxservice', 'vmware-tools'];

/** One time-sync daemon and its settings (defaults from model.md §3 when absent). */
export interface CorrectorSpec {
  name: CorrectorName;
  /** Seconds after start of its first poll (default 0). */
  startAt?: number;
  /** ntpd: stepout (`CLOCK_MINSTEP`), 900 s (4.2.6) or 300 s. */
  stepoutSeconds?: number;
  /** ntpd step threshold (0.128 s; `-x` raises it to 600 s). */
  stepThresholdSeconds?: number;
  /** ntpd/chrony: start with the frequency from the drift file (default true). */
  trained?: boolean;
  /** chrony `makestep threshold limit` (absent = never steps). */
  makestep?: { thresholdSeconds: number; limit: number } | null;
  /** VBoxService `--timesync-interval` etc. (seconds). */
  intervalSeconds?: number;
  minAdjustSeconds?: number;
  setThresholdSeconds?: number;
  latencyFactor?: number;
  /** This corrector's reference minus true time (e.g. VBoxService follows the host clock). */
  referenceOffsetSeconds?: number;
}

/** A host-side stall (vCPU not scheduled) or suspend, in true seconds from the start. */
export interface StallSpec {
  atSeconds: number;
  durationSeconds: number;
  kind: 'stall' | 'suspend';
}

export interface ModelParams {
  hypervisor: Hypervisor;
  /** x86 (default) or arm64 (the generic timer instead of the TSC and the PC timers). */
  arch: Arch;
  /** arm64: the generic timer's rate as CNTFRQ_EL0 states it (`arch_timer: … running at 24.00MHz`), Hz; null = not in the evidence. */
  counterHz: number | null;
  /** VMware: PTSC from the hardware TSC or the host reference clock; null = not known (the hardware TSC assumed). */
  vmwarePtsc: VmwarePtsc | null;
  /** VirtualBox paravirt provider (ignored elsewhere). */
  paravirt: Paravirt;
  /** Clocksource the guest selects at boot. */
  clocksource: ClockName;
  /** TSC rate the hypervisor announces (VirtualBox cTSCTicksPerSecond, KVM host tsc_khz, VMware GETHZ). */
  claimedTscHz: number | null;
  /** Real host TSC rate. */
  trueTscHz: number | null;
  /** VirtualBox TSC mode at VM start (default Dynamic). */
  tscMode: TscMode;
  /** VirtualBox `fTSCModeSwitchAllowed` (host TSC fixed and a GIM provider on). */
  tscModeSwitchAllowed: boolean;
  /** `VBoxInternal/TM/TSCTicksPerSecond` set (forces VirtTscEmulated). */
  tscTicksPerSecondOverride: boolean;
  /** Guest kernel version, "3.2" or a full uname ("3.2.0-23-generic"); null = unknown (treated as new). */
  kernelVersion: string | null;
  /** Guest kernel enabled kvm-clock (false with `no-kvmclock`). */
  kvmclockEnabled: boolean;
  /** `tsc=reliable`: the watchdog does not check the TSC. */
  tscReliable: boolean;
  /** Which clock the watchdog uses, when known (else the best-rated non-TSC clock available). */
  watchdogClock: ClockName | null;
  /** HPET exposed to the guest (null = the hypervisor's default: off on VirtualBox, on elsewhere). */
  hpetPresent: boolean | null;
  hz: number;
  tick: 'periodic' | 'nohz';
  /** Fraction of timer ticks never delivered (0.02 = 2 %). */
  lostTickFraction: number;
  lostTickPolicy: LostTickPolicy;
  /** Error of the hypervisor's virtual time / the crystal, ppm (+ = fast). Affects every clock. */
  crystalPpm: number;
  correctors: CorrectorSpec[];
  stalls: StallSpec[];
  /** θ at t = 0, seconds (e.g. a local-time RTC read as UTC). */
  initialOffsetSeconds: number;
  durationSeconds: number;
  assumptions: Assumptions;
}

export function defaultParams(over: Partial<ModelParams> = {}): ModelParams {
  return {
    hypervisor: 'virtualbox',
    arch: 'x86',
    counterHz: null,
    vmwarePtsc: null,
    paravirt: 'none',
    clocksource: 'tsc',
    claimedTscHz: null,
    trueTscHz: null,
    tscMode: 'Dynamic',
    tscModeSwitchAllowed: true,
    tscTicksPerSecondOverride: false,
    kernelVersion: null,
    kvmclockEnabled: true,
    tscReliable: false,
    watchdogClock: null,
    hpetPresent: null,
    hz: over.assumptions?.defaultHz ?? ASSUMPTION_DEFAULTS.defaultHz,
    tick: 'nohz',
    lostTickFraction: 0,
    lostTickPolicy: 'delay',
    crystalPpm: 0,
    correctors: [],
    stalls: [],
    initialOffsetSeconds: 0,
    durationSeconds: 300,
    ...over,
    assumptions: { ...ASSUMPTION_DEFAULTS, ...(over.assumptions ?? {}) },
  };
}

/** A configuration the model cannot run (a clocksource this hypervisor does not offer, bad numbers). */
export class ModelError extends Error {
  override readonly name = 'ModelError';
}
