/** Installed packages that matter for clocks: time-sync daemons, hypervisor guest tools, cloud kernels. */
import type { LineRef, SectionBase } from '../kind.js';
import type { HypervisorName } from '../hints.js';

/** What a package is, for clocks. */
export type PackageRole = 'time-sync' | 'guest-tools' | 'kernel' | 'ptp-tools';

/** One package line (also has the keys of LineRef). */
export interface PackageEntry extends LineRef {
  /** The package name as the manager prints it (`kmod-microsoft-hyper-v`, `open-vm-tools`). */
  name: string;
  version: string | null;
  manager: 'rpm' | 'dpkg' | 'apt' | 'yum' | 'pacman' | 'apk';
  /** False for dpkg's `rc` (removed, config kept) and `un`, and for `package X is not installed`. */
  installed: boolean;
  role: PackageRole;
  /** The time-sync daemon it provides (`chronyd`, `ntpd`, `systemd-timesyncd`, `vmtoolsd`, `VBoxService`). */
  daemon: string | null;
  /** The hypervisor its guest tools are for, or the cloud platform a kernel is built for. */
  hypervisor: HypervisorName | null;
  /** What a person calls it: `Linux Integration Services for Hyper-V (LIS)`. */
  label: string;
}

export interface PackagesFacts extends SectionBase {
  /** The packages that matter for clocks, in order (at most 500). */
  packages: PackageEntry[];
  /** Package lines read in all, relevant or not. */
  listed: number;
}
