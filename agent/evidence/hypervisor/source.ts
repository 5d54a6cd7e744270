/**
 * `hypervisor`: /sys/hypervisor/type, /sys/class/dmi/id/{sys_vendor,product_name,bios_vendor} and the
 * ACPI FADT header's OEM ID (root-only; the only name Firecracker leaves). systeminformation is not
 * used here: this path must read the same from a capture as from the live system.
 */
import type { Source } from '../../sources/source.js';
import type { HypervisorRaw } from './parser.js';
import { ONCE, rereadEvery } from '../../sources/reread.js';

const FILES = {
  sysHypervisorType: 'hypervisor/type',
  dmiSysVendor: 'class/dmi/id/sys_vendor',
  dmiProductName: 'class/dmi/id/product_name',
  dmiBiosVendor: 'class/dmi/id/bios_vendor',
} as const;

/** DMI and ACPI tables are fixed for the boot: the agent reads them once (agent/sources/reread.ts). */
export const hypervisorSource: Source<HypervisorRaw> = rereadEvery({
  name: 'hypervisor',
  async read(_roots, { io }) {
    const raw: HypervisorRaw = { sysHypervisorType: null, dmiSysVendor: null, dmiProductName: null, dmiBiosVendor: null, acpiFacpHeader: null };
    const failures: string[] = [];
    for (const [key, rel] of Object.entries(FILES) as [keyof typeof FILES, string][]) {
      const r = io.readTextSync('sysfs', rel, { maxBytes: 4096 });
      if (r.state === 'ok') raw[key] = r.text;
      else if (r.state === 'failed') failures.push(r.reason);
    }
    const acpi = await io.readHead('sysfs', 'firmware/acpi/tables/FACP', 36);
    if (acpi.state === 'ok') raw.acpiFacpHeader = acpi.buf;
    // ACPI tables are mode 0400 root: denied is expected for a normal user, so it is a hint, not a failure.
    const acpiHint = acpi.state === 'failed' ? `; ${acpi.path} is readable by root only (it names platforms without DMI, e.g. Firecracker)` : '';
    const any = Object.values(raw).some((v) => v !== null);
    const path = io.resolve('sysfs', 'class/dmi/id');
    if (!any && failures.length > 0) return { state: 'failed', reason: failures.join('; ') + acpiHint, path };
    if (!any) return { state: 'absent', reason: `no hypervisor identity: no hypervisor/type or DMI under ${io.resolve('sysfs', '.')}${acpiHint}`, path };
    return { state: 'ok', raw, path };
  },
}, ONCE);
