/**
 * `virt`: what the guest says it runs on (`systemd-detect-virt`, `virt-what`, `hostnamectl`), and
 * Hyper-V's integration services for the VM (`Get-VMIntegrationService` on the host).
 */
import { conflicts, defineKind, fillMerge } from '../kind.js';
import { createVirtParser } from './parser.js';
import type { VirtFacts } from './facts.js';
import type { Hint, HypervisorName } from '../hints.js';
import { lineEvidence, refEvidence } from '../quote.js';

/** systemd ids and virt-what facts → what they are. Containers are not VMs (the kernel's clock is the host's). */
const IDS: Record<string, [HypervisorName, string]> = {
  kvm: ['kvm', 'KVM'], amazon: ['kvm', 'KVM (Amazon EC2 Nitro)'], qemu: ['qemu', 'QEMU'], bochs: ['qemu', 'QEMU (Bochs BIOS)'],
  xen: ['xen', 'Xen'], 'xen-domU': ['xen', 'Xen (domU)'], 'xen-hvm': ['xen', 'Xen HVM'], vmware: ['vmware', 'VMware'],
  oracle: ['virtualbox', 'VirtualBox'], virtualbox: ['virtualbox', 'VirtualBox'], microsoft: ['hyperv', 'Microsoft Hyper-V'],
  hyperv: ['hyperv', 'Microsoft Hyper-V'], parallels: ['parallels', 'Parallels'], bhyve: ['bhyve', 'bhyve'], apple: ['hvf', 'Apple Virtualization.framework'],
  google: ['kvm', 'KVM (Google Compute Engine)'], google_cloud: ['kvm', 'KVM (Google Compute Engine)'], aws: ['kvm', 'Amazon EC2'],
  alibaba_cloud: ['kvm', 'KVM (Alibaba Cloud)'], nutanix_ahv: ['kvm', 'KVM (Nutanix AHV)'], rhev: ['kvm', 'KVM (RHV)'], redhat: ['kvm', 'KVM (Red Hat)'],
  ovirt: ['kvm', 'KVM (oVirt)'], lkvm: ['kvm', 'KVM (kvmtool)'], zvm: ['other', 'z/VM'], powervm: ['other', 'PowerVM'], acrn: ['other', 'ACRN'],
  qnx: ['other', 'QNX'], sre: ['other', 'SRE'], 'vm-other': ['other', 'a hypervisor'], uml: ['other', 'User-mode Linux'],
};

function keyFacts(v: VirtFacts): string[] {
  const parts = [
    v.systemdDetectVirt !== null ? `systemd-detect-virt ${v.systemdDetectVirt}` : null,
    v.virtWhat !== null ? `virt-what ${v.virtWhat.length === 0 ? '(nothing: bare metal)' : v.virtWhat.join(' ')}` : null,
    v.virtualization !== null ? `hostnamectl virtualization ${v.virtualization}` : null,
    v.chassis !== null ? `chassis ${v.chassis}` : null,
  ].filter((x) => x !== null);
  const ts = v.integrationServices.find((s) => s.name === 'Time Synchronization');
  if (ts !== undefined) parts.push(`Hyper-V Time Synchronization ${ts.enabled ? 'enabled' : 'DISABLED'}${ts.status !== null ? ` (${ts.status})` : ''}`);
  return parts.length === 0 ? [] : [`virt: ${parts.join('; ')}`];
}

function idHints(v: VirtFacts, id: string, refKey: string): Hint[] {
  const ev = refEvidence('virt', v, refKey);
  const hv = IDS[id];
  if (id === 'none') return [{ about: 'role', role: 'bare-metal', strength: 'strong', why: 'systemd-detect-virt finds no VM', evidence: ev }];
  if (id === 'wsl') return [{ about: 'host-os', os: 'windows', label: 'Windows (WSL)', evidence: ev }];
  if (hv === undefined) return [];
  return [
    { about: 'hypervisor', name: hv[0], label: hv[1], strength: 'strong', evidence: ev },
    { about: 'role', role: 'guest', strength: 'strong', why: `the guest detects ${hv[1]}`, evidence: ev },
  ];
}

function hints(v: VirtFacts): Hint[] {
  const out: Hint[] = [];
  if (v.systemdDetectVirt !== null) out.push(...idHints(v, v.systemdDetectVirt, 'systemdDetectVirt'));
  for (const id of v.virtWhat ?? []) out.push(...idHints(v, id, 'virtWhat'));
  if (v.virtWhat !== null && v.virtWhat.length === 0) out.push({ about: 'role', role: 'bare-metal', strength: 'weak', why: 'virt-what printed nothing', evidence: refEvidence('virt', v, 'virtWhat') });
  if (v.virtualization !== null) out.push(...idHints(v, v.virtualization, 'virtualization'));
  if (v.chassis !== null && /^vm\b/.test(v.chassis)) out.push({ about: 'role', role: 'guest', strength: 'strong', why: 'hostnamectl says the chassis is a VM', evidence: refEvidence('virt', v, 'chassis') });
  const arch = v.architecture === null ? null : v.architecture === 'x86-64' || v.architecture === 'x86' ? 'x86' : v.architecture === 'arm64' ? 'arm64' : /^arm/.test(v.architecture) ? 'arm' : 'other';
  if (arch !== null) out.push({ about: 'arch', arch, evidence: refEvidence('virt', v, 'architecture') });
  const ts = v.integrationServices.find((s) => s.name === 'Time Synchronization');
  if (ts !== undefined) {
    const ev = [lineEvidence('virt', v, ts)];
    out.push({ about: 'hypervisor', name: 'hyperv', label: 'Microsoft Hyper-V', strength: 'strong', evidence: ev });
    out.push({ about: 'time-sync', daemon: 'hyperv-timesync-ic', state: ts.enabled ? 'running' : 'disabled', evidence: ev });
    out.push({ about: 'host-os', os: 'windows', label: 'Windows (Hyper-V host)', evidence: ev });
  }
  return out;
}

function merge(a: VirtFacts, b: VirtFacts): VirtFacts | null {
  if (conflicts(a.systemdDetectVirt, b.systemdDetectVirt) || conflicts(a.virtualization, b.virtualization) || conflicts(a.hostname, b.hostname)) return null;
  return fillMerge(a, b);
}

export const virtKind = defineKind({
  name: 'virt',
  key: 'virt',
  title: 'virtualisation reports (systemd-detect-virt, virt-what, hostnamectl, Get-VMIntegrationService)',
  createParser: createVirtParser,
  merge,
  keyFacts,
  hints,
  collector: null,
});
