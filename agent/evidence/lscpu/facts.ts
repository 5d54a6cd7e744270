/** `lscpu` output: architecture, CPU, the hypervisor lscpu detected, and the CPU flags. */
import type { SectionBase } from '../kind.js';
import type { TscFlag } from '../cpuinfo/facts.js';

export interface LscpuFacts extends SectionBase {
  /** `Architecture:` as printed (`x86_64`, `aarch64`). */
  architecture: string | null;
  /** The architecture family, from `Architecture:` or else from the flags. */
  arch: 'x86' | 'arm64' | 'arm' | 'other' | null;
  /** `CPU(s):`. */
  cpus: number | null;
  /** `Vendor ID:` (`GenuineIntel`, `AuthenticAMD`, `ARM`, `Apple`). */
  vendorId: string | null;
  /** `Model name:` (`-` counts as absent). */
  modelName: string | null;
  /** `CPU MHz:` in kHz. */
  cpuKhz: number | null;
  /** `Hypervisor vendor:` as printed (`KVM`, `Microsoft`, `VMware`, `Xen`, `Oracle`, `Innotek GmbH`, `Parallels`, `Windows Subsystem for Linux`). */
  hypervisorVendor: string | null;
  /** `Virtualization type:` — `full`, `para`, `container`, or `none`. */
  virtualizationType: 'full' | 'para' | 'container' | 'none' | null;
  /** `Virtualization:` — the CPU's own extension (`VT-x`, `AMD-V`): it can host VMs; says nothing about being one. */
  virtualization: string | null;
  /** `Flags:`, joined across wrapped lines; null when not shown. */
  flags: string[] | null;
  /**
   * True when the flag list is whole (starts where the kernel's list starts, `fpu` on x86 or `fp` on
   * ARM, with nothing cut): only then does a missing flag prove anything.
   */
  flagsComplete: boolean;
  /** The TSC flags present, in cpuinfo's TSC_FLAGS order. */
  tscFlags: TscFlag[];
  /** `hypervisor` in the flags: true when present, false only when the list is complete, else null. */
  hypervisorFlag: boolean | null;
  /** The paste has an elision (`...`, `[...]`, `<snip>`): lines were cut. */
  cut: boolean;
}
