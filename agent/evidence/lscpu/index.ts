/** `lscpu`: architecture, CPU, the hypervisor lscpu detected (`Hypervisor vendor:`) and the CPU flags. */
import { defineKind, identityMerge } from '../kind.js';
import { createLscpuParser } from './parser.js';
import type { LscpuFacts } from './facts.js';
import type { Hint, HypervisorName } from '../hints.js';
import { refEvidence } from '../quote.js';

/** util-linux's hypervisor vendor names (lscpu.c hv_vendors[]) → what they are. */
const VENDORS: readonly [RegExp, HypervisorName][] = [
  [/^Microsoft$/, 'hyperv'], [/^KVM$/, 'kvm'], [/^VMware$/, 'vmware'], [/^Xen$/, 'xen'],
  [/^(?:Oracle|Innotek GmbH|VBOX)$/, 'virtualbox'], [/^Parallels$/, 'parallels'], [/^(?:bhyve|bhyve bhyve)$/i, 'bhyve'],
  [/^(?:IBM|pHyp|OS\/400|Hitachi|Unisys s-Par|Linux-VServer|User-mode Linux)$/, 'other'],
];

function keyFacts(l: LscpuFacts): string[] {
  const cpu = [l.architecture ?? l.arch ?? '?', l.modelName, l.cpus !== null ? `${l.cpus} CPUs` : null].filter((x) => x !== null).join(', ');
  const hv = l.hypervisorVendor !== null ? `; hypervisor ${l.hypervisorVendor}${l.virtualizationType !== null ? ` (${l.virtualizationType})` : ''}` : '';
  const flags = l.flags === null ? '' : `; TSC flags ${l.tscFlags.join(' ') || 'none'}${l.flagsComplete ? '' : ' (flag list cut)'}`;
  return [`lscpu: ${cpu}${hv}${flags}`];
}

function hints(l: LscpuFacts): Hint[] {
  const out: Hint[] = [];
  const hvRef = refEvidence('lscpu', l, 'hypervisorVendor', 'virtualizationType');
  const vendor = l.hypervisorVendor;
  // `container` is OpenVZ or WSL 1: the kernel's clock is the host's own, no VM in between.
  if (vendor !== null && l.virtualizationType !== 'container') {
    const name = VENDORS.find(([re]) => re.test(vendor))?.[1] ?? 'other';
    out.push({ about: 'hypervisor', name, label: name === 'hyperv' ? 'Microsoft Hyper-V' : vendor, strength: 'strong', evidence: hvRef });
    out.push({ about: 'role', role: 'guest', strength: 'strong', why: `lscpu names the hypervisor (${vendor})`, evidence: hvRef });
  }
  const flags = refEvidence('lscpu', l, 'flags');
  if (l.hypervisorFlag === true) out.push({ about: 'role', role: 'guest', strength: 'strong', why: 'the CPU has the hypervisor flag', evidence: flags });
  if (l.hypervisorFlag === false && l.arch === 'x86' && vendor === null) out.push({ about: 'role', role: 'bare-metal', strength: 'weak', why: 'the whole CPU flag list lacks the hypervisor flag', evidence: flags });
  if (l.arch !== null) out.push({ about: 'arch', arch: l.arch, evidence: refEvidence('lscpu', l, 'architecture', 'flags') });
  return out;
}

export const lscpuKind = defineKind({
  name: 'lscpu',
  key: 'lscpu',
  title: 'lscpu output',
  createParser: createLscpuParser,
  merge: identityMerge<LscpuFacts>(['architecture', 'modelName', 'vendorId', 'hypervisorVendor', 'cpus']),
  keyFacts,
  hints,
  collector: null,
});
