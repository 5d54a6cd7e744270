/**
 * The typed facts every parser produces and every analyzer, the model and every output reads.
 *
 * One data source = one name end to end: the source `kernel-log` (agent/sources/kernel-log.ts) feeds
 * the parser `kernel-log` (agent/parsers/kernel-log.ts), whose result lands in `facts.kernelLog`, is
 * switched with `--[no-]collector.kernel-log` and reported as `clockdoctor_collector_success{collector="kernel-log"}`.
 * The fact key is always the camelCase form of the source name.
 *
 * Rules for every section:
 * - a fact the evidence does not state is `null`, never guessed;
 * - frequencies are integers in Hz or kHz exactly as named (`...Hz`, `...Khz`), never floats of MHz;
 * - anything an analyzer may quote as evidence keeps its line number and raw excerpt (`LineRef`).
 */

/** Where a fact was read: 1-based line number in the input and the raw line (trimmed, at most 400 chars). */
export interface LineRef {
  line: number;
  excerpt: string;
}

/** Fields every section carries. `path` is the file or directory the section was read from. */
export interface SectionBase {
  path: string | null;
  /** Line references for scalar facts, keyed by the fact's name in this section. */
  refs: Record<string, LineRef>;
}

// ───────────────────────────── VirtualBox host log (VBox.log) ─────────────────────────────

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

/** A Guest Additions time-sync line forwarded into VBox.log or a guest kernel log. */
export interface TimeSyncLogLine extends LineRef {
  atSeconds: number | null;
  kind: 'radical-host-change' | 'radical-guest-change' | 'time-set' | 'adjtime' | 'session-changed' | 'drift' | 'error' | 'other';
  /** Signed nanoseconds the line states (radical change delta, adjtime amount), when it states one. */
  deltaNs: number | null;
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
  /** Seconds of the last timestamped line (how long the VM ran in this log). */
  lastSeconds: number | null;
}

// ───────────────────────────── Guest kernel log (dmesg, kern.log, journal, /dev/kmsg) ─────────────────────────────

export interface ClocksourceSwitch extends LineRef {
  /** Kernel (monotonic) seconds from the `[ ... ]` stamp, when printed. */
  atSeconds: number | null;
  to: string;
}

export interface ClocksourceRegistration extends LineRef {
  name: string;
  mask: string;
  maxCycles: string;
  maxIdleNs: number;
  /** Frequency the clocksource was registered with (64-bit masks only), from max_cycles/max_idle_ns. */
  impliedHz: number | null;
}

export interface TscUnstableEvent extends LineRef {
  atSeconds: number | null;
  reason: string;
}

export interface WatchdogVerdict extends LineRef {
  atSeconds: number | null;
  cpu: number | null;
  clocksource: string;
  watchdog: string | null;
  /** Signed skew in ns when the kernel printed it (6.3+) or it can be computed from *_nsec lines. */
  skewNs: number | null;
  intervalNs: number | null;
  wdNsec: number | null;
  csNsec: number | null;
}

export interface KernelLogFacts extends SectionBase {
  /** Shape of the input: `dmesg`, `dmesg-raw` (-r), `dmesg-x`, `dmesg-ctime` (-T), `kmsg`, `syslog`, `journal`, `plain`. */
  format: string | null;
  /** Boots seen in the file; facts below are from the last one. */
  boots: number;
  kernelVersion: string | null;
  /** Name after `Hypervisor detected:` (`KVM`, `VMware`, `Microsoft Hyper-V`, `Xen HVM`, ...). */
  hypervisor: string | null;
  /** `Booting paravirtualized kernel on X`. */
  paravirtKernelOn: string | null;
  /** The `DMI:` line's text, e.g. `innotek GmbH VirtualBox/VirtualBox, BIOS VirtualBox 12/01/2006`. */
  dmi: string | null;
  /** `systemd[1]: Detected virtualization X.` */
  systemdVirtualization: string | null;
  /** Brand string from `smpboot: CPU0: ...`. */
  cpuBrand: string | null;
  /** `tsc: Detected N MHz processor` (cpu_khz). */
  cpuDetectedKhz: number | null;
  /** TSC kHz the kernel uses at boot: `Detected N MHz TSC` when printed, else `Detected N MHz processor`. */
  tscDetectedKhz: number | null;
  /** `Refined TSC clocksource calibration: N MHz`. */
  tscRefinedKhz: number | null;
  /** `TSC freq read from hypervisor : N MHz` (VMware) or equivalent. */
  tscFromHypervisorKhz: number | null;
  /** How the boot TSC rate was found: `pit`, `hpet`, `pmtimer`, `hypervisor`, `kvm-clock`, `cpuid`, `unknown`. */
  tscCalibration: string | null;
  kvmClock: boolean;
  clocksourceSwitches: ClocksourceSwitch[];
  finalClocksource: string | null;
  clocksourceRegistrations: ClocksourceRegistration[];
  tscUnstable: boolean;
  tscUnstableEvents: TscUnstableEvent[];
  watchdogVerdicts: WatchdogVerdict[];
  /** HPET counter MHz from `hpet0: N comparators, 64-bit X MHz counter`, in Hz. */
  hpetHz: number | null;
  tscDeadlineTimer: boolean | null;
  /** Guest Additions (VBoxService) time-sync lines forwarded into the kernel log. */
  timeSync: TimeSyncLogLine[];
  /** Kernel command line from `Command line:` / `Kernel command line:`. */
  commandLine: string | null;
}

