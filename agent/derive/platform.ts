/**
 * Which hypervisor and which role, from every kind's hints: computed once per diagnosis, read by
 * the analyzers and the model alike.
 *
 * Weighing, in order:
 * 1. a strong `host` role (Xen's control domain, `xl dmesg` lines) — dom0 boots "paravirtualized on
 *    Xen" and has the CPUID hypervisor bit, yet it is the host;
 * 2. a strong `guest` role (the CPUID hypervisor flag) or a hypervisor named outright (`Hypervisor
 *    detected`, DMI, systemd) → guest; a guest that also loads a hypervisor's modules is nested;
 * 3. a hypervisor's host modules at work (kvm, vboxdrv, vmmon) → host (a host is physical hardware
 *    unless step 2 said otherwise);
 * 4. weaker hints of a hypervisor — a paravirtual clocksource only a guest has (kvm-clock, xen,
 *    hyperv_clocksource_*) — → guest;
 * 5. bare metal when a kind says so.
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

/** Clocksources only a guest of one hypervisor has, as weak hints when no kind named the hypervisor. */
const PARAVIRT_CLOCKSOURCES: [RegExp, HypervisorName, string][] = [
  [/^kvm-clock$/, 'kvm', 'KVM (kvm-clock)'],
  [/^xen$/, 'xen', 'Xen'],
  [/^hyperv_clocksource/, 'hyperv', 'Hyper-V'],
];

type Of<A extends Hint['about']> = Extract<Hint, { about: A }>;
const pick = <A extends Hint['about']>(hints: readonly Hint[], about: A): Of<A>[] => hints.filter((h): h is Of<A> => h.about === about);

/** Weak hypervisor hints from paravirtual clocksources the machine has. */
function clocksourceHypervisors(hints: readonly Hint[]): Of<'hypervisor'>[] {
  const out: Of<'hypervisor'>[] = [];
  for (const h of pick(hints, 'clocksource')) {
    for (const name of [...h.available, ...(h.current !== null ? [h.current] : [])]) {
      const hit = PARAVIRT_CLOCKSOURCES.find(([re]) => re.test(name));
      if (hit !== undefined && !out.some((o) => o.name === hit[1])) out.push({ about: 'hypervisor', name: hit[1], label: hit[2], strength: 'weak', evidence: h.evidence });
    }
  }
  return out;
}

function chooseHypervisor(hints: readonly Hint[]): Of<'hypervisor'> | null {
  const named = pick(hints, 'hypervisor');
  const hs = named.length > 0 ? named : clocksourceHypervisors(hints);
  const strong = hs.filter((h) => h.strength === 'strong');
  const pool = strong.length > 0 ? strong : hs;
  let best: Of<'hypervisor'> | null = null;
  for (const h of pool) if (best === null || PRECEDENCE.indexOf(h.name) < PRECEDENCE.indexOf(best.name)) best = h;
  return best;
}

interface RoleChoice { role: Role | null; evidence: EvidenceItem[]; why: string }

function chooseRole(hints: readonly Hint[], hypervisor: Of<'hypervisor'> | null): RoleChoice {
  const roles = pick(hints, 'role');
  const hosts = pick(hints, 'hosts');
  const strongHost = roles.find((r) => r.role === 'host' && r.strength === 'strong');
  if (strongHost !== undefined) return { role: 'host', evidence: strongHost.evidence, why: strongHost.why };
  const strongGuest = roles.find((r) => r.role === 'guest' && r.strength === 'strong');
  if (strongGuest !== undefined) return { role: 'guest', evidence: strongGuest.evidence, why: strongGuest.why };
  if (hypervisor !== null && hypervisor.strength === 'strong') return { role: 'guest', evidence: hypervisor.evidence, why: `${hypervisor.label} is named` };
  if (hosts.length > 0) {
    const names = [...new Set(hosts.map((h) => h.name))];
    const bare = roles.some((r) => r.role === 'bare-metal');
    return { role: 'host', evidence: hosts.flatMap((h) => h.evidence), why: `${bare ? 'bare metal whose ' : 'its '}${names.join(' and ')} host modules are loaded: it can run VMs of its own` };
  }
  const guest = roles.find((r) => r.role === 'guest') ?? (hypervisor !== null ? { evidence: hypervisor.evidence, why: `${hypervisor.label} is hinted` } : undefined);
  if (guest !== undefined) return { role: 'guest', evidence: guest.evidence, why: guest.why };
  const bare = roles.find((r) => r.role === 'bare-metal' && r.strength === 'strong') ?? roles.find((r) => r.role === 'bare-metal');
  if (bare !== undefined) return { role: 'bare-metal', evidence: bare.evidence, why: bare.why };
  return { role: null, evidence: [], why: '' };
}

function summaryOf(role: RoleChoice, label: string | null, hosts: string[]): string {
  if (role.role === 'guest') {
    const nested = hosts.length > 0 ? `, itself running ${hosts.join(' and ')} (nested virtualisation)` : '';
    return `a ${label ?? 'VM'} guest${role.why !== '' ? ` (${role.why})` : ''}${nested}`;
  }
  if (role.role === 'host') return `a host (${role.why})`;
  if (role.role === 'bare-metal') return `bare metal (${role.why})`;
  return 'unknown (nothing in the evidence says whether it is a VM)';
}

/** Weigh the platform hints of every section. */
export function derivePlatform(hints: readonly Hint[]): PlatformView {
  const hv = chooseHypervisor(hints);
  const role = chooseRole(hints, hv);
  const hosts = [...new Set(pick(hints, 'hosts').map((h) => h.name))];
  const arch = pick(hints, 'arch')[0]?.arch ?? null;
  const hypervisor = role.role === 'guest' ? hv?.name ?? null : null;
  const label = role.role === 'guest' ? hv?.label ?? null : null;
  return {
    hypervisor,
    hypervisorLabel: label,
    role: role.role,
    hosts,
    arch,
    vm: role.role === null ? null : role.role === 'guest',
    evidence: dedupe([...role.evidence, ...(role.role === 'guest' ? hv?.evidence ?? [] : [])]),
    summary: summaryOf(role, label, hosts),
  };
}
