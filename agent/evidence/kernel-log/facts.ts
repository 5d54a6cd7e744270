/** Kernel log facts (dmesg, kern.log, journal, /dev/kmsg) of a guest, a host or bare metal. */
import type { LineRef, SectionBase, TimeSyncLogLine } from '../kind.js';

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
  /**
   * Which counter read lower than at the previous check (`cs_now` < `cs_last` on a full 64-bit mask):
   * `clocksource` or `watchdog`; null when neither did or the counters were not printed.
   */
  backwards: 'clocksource' | 'watchdog' | null;
  /** The clocksource in use at the verdict, when 5.13+ prints it (`'xen' (not 'tsc') is current clocksource.`); `none` for `No current clocksource`. */
  currentAtVerdict: string | null;
}

/**
 * One line of the TSC synchronisation check between CPUs or of the TSC_ADJUST bookkeeping
 * (arch/x86/kernel/tsc_sync.c), or of the clocksource watchdog's per-CPU check (kernel/time/clocksource.c).
 */
export interface TscSyncEvent extends LineRef {
  atSeconds: number | null;
  /**
   * `warp`: the boot-time check measured a warp (`TSC synchronization [CPU#a -> CPU#b]:` /
   * `Measured N cycles TSC warp between CPUs`); `random-warp`: `TSC warped randomly between CPUs`;
   * `passed`: 2.6-era `checking TSC synchronization …: passed`; `skipped`: `Skipped synchronization
   * checks as TSC is reliable`; `adjust-forced`: `[Firmware Bug]: TSC ADJUST: CPUn: v force to 0`;
   * `adjust-not-forced`; `adjust-differs` / `adjust-synchronize`: CPUs of one package booted with
   * different TSC_ADJUST values; `adjust-compensate`: the kernel moved a CPU's TSC to match;
   * `adjust-restored`: `TSC ADJUST differs: CPUn a --> b. Restoring` (something wrote the TSC at run
   * time); `adjust-boot`: `TSC ADJUST: Boot CPUn: v`; `percpu-skew`: `CPUs … ahead of / behind CPU n
   * for clocksource tsc` or `… unstable due to inter CPU skew`.
   */
  kind: 'warp' | 'random-warp' | 'passed' | 'skipped' | 'adjust-forced' | 'adjust-not-forced' | 'adjust-differs'
    | 'adjust-synchronize' | 'adjust-compensate' | 'adjust-restored' | 'adjust-boot' | 'percpu-skew';
  /** Source CPU of the check (`CPU#0` in `[CPU#0 -> CPU#2]`) or the reference CPU. */
  cpuFrom: number | null;
  /** The CPU checked or adjusted. */
  cpu: number | null;
  /** Cycles of warp measured (`Measured N cycles`) or observed (`observed N warp`). */
  warpCycles: number | null;
  /** The TSC_ADJUST value the line states (the value found, before the fix). */
  adjustValue: number | null;
  /**
   * When in the boot: `boot` while the boot CPU brings up the others, `hotplug` for a CPU brought
   * online later (hot-added vCPU, `echo 1 > …/online`), `resume` while CPUs return from suspend.
   */
  when: 'boot' | 'hotplug' | 'resume';
  /** The `TSC synchronization [CPU#a -> CPU#b]:` line a `Measured … warp` line followed, when there was one. */
  header: LineRef | null;
}

