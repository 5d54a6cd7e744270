/** Guest (or host) kernel log facts (dmesg, kern.log, journal, /dev/kmsg). */
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
