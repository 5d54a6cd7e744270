/** What a kernel log says about the machine: the hypervisor it names, the role, the clocksource in use. */
import type { Hint, HypervisorName } from '../hints.js';
import { lineEvidence, refEvidence } from '../quote.js';
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

function hypervisorHints(k: KernelLogFacts): Hint[] {
  const out: Hint[] = [];
  if (k.hypervisor !== null) {
    const name = DETECTED.find(([re]) => re.test(k.hypervisor ?? ''))?.[1] ?? 'other';
    out.push({ about: 'hypervisor', name, label: k.hypervisor, strength: 'strong', evidence: refEvidence('kernel-log', k, 'hypervisor') });
  }
  if (k.dmi !== null) {
    const hit = DMI_HYPERVISORS.find(([re]) => re.test(k.dmi ?? ''));
    if (hit !== undefined) out.push({ about: 'hypervisor', name: hit[1], label: hit[2], strength: 'strong', evidence: refEvidence('kernel-log', k, 'dmi') });
  }
  if (k.systemdVirtualization !== null) {
    const name = SYSTEMD[k.systemdVirtualization.toLowerCase()];
    if (name !== undefined) out.push({ about: 'hypervisor', name, label: k.systemdVirtualization, strength: 'strong', evidence: refEvidence('kernel-log', k, 'systemdVirtualization') });
  }
  if (k.paravirtKernelOn !== null && !/bare hardware/i.test(k.paravirtKernelOn)) {
    const name = DETECTED.find(([re]) => re.test(k.paravirtKernelOn ?? ''))?.[1] ?? 'other';
    out.push({ about: 'hypervisor', name, label: k.paravirtKernelOn, strength: 'strong', evidence: refEvidence('kernel-log', k, 'paravirtKernelOn') });
  }
  // Only VMware's guest code prints "TSC freq read from hypervisor"; kvm-clock is offered by KVM and VirtualBox.
  if (k.tscFromHypervisorKhz !== null) out.push({ about: 'hypervisor', name: 'vmware', label: 'a hypervisor that hands over the TSC rate (VMware)', strength: 'weak', evidence: refEvidence('kernel-log', k, 'tscFromHypervisorKhz') });
  if (k.kvmClock) out.push({ about: 'hypervisor', name: 'kvm', label: 'kvm-clock (KVM or a KVM paravirt interface)', strength: 'weak', evidence: refEvidence('kernel-log', k, 'kvmClock') });
  return out;
}

function roleHints(k: KernelLogFacts): Hint[] {
  if (k.paravirtKernelOn !== null && /bare hardware/i.test(k.paravirtKernelOn)) {
    return [{ about: 'role', role: 'bare-metal', strength: 'weak', why: 'the kernel booted on bare hardware', evidence: refEvidence('kernel-log', k, 'paravirtKernelOn') }];
  }
  return [];
}

function clocksourceHints(k: KernelLogFacts): Hint[] {
  const last = k.clocksourceSwitches[k.clocksourceSwitches.length - 1];
  const evidence = last !== undefined ? [lineEvidence('kernel-log', k, last)] : refEvidence('kernel-log', k, 'finalClocksource');
  const out: Hint[] = [{ about: 'clocksource', current: k.finalClocksource, available: [], rank: 2, evidence }];
  // Each available one with its own line (registration first, then a switch to it), so a finding can quote why it is there.
  for (const r of k.clocksourceRegistrations) out.push({ about: 'clocksource', current: null, available: [r.name], rank: 2, evidence: [lineEvidence('kernel-log', k, r)] });
  for (const sw of k.clocksourceSwitches) out.push({ about: 'clocksource', current: null, available: [sw.to], rank: 2, evidence: [lineEvidence('kernel-log', k, sw)] });
  if (k.kvmClock) out.push({ about: 'clocksource', current: null, available: ['kvm-clock'], rank: 2, evidence: refEvidence('kernel-log', k, 'kvmClock') });
  return out;
}

function timeSyncHints(k: KernelLogFacts): Hint[] {
  const first = k.timeSync[0];
  return first === undefined ? [] : [{ about: 'time-sync', daemon: 'VBoxService', state: 'seen', evidence: [lineEvidence('kernel-log', k, first)] }];
}

export function kernelLogHints(k: KernelLogFacts): Hint[] {
  return [...hypervisorHints(k), ...roleHints(k), ...clocksourceHints(k), ...timeSyncHints(k)];
}