/** A failed or skipped watchdog read: the watchdog could not read its reference cleanly. */
export interface WatchdogReadIssue extends LineRef {
  atSeconds: number | null;
  cpu: number | null;
  /**
   * `read-back-delay`: reading the watchdog took too long (`hpet read-back delay of …`, `wd-tsc-wd
   * excessive read-back delay`); `read-timeout`: `Watchdog hpet read timed out` (2025+);
   * `remote-timeout`; `skipped`: `wd-wd read-back delay …, clock-skew test skipped!` /
   * `system too busy`; `retried`: `retried N times before success`; `long-interval`: `Long readout
   * interval, skipping watchdog check`.
   */
  kind: 'read-back-delay' | 'read-timeout' | 'remote-timeout' | 'skipped' | 'retried' | 'long-interval';
  /** The watchdog clocksource named (`hpet`, `acpi_pm`), when the line names it. */
  watchdog: string | null;
  /** The clocksource under test named (`wd-tsc-wd`), when the line names it. */
  clocksource: string | null;
  /** The delay in ns; null when not printed or cut off (`read-back delay of 5252e`). */
  delayNs: number | null;
  /** The kernel marked the clocksource under test unstable because of it. */
  marked: boolean;
}

/** A message of old or paravirtual timekeeping that says time went wrong. */
export interface TimeWarning extends LineRef {
  atSeconds: number | null;
  /**
   * `xen-backwards`: xenified kernels' `clocksource/N: Time went backwards: delta=…`; `timer-isr-backwards`:
   * 2.6.18-xen `Timer ISR/N: Time went backwards: delta=…`; `backwards`: another `Time went backwards`;
   * `lost-ticks`: `Losing some ticks… checking if CPU frequency changed` / `Lost N timer tick(s)`;
   * `many-lost-ticks`: `warning: many lost ticks` / `Your time source seems to be instable`;
   * `tsc-not-timesource`: i386 `Losing too many ticks!` / `TSC cannot be used as a timesource`.
   */
  kind: 'xen-backwards' | 'timer-isr-backwards' | 'backwards' | 'lost-ticks' | 'many-lost-ticks' | 'tsc-not-timesource';
  /** CPU named (`clocksource/4`, `Timer ISR/0`). */
  cpu: number | null;
  /** Signed delta in ns (a typographic dash read as a minus); null when not printed or beyond what a double holds exactly. */
  deltaNs: number | null;
  /** The delta exactly as printed, with an ASCII minus (`-9223012651229942015`): deltas near −2^63 are 64-bit wraps. */
  deltaText: string | null;
  /** Lost ticks the line counts (`Lost 3 timer tick(s)`). */
  ticks: number | null;
}

/** `printk: N messages suppressed.` / `name: N callbacks suppressed`: how many lines a flood swallowed. */
export interface Suppression extends LineRef {
  atSeconds: number | null;
  count: number;
  /** `printk`, or the function named (`watchdog_print_freq_timeout`). */
  by: string;
}

/** A line showing this machine runs VMs of its own (a hypervisor's host module at work). */
export interface HostLine extends LineRef {
  atSeconds: number | null;
  /** The hypervisor hosted: `kvm`, `virtualbox`, `vmware`, `xen`. */
  hypervisor: 'kvm' | 'virtualbox' | 'vmware' | 'xen';
  /**
   * `module`: the module printed something (`kvm_amd: TSC scaling supported`, `vboxdrv: Found 8
   * processor cores`); `unstable-tsc`: `kvm: SMP vm created on host with unstable TSC`; `dom0`: a
   * line only Xen's control domain prints; `hypervisor-console`: `(XEN)` lines of `xl dmesg`.
   */
  kind: 'module' | 'unstable-tsc' | 'dom0' | 'hypervisor-console';
}

/** Suspend, hibernation and resume. */
export interface SleepEvent extends LineRef {
  atSeconds: number | null;
  /** `suspend-entry`, `freeze`, `sleep` (`Preparing to enter system sleep state S3`), `wake`, `suspend-exit`, `restart-tasks`, `hibernate`, `suspended-for`. */
  kind: 'suspend-entry' | 'freeze' | 'sleep' | 'wake' | 'suspend-exit' | 'restart-tasks' | 'hibernate' | 'suspended-for';
  /** ACPI sleep state (`S3`) or suspend mode (`deep`, `s2idle`), when printed. */
  state: string | null;
  /** `Suspended for N seconds` (timekeeping). */
  seconds: number | null;
}

