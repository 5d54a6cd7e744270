/**
 * Hypervisor / platform identity from sysfs: /sys/hypervisor/type (Xen), DMI strings, and the OEM ID
 * in the ACPI FADT header (the one name left on platforms without DMI, such as Firecracker). Pure.
 */
import type { HypervisorFacts } from './facts.js';

export interface HypervisorRaw {
  sysHypervisorType: string | null;
  dmiSysVendor: string | null;
  dmiProductName: string | null;
  dmiBiosVendor: string | null;
  /** First bytes of /sys/firmware/acpi/tables/FACP (the 36-byte ACPI table header), when readable. */
  acpiFacpHeader: Uint8Array | null;
}

function clean(s: string | null): string | null {
  if (s === null) return null;
  const t = s.trim();
  return t === '' ? null : t;
}

/** OEM ID (bytes 10–15 of an ACPI table header), trimmed; null unless it is a plausible header. */
export function acpiOemId(header: Uint8Array | null): string | null {
  if (header === null || header.length < 16) return null;
  const sig = String.fromCharCode(...header.subarray(0, 4));
  if (!/^[A-Z0-9]{4}$/.test(sig)) return null;
  const oem = String.fromCharCode(...header.subarray(10, 16)).replace(/\0/g, '').trim();
  return /^[\x20-\x7e]+$/.test(oem) ? oem : null;
}

const ACPI_OEMS: [RegExp, string][] = [
  [/^FIRECK$/, 'Firecracker'],
  [/^VBOX$/, 'VirtualBox'],
  [/^BOCHS$/, 'QEMU'],
  [/^VRTUAL$/, 'Hyper-V'],
  [/^VMWARE$/i, 'VMware'],
  [/^Xen$/i, 'Xen'],
  [/^AMAZON$/, 'Amazon EC2'],
  [/^Google$/i, 'Google Compute Engine'],
  [/^CLOUDH$/, 'Cloud Hypervisor'],
];

const DMI: [RegExp, string][] = [
  [/innotek|VirtualBox|Oracle Corporation.*VirtualBox/i, 'VirtualBox'],
  [/VMware/i, 'VMware'],
  [/Microsoft Corporation.*Virtual Machine|Hyper-V/i, 'Hyper-V'],
  [/Amazon EC2/i, 'Amazon EC2'],
  [/Google Compute Engine|^Google\b/i, 'Google Compute Engine'],
  [/Parallels/i, 'Parallels'],
  [/BHYVE/i, 'bhyve'],
  [/Xen/i, 'Xen'],
  [/QEMU|Bochs/i, 'QEMU'],
  [/OpenStack|\bKVM\b/i, 'KVM'],
];

/** The best platform name the evidence gives, or null (we never guess bare metal). */
function platformOf(f: Omit<HypervisorFacts, 'platform' | 'path' | 'refs'>): string | null {
  if (f.sysHypervisorType !== null && /xen/i.test(f.sysHypervisorType)) return 'Xen';
  const dmi = [f.dmiSysVendor, f.dmiProductName, f.dmiBiosVendor].filter((s): s is string => s !== null).join(' ');
  for (const [re, name] of DMI) if (re.test(dmi)) return name;
  if (f.acpiOemId !== null) for (const [re, name] of ACPI_OEMS) if (re.test(f.acpiOemId)) return name;
  return null;
}

export function parseHypervisor(raw: HypervisorRaw, path: string | null = null): HypervisorFacts {
  const base = {
    sysHypervisorType: clean(raw.sysHypervisorType),
    dmiSysVendor: clean(raw.dmiSysVendor),
    dmiProductName: clean(raw.dmiProductName),
    dmiBiosVendor: clean(raw.dmiBiosVendor),
    acpiOemId: acpiOemId(raw.acpiFacpHeader),
  };
  return { path, refs: {}, ...base, platform: platformOf(base) };
}