// ───────────────────────────── /proc/cpuinfo ─────────────────────────────

/** The TSC-related flags, in this fixed order. */
export const TSC_FLAGS = ['tsc', 'constant_tsc', 'nonstop_tsc', 'tsc_reliable', 'tsc_known_freq', 'tsc_deadline_timer', 'tsc_adjust', 'rdtscp'] as const;
export type TscFlag = (typeof TSC_FLAGS)[number];

export interface CpuinfoFacts extends SectionBase {
  processors: number | null;
  architecture: 'x86' | 'arm' | 'other' | null;
  vendor: string | null;
  modelName: string | null;
  brandNominalHz: number | null;
  /** `cpu MHz` of the first processor, in kHz (VMs: equals cpu_khz). */
  cpuKhz: number | null;
  /** TSC_FLAGS present on the first processor, in TSC_FLAGS order; null when the file has no flags line. */
  tscFlags: TscFlag[] | null;
  hypervisorFlag: boolean | null;
  /** Other time-relevant flags present: `art`, `nonstop_tsc_s3`, `tsc_scale`. */
  otherTimeFlags: string[];
}

// ───────────────────────────── /proc/timer_list ─────────────────────────────

export interface TimerListFacts extends SectionBase {
  /** `v0.8` as printed. */
  version: string | null;
  versionNumber: number | null;
  nowNs: number | null;
  cpus: number;
  /** From the per-CPU `Tick Device: mode:` (0 periodic, 1 oneshot). */
  tickMode: 'periodic' | 'oneshot' | null;
  /** NO_HZ active: `.nohz_mode` ≥ 1 (≤ v0.9) or `.nohz : 1` (v0.10); null when not printed. */
  nohz: boolean | null;
  highres: boolean | null;
  /** Distinct clock event device names, in order of appearance, without `<NULL>`. */
  clockEventDevices: string[];
  broadcastDevice: string | null;
  perCpuDevice: string | null;
  eventHandler: string | null;
  /** HZ inferred from jiffies and `now at` (or the low-res resolution). */
  hz: number | null;
  /** Guest TSC Hz read back from a `lapic-deadline` device: 8 · mult · 1e9 / 2^shift. */
  lapicDeadlineTscHz: number | null;
  truncated: boolean;
}

// ───────────────────────────── sysfs clocksource / clockevents ─────────────────────────────

export interface ClocksourceDevice {
  /** Directory index as a string (`clocksource0` → `"0"`), like node_exporter's `device` label. */
  device: string;
  current: string | null;
  available: string[];
}

export interface ClocksourceFacts extends SectionBase {
  /** Device 0's current clocksource. */
  current: string | null;
  /** Device 0's available clocksources, in the kernel's (rating) order. */
  available: string[];
  devices: ClocksourceDevice[];
}

export interface ClockeventsFacts extends SectionBase {
  devices: { name: string; current: string | null }[];
  broadcast: string | null;
}

// ───────────────────────────── /proc/cmdline ─────────────────────────────

export interface CmdlineFacts extends SectionBase {
  raw: string;
  clocksource: string | null;
  /** Every `tsc=` value in order (`reliable`, `nowatchdog`, ...). */
  tsc: string[];
  notsc: boolean;
  noKvmclock: boolean;
  nohz: string | null;
  nohzFull: string | null;
  divider: number | null;
  hpet: string | null;
  lpj: number | null;
  tscEarlyKhz: number | null;
}

// ───────────────────────────── time-sync daemons ─────────────────────────────

export type TimeSyncDaemonName = 'chronyd' | 'ntpd' | 'systemd-timesyncd' | 'VBoxService' | 'vmtoolsd' | 'hv_utils' | 'ptp_kvm' | 'openntpd';

