/**
 * `uname`: the kernel release, host name and machine a user pasted (`uname -a`, `uname -r`, `uname -m`).
 * A Darwin line is the Mac that runs the VMs; a `-microsoft-standard-WSL2` release is a WSL2 VM.
 */
import { conflicts, defineKind, fillMerge } from '../kind.js';
import { createUnameParser } from './parser.js';
import type { UnameFacts } from './facts.js';
import type { Hint, HypervisorName } from '../hints.js';
import { refEvidence } from '../quote.js';

function keyFacts(u: UnameFacts): string[] {
  const lines: string[] = [];
  if (u.kernelRelease !== null || u.machine !== null) {
    lines.push(`uname: ${u.kernelName ?? 'kernel'} ${u.kernelRelease ?? '?'}${u.machine !== null ? ` ${u.machine}` : ''}${u.nodename !== null ? ` on ${u.nodename}` : ''}${u.wsl !== null ? ` (${u.wsl.toUpperCase()})` : ''}`);
  }
  if (u.macHost !== null) lines.push(`uname: macOS host (Darwin ${u.macHost.release ?? '?'}${u.macHost.machine !== null ? ` ${u.macHost.machine}` : ''})`);
  return lines;
}

/** Kernels built for one platform: a hint (weak — the kernel may boot elsewhere), never proof. */
const FLAVOUR_PLATFORMS: Record<string, [HypervisorName, string]> = {
  azure: ['hyperv', 'Hyper-V (Azure kernel)'],
  gcp: ['kvm', 'KVM (Google Cloud kernel)'],
  boot2docker: ['virtualbox', 'VirtualBox (boot2docker\'s usual driver)'],
};

function hints(u: UnameFacts): Hint[] {
  const out: Hint[] = [];
  const main = refEvidence('uname', u, 'kernelRelease', 'machine', 'nodename');
  if (u.arch !== null) out.push({ about: 'arch', arch: u.arch, evidence: refEvidence('uname', u, 'machine') });
  if (u.wsl === 'wsl2') {
    out.push({ about: 'hypervisor', name: 'hyperv', label: 'Hyper-V (WSL2)', strength: 'strong', evidence: main });
    out.push({ about: 'role', role: 'guest', strength: 'strong', why: 'its kernel is WSL2\'s, which always runs in a Hyper-V VM', evidence: main });
    out.push({ about: 'host-os', os: 'windows', label: 'Windows (WSL2)', evidence: main });
  }
  const platform = u.flavour !== null ? FLAVOUR_PLATFORMS[u.flavour] : undefined;
  if (platform !== undefined) out.push({ about: 'hypervisor', name: platform[0], label: platform[1], strength: 'weak', evidence: main });
  if (u.macHost !== null) out.push({ about: 'host-os', os: 'macos', label: `macOS (Darwin ${u.macHost.release ?? '?'}${u.macHost.machine !== null ? `, ${u.macHost.machine}` : ''})`, evidence: refEvidence('uname', u, 'macHost') });
  return out;
}

/** Two outputs are one machine unless they name different kernels, hosts or machines (a Mac host's line never conflicts). */
function merge(a: UnameFacts, b: UnameFacts): UnameFacts | null {
  if (conflicts(a.kernelRelease, b.kernelRelease) || conflicts(a.nodename, b.nodename) || conflicts(a.machine, b.machine)) return null;
  return fillMerge(a, b);
}

export const unameKind = defineKind({
  name: 'uname',
  key: 'uname',
  title: 'uname output',
  createParser: createUnameParser,
  merge,
  keyFacts,
  hints,
  collector: null,
});