/** What a Hyper-V guest's kernel says about its host and enlightenments (mshyperv.c, hv_vmbus, hv_utils). */
export interface HypervFacts {
  /** `Hyper-V Host Build:18362-10.0-0-0.476` → `18362-10.0-0-0.476`. */
  hostBuild: string | null;
  /** `Vmbus version:4.0`. */
  vmbusVersion: string | null;
  /** The features / privilege-flags line as printed after `Hyper-V: ` (hex words). */
  features: string | null;
  /** `Hyper-V: LAPIC Timer Frequency: 0xc3500` in Hz. */
  lapicTimerHz: number | null;
  /** `hv_utils: TimeSync IC version 4.0` (older `Using TimeSync version`): the TimeSync service negotiated. */
  timeSyncVersion: string | null;
  /** `hv_utils: Heartbeat IC version` / `Shutdown IC version`: other integration services seen. */
  otherServices: string[];
  /** `hv_utils: cannot register PTP clock`. */
  ptpRegisterFailed: boolean;
  /** `Linux version …-microsoft-standard-WSL2` (or `Microsoft` in older WSL2 kernels). */
  wsl2: boolean;
  /** `Hyper-V: running on a nested hypervisor` (the L1 is itself a Hyper-V guest). */
  nested: boolean;
}

/** What a Xen domain's kernel says (arch/x86/xen, 2.6.18-xen time-xen.c). */
export interface XenFacts {
  /** `pv`, `hvm` (HVM / PVHVM), `pvh`; null when the lines do not say. */
  mode: 'pv' | 'hvm' | 'pvh' | null;
  /** `dom0` when a line only the control domain prints is seen, `domU` when one only guests print; null otherwise. */
  domain: 'dom0' | 'domU' | null;
  /** `Xen version: 4.4.1` (PV) or `Xen version 4.11.` (HVM). */
  version: string | null;
  /** `Xen: using vcpuop timer interface`. */
  vcpuopTimer: boolean;
  /** `Xen HVM callback vector for event delivery is enabled`. */
  hvmCallback: boolean;
  /** 2.6.18-xen `Xen reported: N MHz processor.` in kHz. */
  reportedKhz: number | null;
  /** `xen: VDSO_CLOCKMODE_PVCLOCK not supported (tsc unstable)`: xen clock reads are system calls. */
  vdsoUnsupported: boolean;
}

/** The ARM generic timer (drivers/clocksource/arm_arch_timer.c) and sched_clock. */
export interface ArchTimerFacts {
  /** Counter rate from `arch_timer: cp15 timer(s) running at 24.00MHz (virt).`, in Hz. */
  hz: number | null;
  /** `cp15`, `mmio` or `cp15 and mmio`. */
  kind: string | null;
  /** `virt` / `phys` (the guest runs on the virtual counter under a hypervisor when it is `virt` at EL1). */
  mode: string | null;
  /** `sched_clock: 56 bits at 24MHz` → bits and Hz. */
  schedClockBits: number | null;
  schedClockHz: number | null;
}

/** A shell command in the paste that read the kernel log (`$ dmesg | grep -i ptp`), and how many lines it printed. */
export interface KernelLogSearch extends LineRef {
  /** The command as typed. */
  command: string;
  /** What it filtered for: the arguments of its last `grep` (`-i ptp`), or null when it did not filter. */
  filter: string | null;
  /** Lines printed below the prompt before the next one (0: the search found nothing). */
  lines: number;
}

