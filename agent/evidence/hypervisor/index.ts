/** `hypervisor`: the hypervisor and platform from /sys/hypervisor/type, DMI and the ACPI OEM ID. */
import { defineKind, identityMerge } from '../kind.js';
import { parseHypervisor } from './parser.js';
import { hypervisorSource } from './source.js';
import type { HypervisorFacts } from './facts.js';

export const hypervisorKind = defineKind({
  name: 'hypervisor',
  key: 'hypervisor',
  title: 'hypervisor (sysfs, DMI)',
  createParser: null,
  merge: identityMerge<HypervisorFacts>(['platform', 'dmiSysVendor', 'dmiProductName', 'sysHypervisorType']),
  keyFacts: () => [],
  collector: {
    help: 'hypervisor and platform: /sys/hypervisor/type, DMI vendor, ACPI OEM ID',
    defaultOn: true,
    liveOnly: false,
    source: hypervisorSource,
    parse: parseHypervisor,
  },
});
