/** What virtualisation a guest reports about itself: systemd-detect-virt, virt-what, hostnamectl; and Hyper-V's integration services. */
import type { LineRef, SectionBase } from '../kind.js';

/** One row of PowerShell's `Get-VMIntegrationService` (also has the keys of LineRef). */
export interface IntegrationService extends LineRef {
  vmName: string | null;
  /** `Time Synchronization`, `Heartbeat`, `Key-Value Pair Exchange`, `Shutdown`, `VSS`, `Guest Service Interface`. */
  name: string;
  enabled: boolean;
  /** `PrimaryStatusDescription`: `OK`, `No Contact`, `Lost Communication`. */
  status: string | null;
}

export interface VirtFacts extends SectionBase {
  /** `systemd-detect-virt`'s answer: `kvm`, `microsoft`, `oracle`, `vmware`, `none`, or a container (`wsl`, `docker`). */
  systemdDetectVirt: string | null;
  /** `virt-what`'s lines (`hyperv`, `xen`, `xen-domU`); `[]` when it ran and printed nothing (bare metal); null when not shown. */
  virtWhat: string[] | null;
  /** hostnamectl's fields. */
  virtualization: string | null;
  chassis: string | null;
  architecture: string | null;
  kernel: string | null;
  hardwareVendor: string | null;
  hardwareModel: string | null;
  hostname: string | null;
  /** Hyper-V's integration services for the VM, as `Get-VMIntegrationService` lists them (run on the host). */
  integrationServices: IntegrationService[];
}
