/**
 * Which hypervisor and which role, from every kind's hints: computed once per diagnosis, read by
 * the analyzers and the model alike.
 */
import type { EvidenceItem } from '../evidence/kind.js';
import type { Hint, HypervisorName, Role } from '../evidence/hints.js';
import { dedupe } from '../evidence/quote.js';

/** The machine the evidence is about. */
export interface PlatformView {
  /** The hypervisor it runs under (a guest) — or, for a host, null; see `hosts`. */
  hypervisor: HypervisorName | null;
  /** How the evidence names it (`VirtualBox`, `Microsoft Hyper-V`, `KVM`). */
  hypervisorLabel: string | null;
  role: Role | null;
  /** Hypervisors this machine runs for its own VMs (modules loaded): `kvm`, `virtualbox`, … */
  hosts: string[];
  arch: 'x86' | 'arm64' | 'arm' | 'other' | null;
  /** True when the evidence shows a VM (role guest), false when it shows none (host or bare metal), null unknown. */
  vm: boolean | null;
  /** Why: the lines that decided. */
  evidence: EvidenceItem[];
  /** One sentence: `a VirtualBox guest (DMI innotek GmbH VirtualBox)`. */
  summary: string;
}

/**
 * When hints name two hypervisors, the product wins over the interface it offers: VirtualBox's and
 * Hyper-V's guests see "Hypervisor detected: KVM" or Hyper-V enlightenments of a paravirt provider.
 */
const PRECEDENCE: readonly HypervisorName[] = ['virtualbox', 'vmware', 'parallels', 'haxm', 'hvf', 'bhyve', 'firecracker', 'hyperv', 'xen', 'kvm', 'qemu', 'other'];

type Of<A extends Hint['about']> = Extract<Hint, { about: A }>;
const pick = <A extends Hint['about']>(hints: readonly Hint[], about: A): Of<A>[] => hints.filter((h): h is Of<A> => h.about === about);

function chooseHypervisor(hints: readonly Hint[]): Of<'hypervisor'> | null {
  const hs = pick(hints, 'hypervisor');
  const strong = hs.filter((h) => h.strength === 'strong');
  const pool = strong.length > 0 ? strong : hs;
  let best: Of<'hypervisor'> | null = null;
  for (const h of pool) if (best === null || PRECEDENCE.indexOf(h.name) < PRECEDENCE.indexOf(best.name)) best = h;
  return best;
}

function chooseRole(hints: readonly Hint[], hypervisor: Of<'hypervisor'> | null): { role: Role | null; evidence: EvidenceItem[]; why: string } {
  const roles = pick(hints, 'role');
  const hosts = pick(hints, 'hosts');
  const strongGuest = roles.find((r) => r.role === 'guest' && r.strength === 'strong');
  if (strongGuest !== undefined) return { role: 'guest', evidence: strongGuest.evidence, why: strongGuest.why };
  if (hypervisor !== null && hypervisor.strength === 'strong') return { role: 'guest', evidence: hypervisor.evidence, why: `${hypervisor.label} is named` };
  if (hosts.length > 0) return { role: 'host', evidence: hosts.flatMap((h) => h.evidence), why: `it runs ${[...new Set(hosts.map((h) => h.name))].join(' and ')} for its own VMs` };
  const guest = roles.find((r) => r.role === 'guest') ?? (hypervisor !== null ? { evidence: hypervisor.evidence, why: `${hypervisor.label} is hinted` } : undefined);
  if (guest !== undefined) return { role: 'guest', evidence: guest.evidence, why: guest.why };
  const bare = roles.find((r) => r.role === 'bare-metal' && r.strength === 'strong') ?? roles.find((r) => r.role === 'bare-metal');
  if (bare !== undefined) return { role: 'bare-metal', evidence: bare.evidence, why: bare.why };
  return { role: null, evidence: [], why: '' };
}

/** Weigh the platform hints of every section. */
export function derivePlatform(hints: readonly Hint[]): PlatformView {
  const hv = chooseHypervisor(hints);
  const role = chooseRole(hints, hv);
  const hosts = [...new Set(pick(hints, 'hosts').map((h) => h.name))];
  const arch = pick(hints, 'arch')[0]?.arch ?? null;
  const hypervisor = role.role === 'guest' ? hv?.name ?? null : null;
  const label = role.role === 'guest' ? hv?.label ?? null : null;
  const summary = role.role === 'guest'
    ? `a ${label ?? 'VM'} guest${role.why !== '' ? ` (${role.why})` : ''}`
    : role.role === 'host' ? `a host (${role.why})` : role.role === 'bare-metal' ? `bare metal (${role.why})` : 'unknown (nothing in the evidence says whether it is a VM)';
  return {
    hypervisor,
    hypervisorLabel: label,
    role: role.role,
    hosts,
    arch,
    vm: role.role === null ? null : role.role === 'guest',
    evidence: dedupe([...role.evidence, ...(hv?.evidence ?? [])]),
    summary,
  };
}
