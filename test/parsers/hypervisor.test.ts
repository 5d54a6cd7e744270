import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { acpiOemId, parseHypervisor } from '../../agent/evidence/hypervisor/parser.js';

const FACP = 'test/fixtures/captures/firecracker-kvm-6.18-collected/sys/firmware/acpi/tables/FACP';
const none = { sysHypervisorType: null, dmiSysVendor: null, dmiProductName: null, dmiBiosVendor: null, acpiFacpHeader: null };

describe('parseHypervisor', () => {
  it('names Firecracker from the ACPI FADT OEM ID when there is no DMI (real header from this machine)', () => {
    const f = parseHypervisor({ ...none, acpiFacpHeader: fs.readFileSync(FACP) });
    expect(f.acpiOemId).toBe('FIRECK');
    expect(f.platform).toBe('Firecracker');
  });

  it('DMI strings of common hypervisors', () => {
    const p = (v: string, prod: string, bios: string): string | null =>
      parseHypervisor({ ...none, dmiSysVendor: `${v}\n`, dmiProductName: `${prod}\n`, dmiBiosVendor: `${bios}\n` }).platform;
    expect(p('innotek GmbH', 'VirtualBox', 'innotek GmbH')).toBe('VirtualBox');
    expect(p('VMware, Inc.', 'VMware Virtual Platform', 'Phoenix Technologies LTD')).toBe('VMware');
    expect(p('Microsoft Corporation', 'Virtual Machine', 'Microsoft Corporation')).toBe('Hyper-V');
    expect(p('QEMU', 'Standard PC (Q35 + ICH9, 2009)', 'SeaBIOS')).toBe('QEMU');
    expect(p('Amazon EC2', 'm5.large', 'Amazon EC2')).toBe('Amazon EC2');
    expect(p('Dell Inc.', 'PowerEdge R640', 'Dell Inc.')).toBeNull();
  });

  it('Xen from /sys/hypervisor/type; strings are trimmed', () => {
    const f = parseHypervisor({ ...none, sysHypervisorType: 'xen\n', dmiSysVendor: '  \n' });
    expect(f.platform).toBe('Xen');
    expect(f.sysHypervisorType).toBe('xen');
    expect(f.dmiSysVendor).toBeNull();
  });

  it('ignores bytes that are not an ACPI header', () => {
    expect(acpiOemId(Buffer.from('garbage'))).toBeNull();
    expect(acpiOemId(Buffer.alloc(36))).toBeNull();
  });
});
