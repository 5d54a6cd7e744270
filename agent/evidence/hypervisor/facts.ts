/** Hypervisor and platform facts from sysfs and DMI. */
import type { SectionBase } from '../kind.js';

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
