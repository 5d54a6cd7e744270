/** `hypervisor`: the hypervisor and platform from /sys/hypervisor/type, DMI and the ACPI OEM ID. */
import { defineKind, identityMerge } from '../kind.js';
import { parseHypervisor } from './parser.js';
import { hypervisorSource } from './source.js';
import type { HypervisorFacts } from './facts.js';
import type { Hint, HypervisorName } from '../hints.js';
import { plainEvidence } from '../quote.js';

const PLATFORMS: [RegExp, HypervisorName][] = [
  [/VirtualBox/i, 'virtualbox'], [/VMware/i, 'vmware'], [/Hyper-V/i, 'hyperv'], [/Xen/i, 'xen'], [/Firecracker/i, 'firecracker'],
  [/Parallels/i, 'parallels'], [/bhyve/i, 'bhyve'], [/QEMU|KVM|Amazon EC2|Google|Cloud Hypervisor/i, 'kvm'],
];

function hints(h: HypervisorFacts): Hint[] {
  if (h.platform === null) return [];
  const name = PLATFORMS.find(([re]) => re.test(h.platform ?? ''))?.[1] ?? 'other';
  const what = [h.sysHypervisorType, h.dmiSysVendor, h.dmiProductName, h.acpiOemId].filter((x) => x !== null).join(' / ');
  return [{ about: 'hypervisor', name, label: h.platform, strength: 'strong', evidence: [plainEvidence('hypervisor', `${h.platform}: ${what}`, h.path)] }];
}

export const hypervisorKind = defineKind({
  name: 'hypervisor',
  key: 'hypervisor',
  title: 'hypervisor (sysfs, DMI)',
  createParser: null,
  merge: identityMerge<HypervisorFacts>(['platform', 'dmiSysVendor', 'dmiProductName', 'sysHypervisorType']),
  keyFacts: () => [],
  hints,
  collector: {
    help: 'hypervisor and platform: /sys/hypervisor/type, DMI vendor, ACPI OEM ID',
    defaultOn: true,
    liveOnly: false,
    source: hypervisorSource,
    parse: parseHypervisor,
  },
});
