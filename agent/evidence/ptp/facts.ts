/** PTP hardware clocks (PHCs) the guest has: a hypervisor's (`hyperv`, `KVM virtual PTP`, `ptp_vmw`) or a NIC's. */
import type { LineRef, SectionBase } from '../kind.js';

/** Who provides a PHC, from its `clock_name`. */
export type PhcProvider = 'hyperv' | 'kvm' | 'vmware' | 'nic' | 'other';

/** One PTP clock device (also has the keys of LineRef: where it was seen). */
export interface PtpDevice extends LineRef {
  /** `ptp0`. */
  name: string;
  /** `/sys/class/ptp/ptpN/clock_name`, when shown: `hyperv`, `KVM virtual PTP`, `ptp_vmw`, `mlx5_ptp`. */
  clockName: string | null;
  provider: PhcProvider | null;
  /** The sysfs device path an `ls -l` link shows (`../../devices/virtual/ptp/ptp0`), when shown. */
  sysfsTarget: string | null;
  /** Where `clock_name` was read, when it was. */
  clockNameLine: LineRef | null;
}

/** A listing of /sys/class/ptp or /dev/ptp* (also has the keys of LineRef: the prompt or first line). */
export interface PtpListing extends LineRef {
  command: string | null;
  /** What was listed. */
  target: 'sys-class-ptp' | 'dev-ptp';
  /** Nothing listed: the prompt had no output below it, or only `total 0` and `.`/`..`. */
  empty: boolean;
  /** `ls: cannot access …: No such file or directory`. */
  missing: boolean;
  /** Devices it listed. */
  devices: string[];
}

export interface PtpFacts extends SectionBase {
  devices: PtpDevice[];
  listings: PtpListing[];
  /** `/dev/ptp_hyperv` (the udev link Azure images and systemd create for the Hyper-V PHC) was listed. */
  hypervLink: LineRef | null;
  /** `/dev/ptp_kvm` was listed. */
  kvmLink: LineRef | null;
  /** True when some listing showed no PTP clock at all (empty or missing) and none showed one. */
  none: boolean;
}