export interface TimeSyncDaemon {
  name: TimeSyncDaemonName;
  pid: number | null;
  /** Raw command line (NUL → space), when read from procfs. */
  cmdline: string | null;
  /** VBoxService only: is its time-sync service enabled, and its `--timesync-*` options (ms). */
  vboxTimesync?: {
    enabled: boolean;
    intervalMs: number | null;
    minAdjustMs: number | null;
    setThresholdMs: number | null;
    setStart: boolean | null;
    setOnRestore: boolean | null;
  };
}

/** `chronyc -c tracking` fields, with chrony's sign conventions kept (frequency > 0 = clock would run fast). */
export interface ChronyTracking {
  referenceId: string;
  referenceName: string;
  stratum: number;
  refTimeSeconds: number;
  /** "System time": > 0 means the system clock is behind (slow of) NTP time. */
  systemTimeOffsetSeconds: number;
  lastOffsetSeconds: number;
  rmsOffsetSeconds: number;
  frequencyPpm: number;
  residualFrequencyPpm: number;
  skewPpm: number;
  rootDelaySeconds: number;
  rootDispersionSeconds: number;
  updateIntervalSeconds: number;
  leapStatus: string;
}

export interface TimesyncFacts extends SectionBase {
  daemons: TimeSyncDaemon[];
  chronyTracking: ChronyTracking | null;
}

// ───────────────────────────── RTC and /etc/adjtime ─────────────────────────────

export interface RtcFacts extends SectionBase {
  present: boolean;
  name: string | null;
  /** `/sys/class/rtc/rtc0/since_epoch`. */
  sinceEpoch: number | null;
  hctosys: boolean | null;
  adjtime: {
    driftFactorSecondsPerDay: number;
    lastAdjustTime: number;
    lastCalibrationTime: number | null;
    mode: 'UTC' | 'LOCAL';
  } | null;
}

// ───────────────────────────── hypervisor / DMI ─────────────────────────────

export interface HypervisorFacts extends SectionBase {
  /** `/sys/hypervisor/type` (Xen). */
  sysHypervisorType: string | null;
  dmiSysVendor: string | null;
  dmiProductName: string | null;
  dmiBiosVendor: string | null;
  /** OEM ID from the ACPI FADT header (`FIRECK`, `VBOX`, `BOCHS`, `VRTUAL`); root-only to read, null otherwise. */
  acpiOemId: string | null;
  /** Best name for the platform: `VirtualBox`, `KVM`, `VMware`, `Hyper-V`, `Xen`, `Firecracker`, `bare-metal`, ... */
  platform: string | null;
}

// ───────────────────────────── cost of reading the clock ─────────────────────────────

export interface ClockReadCostFacts extends SectionBase {
  clocksource: string | null;
  /** Whether this clocksource can be read in the vDSO (no system call). */
  vdso: boolean | null;
  /** Measured median ns per `clock_gettime` from Node (includes Node's own overhead). */
  nsPerRead: number | null;
}

// ───────────────────────────── the whole set ─────────────────────────────

/** Numbers the user supplies on the command line (`--host-tsc-hz`). */
export interface UserFacts {
  hostTscHz: number | null;
}

export interface Facts {
  vbox: VboxFacts | null;
  kernelLog: KernelLogFacts | null;
  cpuinfo: CpuinfoFacts | null;
  timerList: TimerListFacts | null;
  clocksource: ClocksourceFacts | null;
  clockevents: ClockeventsFacts | null;
  cmdline: CmdlineFacts | null;
  timesync: TimesyncFacts | null;
  rtc: RtcFacts | null;
  hypervisor: HypervisorFacts | null;
  clockReadCost: ClockReadCostFacts | null;
  user: UserFacts;
}

export type FactKey = Exclude<keyof Facts, 'user'>;

/** Every section key, in the order outputs list them. */
export const FACT_KEYS: readonly FactKey[] = [
  'vbox', 'kernelLog', 'cpuinfo', 'timerList', 'clocksource', 'clockevents', 'cmdline', 'timesync', 'rtc', 'hypervisor', 'clockReadCost',
];

/** Facts with every section absent. */
export function emptyFacts(user: Partial<UserFacts> = {}): Facts {
  return {
    vbox: null, kernelLog: null, cpuinfo: null, timerList: null, clocksource: null, clockevents: null,
    cmdline: null, timesync: null, rtc: null, hypervisor: null, clockReadCost: null,
    user: { hostTscHz: user.hostTscHz ?? null },
  };
}
