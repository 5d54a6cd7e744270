/**
 * What a kernel log says about the machine: the hypervisor it runs under (or the ones it runs for its
 * own VMs), its role, its architecture, the clocksource in use and the time-sync services it shows.
 */
import type { Hint, HypervisorName } from '../hints.js';
import { lineEvidence, refEvidence } from '../quote.js';
import type { EvidenceItem } from '../kind.js';
import type { KernelLogFacts } from './facts.js';

/** `Hypervisor detected: X` names (arch/x86/kernel/cpu/hypervisor.c) → hypervisor. */
const DETECTED: [RegExp, HypervisorName][] = [
  [/vmware/i, 'vmware'], [/hyper-?v|microsoft/i, 'hyperv'], [/xen/i, 'xen'], [/kvm/i, 'kvm'], [/acrn/i, 'other'], [/jailhouse/i, 'other'], [/bhyve/i, 'bhyve'],
];

/** DMI vendor/product text → hypervisor (the product, not the paravirt interface it offers). */
export const DMI_HYPERVISORS: [RegExp, HypervisorName, string][] = [
  [/innotek|VirtualBox/i, 'virtualbox', 'VirtualBox'],
  [/VMware/i, 'vmware', 'VMware'],
  [/Microsoft Corporation.*Virtual|Hyper-V/i, 'hyperv', 'Hyper-V'],
  [/Parallels/i, 'parallels', 'Parallels'],
  [/BHYVE/i, 'bhyve', 'bhyve'],
  [/Firecracker/i, 'firecracker', 'Firecracker'],
  [/\bXen\b|HVM domU/i, 'xen', 'Xen'],
  [/Amazon EC2/i, 'kvm', 'Amazon EC2'],
  [/Google Compute Engine|\bGoogle\b/i, 'kvm', 'Google Compute Engine'],
  [/QEMU|Bochs|Red Hat.*KVM|\bKVM\b|OpenStack/i, 'kvm', 'KVM/QEMU'],
];

/** `systemd[1]: Detected virtualization X.` ids (systemd-detect-virt) → hypervisor. */
const SYSTEMD: Record<string, HypervisorName> = {
  oracle: 'virtualbox', vmware: 'vmware', microsoft: 'hyperv', xen: 'xen', kvm: 'kvm', qemu: 'kvm', amazon: 'kvm', parallels: 'parallels', bhyve: 'bhyve', wsl: 'hyperv', apple: 'hvf',
};

/** Clocksources only a guest of one hypervisor registers (a host or bare metal never has them). */
const GUEST_CLOCKSOURCES: [RegExp, HypervisorName, string][] = [
  [/^xen$/, 'xen', 'Xen'],
  [/^hyperv_clocksource/, 'hyperv', 'Hyper-V'],
];

const ev = (k: KernelLogFacts, ...keys: string[]): EvidenceItem[] => refEvidence('kernel-log', k, ...keys);

function detectedHints(k: KernelLogFacts): Hint[] {
  const out: Hint[] = [];
  if (k.hypervisor !== null) {
    const name = DETECTED.find(([re]) => re.test(k.hypervisor ?? ''))?.[1] ?? 'other';
    out.push({ about: 'hypervisor', name, label: k.hypervisor, strength: 'strong', evidence: ev(k, 'hypervisor') });
  }
  if (k.dmi !== null) {
    const hit = DMI_HYPERVISORS.find(([re]) => re.test(k.dmi ?? ''));
    if (hit !== undefined) out.push({ about: 'hypervisor', name: hit[1], label: hit[2], strength: 'strong', evidence: ev(k, 'dmi') });
  }
  if (k.systemdVirtualization !== null) {
    const name = SYSTEMD[k.systemdVirtualization.toLowerCase()];
    if (name !== undefined) out.push({ about: 'hypervisor', name, label: k.systemdVirtualization, strength: 'strong', evidence: ev(k, 'systemdVirtualization') });
  }
  // A Xen control domain also boots "paravirtualized on Xen", but it is the host: its role hint decides.
  if (k.paravirtKernelOn !== null && !/bare hardware/i.test(k.paravirtKernelOn) && k.xen?.domain !== 'dom0') {
    const name = DETECTED.find(([re]) => re.test(k.paravirtKernelOn ?? ''))?.[1] ?? 'other';
    out.push({ about: 'hypervisor', name, label: k.paravirtKernelOn, strength: 'strong', evidence: ev(k, 'paravirtKernelOn') });
  }
  return out;
}

