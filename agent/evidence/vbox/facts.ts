/** VirtualBox host log (VBox.log) facts: what the hypervisor told the guest about time, and the host it runs on. */
import type { LineRef, SectionBase, TimeSyncLogLine } from '../kind.js';

/** VirtualBox TSC modes, normalised across the 5.x/6.x (`VirtTscEmulated`) and 7.x (`VirtTSCEmulated`) spellings. */
export type VboxTscMode = 'VirtTscEmulated' | 'RealTscOffset' | 'Dynamic' | 'NativeApi';

/** VirtualBox paravirtualisation (GIM) providers as the log names them. */
export type VboxParavirtProvider = 'None' | 'Minimal' | 'KVM' | 'HyperV';

export interface VboxTscModeSwitch extends LineRef {
  /** Seconds since the VM process started (the log's elapsed-time prefix). */
  atSeconds: number | null;
  from: VboxTscMode | null;
  to: VboxTscMode | null;
}

export interface VboxGimKvmSystemTime extends LineRef {
  atSeconds: number | null;
  vcpu: number;
  tscScale: number | null;
  tscShift: number | null;
  /** `TscKHz=` as printed (6.1+); can be misprinted, never use alone. */
  tscKhzPrinted: number | null;
  /** 1e9 · 2^32 / tscScale · 2^(−tscShift), rounded to the Hz. */
  impliedHz: number | null;
}

export interface VboxCatchUpGiveUp extends LineRef {
  atSeconds: number | null;
  kind: 'gave-up' | 'not-bothering' | 'aborted-on-reset';
  lagNs: number;
  totalNs: number | null;
}

export interface VboxHostPowerEvent extends LineRef {
  atSeconds: number | null;
  kind: 'suspend' | 'resume' | 'battery-low' | 'utc-jump';
}

/** Four CPUID registers, as a `Hst:` row of VBox.log's CPUID dump prints them. */
export interface CpuidRegs {
  eax: number;
  ebx: number;
  ecx: number;
  edx: number;
}

export interface VboxFacts extends SectionBase {
  /** `5.0.6`, `7.2.12` (numeric part); `versionRaw` keeps suffixes such as `_Ubuntu`. */
  version: string | null;
  versionRaw: string | null;
  revision: string | null;
  /** Build target from the header, e.g. `win.amd64`, `darwin.amd64`, `linux.amd64`. */
  hostTarget: string | null;
  /** Human host OS: `OS Product` + `OS Release` when printed, else derived from the target (`Windows`, `macOS`, `Linux`). */
  hostOs: string | null;
  /** UTC ISO time of `Log opened`. */
  logOpenedAt: string | null;
  vmName: string | null;
  guestOsType: string | null;
  vcpus: number | null;
  /** `cTSCTicksPerSecond` of the VM start (init) line — never a `(state load)` line. */
  tscTicksPerSecond: number | null;
  /** 7.x `cTSCTicksPerSecondHost`, else the GIP `u64CpuHz` at start. */
  hostTscTicksPerSecond: number | null;
  hostTscSource: 'cTSCTicksPerSecondHost' | 'gip' | null;
  /** GIP global `u64CpuHz` (the line with `SUPGetCpuHzFromGip`). */
  gipCpuHz: number | null;
  /** GIP mode name as printed: `Invariant`, `Synchronous`, `Asynchronous`, `SyncTSC`, `AsyncTSC`. */
  gipMode: string | null;
  /** Per host CPU `u64CpuHz` values from `TM: GIP - CPU:` lines (online CPUs only). */
  gipPerCpuHz: number[];
  /** (max − min) / median of `gipPerCpuHz`, in ppm; null with fewer than 2 CPUs. */
  gipPerCpuSpreadPpm: number | null;
  /** Host CPUID leaf 0x15 raw registers from the `Hst:` row. */
  cpuidLeaf15: CpuidRegs | null;
  /** Host TSC Hz from leaf 0x15 = ecx·ebx/eax, only when the crystal is enumerated (ecx ≠ 0). */
  cpuidTscTicksPerSecond: number | null;
  /** Leaf 0x15 with ecx = 0 and a crystal inferred from the CPU family (a hint, not a fact). */
  cpuidInferredTscTicksPerSecond: number | null;
  cpuidInferredCrystalHz: number | null;
  /** Host CPUID leaf 0x16 EAX: processor base frequency in MHz. */
  cpuidBaseMhz: number | null;
  /** Host CPU brand string (leaves 0x80000002–4 or the `Full Name` row), trimmed. */
  cpuBrand: string | null;
  /** Nominal Hz from an `@ 3.40GHz` brand suffix; null when the brand has none (AMD). */
  brandNominalHz: number | null;
  /** TSC mode at VM start (init line). */
  tscMode: VboxTscMode | null;
  tscModeSwitches: VboxTscModeSwitch[];
  /** True when any switch went to RealTscOffset; null when the log has no TM section at all. */
  switchedToRealTscOffset: boolean | null;
  /** `TMR3InitFinalize: fTSCModeSwitchAllowed=`. */
  tscModeSwitchAllowed: boolean | null;
  /** 7.1+ `TSCMultiplier=`. */
  tscMultiplier: number | null;
  tscTiedToExecution: boolean | null;
  /** `cTSCTicksPerSecond` of the last `(state load)` line (saved state restored). */
  stateLoadTscTicksPerSecond: number | null;
  /** `TM: TSC frequency incompatible!` on restore. */
  stateLoadTscIncompatible: boolean;
  paravirtProvider: VboxParavirtProvider | null;
  gimKvmSystemTime: VboxGimKvmSystemTime[];
  /** Extradata that shapes time, from `Extradata overrides` (6.1+) or the CFGM dump. */
  extradata: {
    tscTicksPerSecond: number | null;
    tscMode: string | null;
    getHostTimeDisabled: boolean | null;
    warpDrivePercentage: number | null;
  };
  catchUpGiveUps: VboxCatchUpGiveUp[];
  hostPowerEvents: VboxHostPowerEvent[];
  guestAdditionsVersion: string | null;
  timeSync: TimeSyncLogLine[];
  /**
   * VirtualBox runs the VM through Hyper-V's API (NEM, "native API" / "snail mode") instead of its own
   * VT-x/AMD-V engine, because Hyper-V (or VBS, Memory Integrity, WSL2) holds the hardware; null when the
   * log says nothing either way.
   */
  nem: {
    active: boolean;
    /** Why HM fell back to NEM, as logged (`VT-x is not available`). */
    fallbackReason: string | null;
    /** `NEMR3Init: Snail execution mode is active!` */
    snailMode: boolean;
  } | null;
  /** Seconds of the last timestamped line (how long the VM ran in this log). */
  lastSeconds: number | null;
}
