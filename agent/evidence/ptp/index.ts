/**
 * `ptp`: the PTP hardware clocks a guest has — the hypervisor's (`hyperv` from hv_utils' TimeSync,
 * `KVM virtual PTP` from ptp_kvm, `ptp_vmw`) that chrony can read host time from, or a NIC's — and
 * listings that showed none.
 */
import { defineKind, fillMerge } from '../kind.js';
import { createPtpParser } from './parser.js';
import type { PhcProvider, PtpFacts } from './facts.js';
import type { Hint, HypervisorName } from '../hints.js';
import { lineEvidence } from '../quote.js';

function keyFacts(p: PtpFacts): string[] {
  const devs = p.devices.map((d) => `${d.name}${d.clockName !== null ? ` (${d.clockName})` : ''}`);
  const links = [p.hypervLink !== null ? '/dev/ptp_hyperv' : null, p.kvmLink !== null ? '/dev/ptp_kvm' : null].filter((x) => x !== null);
  if (devs.length === 0 && links.length === 0) return p.none ? ['ptp: no PTP clock (the listing is empty)'] : [];
  return [`ptp: ${[...devs, ...links].join(', ')}`];
}

const HYPERVISOR_PHC: Partial<Record<PhcProvider, [HypervisorName, string]>> = {
  hyperv: ['hyperv', 'Microsoft Hyper-V'],
  kvm: ['kvm', 'KVM'],
  vmware: ['vmware', 'VMware'],
};

/** A hypervisor's PHC exists only inside its guests: it names the hypervisor outright. */
function hints(p: PtpFacts): Hint[] {
  const out: Hint[] = [];
  const seen = new Set<string>();
  for (const d of p.devices) {
    const hv = d.provider === null ? undefined : HYPERVISOR_PHC[d.provider];
    if (hv === undefined || seen.has(hv[0])) continue;
    seen.add(hv[0]);
    const ev = [lineEvidence('ptp', p, d.clockNameLine ?? d)];
    out.push({ about: 'hypervisor', name: hv[0], label: hv[1], strength: 'strong', evidence: ev });
    out.push({ about: 'role', role: 'guest', strength: 'strong', why: `it has the ${hv[1]} PTP clock (${d.clockName ?? d.name})`, evidence: ev });
  }
  if (p.hypervLink !== null && !seen.has('hyperv')) out.push({ about: 'hypervisor', name: 'hyperv', label: 'Microsoft Hyper-V', strength: 'strong', evidence: [lineEvidence('ptp', p, p.hypervLink)] });
  if (p.kvmLink !== null && !seen.has('kvm')) out.push({ about: 'hypervisor', name: 'kvm', label: 'KVM', strength: 'strong', evidence: [lineEvidence('ptp', p, p.kvmLink)] });
  return out;
}

export const ptpKind = defineKind({
  name: 'ptp',
  key: 'ptp',
  title: 'PTP clocks (/sys/class/ptp, /dev/ptp*)',
  createParser: createPtpParser,
  // Listings of one guest before and after a change stay one list; the rule reads them all.
  merge: (a: PtpFacts, b: PtpFacts) => {
    const m = fillMerge(a, b);
    const shown = m.devices.length > 0 || m.hypervLink !== null || m.kvmLink !== null;
    return { ...m, none: !shown && m.listings.some((l) => l.empty || l.missing) };
  },
  keyFacts,
  hints,
  collector: null,
});