function enlightenmentHints(k: KernelLogFacts): Hint[] {
  const out: Hint[] = [];
  const h = k.hyperv;
  if (h !== null) {
    if (h.wsl2) out.push({ about: 'hypervisor', name: 'hyperv', label: 'WSL2 (a Hyper-V utility VM)', strength: 'strong', evidence: ev(k, 'wsl2') });
    else if (h.hostBuild !== null || h.features !== null || h.timeSyncVersion !== null || h.vmbusVersion !== null) {
      out.push({ about: 'hypervisor', name: 'hyperv', label: 'Microsoft Hyper-V', strength: 'strong', evidence: ev(k, 'hypervHostBuild', 'hypervFeatures', 'hypervTimeSync', 'hypervVmbusVersion') });
    } else out.push({ about: 'hypervisor', name: 'hyperv', label: 'Hyper-V (its guest drivers)', strength: 'weak', evidence: ev(k, 'hyperv') });
  }
  const x = k.xen;
  // A Xen line of no particular domain type (a xenified kernel's time warning) is dom0 or a domU alike: no hint.
  if (x !== null && x.domain !== 'dom0' && (x.mode !== null || x.version !== null || x.hvmCallback || x.vcpuopTimer || k.refs.xen !== undefined)) {
    const strong = x.version !== null || x.hvmCallback || x.vcpuopTimer;
    out.push({ about: 'hypervisor', name: 'xen', label: x.mode === 'hvm' ? 'Xen HVM' : x.mode === 'pvh' ? 'Xen PVH' : x.mode === 'pv' ? 'Xen PV' : 'Xen', strength: strong ? 'strong' : 'weak', evidence: ev(k, 'xenVersion', 'xenMode', 'xenTimer', 'xen') });
  }
  if (k.haxm) out.push({ about: 'hypervisor', name: 'haxm', label: 'Intel HAXM', strength: 'strong', evidence: ev(k, 'haxm') });
  // Only VMware's guest code prints "TSC freq read from hypervisor"; kvm-clock is offered by KVM and VirtualBox.
  if (k.tscFromHypervisorKhz !== null) out.push({ about: 'hypervisor', name: 'vmware', label: 'VMware', strength: 'weak', evidence: ev(k, 'tscFromHypervisorKhz') });
  if (k.kvmClock) out.push({ about: 'hypervisor', name: 'kvm', label: 'KVM (kvm-clock)', strength: 'weak', evidence: ev(k, 'kvmClock') });
  for (const r of k.clocksourceRegistrations) {
    const hit = GUEST_CLOCKSOURCES.find(([re]) => re.test(r.name));
    if (hit !== undefined && !(hit[1] === 'xen' && x?.domain === 'dom0')) out.push({ about: 'hypervisor', name: hit[1], label: hit[2], strength: 'weak', evidence: [lineEvidence('kernel-log', k, r)] });
  }
  return out;
}

function roleHints(k: KernelLogFacts): Hint[] {
  const out: Hint[] = [];
  const dom0 = k.hostLines.find((h) => h.kind === 'dom0' || h.kind === 'hypervisor-console');
  if (dom0 !== undefined) out.push({ about: 'role', role: 'host', strength: 'strong', why: 'it is the Xen control domain (dom0)', evidence: [lineEvidence('kernel-log', k, dom0)] });
  if (k.paravirtKernelOn !== null && /bare hardware/i.test(k.paravirtKernelOn)) {
    out.push({ about: 'role', role: 'bare-metal', strength: 'weak', why: 'the kernel booted on bare hardware', evidence: ev(k, 'paravirtKernelOn') });
  }
  return out;
}

function hostsHints(k: KernelLogFacts): Hint[] {
  const seen = new Map<string, EvidenceItem[]>();
  for (const h of k.hostLines) seen.set(h.hypervisor, [...(seen.get(h.hypervisor) ?? []), lineEvidence('kernel-log', k, h)]);
  return [...seen].map(([name, evidence]) => ({ about: 'hosts' as const, name, evidence }));
}

function archHints(k: KernelLogFacts): Hint[] {
  return k.arch === null ? [] : [{ about: 'arch', arch: k.arch, evidence: ev(k, 'arch') }];
}

function clocksourceHints(k: KernelLogFacts): Hint[] {
  const last = k.clocksourceSwitches[k.clocksourceSwitches.length - 1];
  const evidence = last !== undefined ? [lineEvidence('kernel-log', k, last)] : ev(k, 'finalClocksource');
  const out: Hint[] = [{ about: 'clocksource', current: k.finalClocksource, available: [], rank: 2, evidence }];
  // Each available one with its own line (registration first, then a switch to it), so a finding can quote why it is there.
  for (const r of k.clocksourceRegistrations) out.push({ about: 'clocksource', current: null, available: [r.name], rank: 2, evidence: [lineEvidence('kernel-log', k, r)] });
  for (const sw of k.clocksourceSwitches) out.push({ about: 'clocksource', current: null, available: [sw.to], rank: 2, evidence: [lineEvidence('kernel-log', k, sw)] });
  if (k.kvmClock) out.push({ about: 'clocksource', current: null, available: ['kvm-clock'], rank: 2, evidence: ev(k, 'kvmClock') });
  return out;
}

function timeSyncHints(k: KernelLogFacts): Hint[] {
  const out: Hint[] = [];
  const first = k.timeSync[0];
  if (first !== undefined) out.push({ about: 'time-sync', daemon: 'VBoxService', state: 'seen', evidence: [lineEvidence('kernel-log', k, first)] });
  if (k.hyperv?.timeSyncVersion != null) out.push({ about: 'time-sync', daemon: 'hv_utils', state: 'seen', evidence: ev(k, 'hypervTimeSync') });
  return out;
}

export function kernelLogHints(k: KernelLogFacts): Hint[] {
  return [...detectedHints(k), ...enlightenmentHints(k), ...roleHints(k), ...hostsHints(k), ...archHints(k), ...clocksourceHints(k), ...timeSyncHints(k)];
}