export interface KernelLogFacts extends SectionBase {
  /** Shape of the input: `dmesg`, `dmesg-raw` (-r), `dmesg-x`, `dmesg-ctime` (-T), `kmsg`, `syslog`, `journal`, `plain`. */
  format: string | null;
  /** Boots seen in the file; facts below are from the last one. */
  boots: number;
  /**
   * The shell command a prompt above the lines names when it filtered the log (`dmesg | grep -i tsc`):
   * a line missing from such an excerpt proves nothing. Null when no filtering command is shown.
   */
  filteredBy: string | null;
  /** Commands in the paste that read the kernel log, with their output's size (an empty `grep` is evidence of absence for its pattern). */
  searches: KernelLogSearch[];
  /** The log holds its boot from the start (its `Linux version` banner) and was not filtered: absence of a line means something. */
  wholeBoot: boolean;
  /** CPU architecture the log shows (`x86/fpu:`, `arch_timer:`, `Linux version … aarch64`), or null. */
  arch: 'x86' | 'arm64' | 'arm' | null;
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
  /** Watchdog reads that failed or were skipped (the watchdog's own reference was slow). */
  watchdogReadIssues: WatchdogReadIssue[];
  /** The RHEL/CentOS kernel says it will not fail over: `Enable clocksource failover by adding clocksource_failover kernel parameter`. */
  failoverDisabled: boolean;
  /** TSC synchronisation between CPUs and TSC_ADJUST lines. */
  tscSync: TscSyncEvent[];
  /** Time going backwards and lost ticks (xenified and 2.6-era kernels). */
  timeWarnings: TimeWarning[];
  /** Rate-limited floods (`printk: N messages suppressed`). */
  suppressions: Suppression[];
  /** Lines showing this machine hosts VMs (kvm, vboxdrv, vmmon, Xen dom0). */
  hostLines: HostLine[];
  /** `vboxdrv: TSC mode is Invariant, tentative frequency N Hz`: VirtualBox's host driver's view of the TSC. */
  vboxdrvTscMode: string | null;
  vboxdrvTscHz: number | null;
  /** Suspend / resume cycles of this machine. */
  sleepEvents: SleepEvent[];
  /** Hyper-V guest lines; null when none. */
  hyperv: HypervFacts | null;
  /** Xen domain lines; null when none. */
  xen: XenFacts | null;
  /** ARM generic timer lines; null when none. */
  archTimer: ArchTimerFacts | null;
  /** `PTP clock support registered` (the PTP core, on every kernel with it; not Hyper-V's PHC itself). */
  ptpSupport: boolean;
  /** A line of Intel HAXM named in the paste (Android emulator: `HAXM version … is installed and usable`). */
  haxm: boolean;
  /** HPET counter MHz from `hpet0: N comparators, 64-bit X MHz counter`, in Hz. */
  hpetHz: number | null;
  tscDeadlineTimer: boolean | null;
  /** Guest Additions (VBoxService) time-sync lines forwarded into the kernel log. */
  timeSync: TimeSyncLogLine[];
  /** Kernel command line from `Command line:` / `Kernel command line:`. */
  commandLine: string | null;
}

/**
 * A section with every fact at its "not stated" value: what a parser returns for a file with no kernel
 * line, and what code building facts by hand (tests, examples) starts from.
 */
export function emptyKernelLogFacts(path: string | null = null): KernelLogFacts {
  return {
    path, refs: {}, format: null, boots: 1, filteredBy: null, searches: [], wholeBoot: false, arch: null, kernelVersion: null,
    hypervisor: null, paravirtKernelOn: null, dmi: null, systemdVirtualization: null, cpuBrand: null, cpuDetectedKhz: null,
    tscDetectedKhz: null, tscRefinedKhz: null, tscFromHypervisorKhz: null, tscCalibration: null, kvmClock: false,
    clocksourceSwitches: [], finalClocksource: null, clocksourceRegistrations: [], tscUnstable: false, tscUnstableEvents: [],
    watchdogVerdicts: [], watchdogReadIssues: [], failoverDisabled: false, tscSync: [], timeWarnings: [], suppressions: [],
    hostLines: [], vboxdrvTscMode: null, vboxdrvTscHz: null, sleepEvents: [], hyperv: null, xen: null, archTimer: null,
    ptpSupport: false, haxm: false, hpetHz: null, tscDeadlineTimer: null, timeSync: [], commandLine: null,
  };
}
