/**
 * `versions`: the virtualisation tools and versions a user pasted — which say which hypervisor runs
 * the VM (Lima and Colima on a Mac: QEMU with Hypervisor.framework; WSL2 and Docker Desktop on
 * Windows: Hyper-V), on which host OS, for which architecture.
 */
import { conflicts, defineKind, fillMerge } from '../kind.js';
import { createVersionsParser } from './parser.js';
import type { ToolVersion, VersionsFacts } from './facts.js';
import type { Hint, HypervisorName } from '../hints.js';
import { lineEvidence, refEvidence } from '../quote.js';

function keyFacts(v: VersionsFacts): string[] {
  const tools = v.tools.map((t) => `${t.product} ${t.version ?? '?'}`);
  const extra = [v.vmArch !== null ? `VM arch ${v.vmArch}` : null, v.runtime !== null ? `runtime ${v.runtime}` : null, v.wslKernel !== null ? `WSL kernel ${v.wslKernel}` : null].filter((x) => x !== null);
  return tools.length === 0 && extra.length === 0 ? [] : [`versions: ${[...tools, ...extra].join('; ')}`];
}

/** The hypervisor under a tool's VM, given the host OS when known. */
function hypervisorOf(t: ToolVersion, hostOs: VersionsFacts['hostOs']): [HypervisorName, string] | null {
  const v = t.version !== null ? ` ${t.version}` : '';
  switch (t.tool) {
    case 'lima':
    case 'colima': {
      // Lima before 1.0 ran QEMU with HVF on a Mac (vz became the default in 1.0); on Linux QEMU with KVM.
      if (hostOs === 'linux') return ['qemu', `QEMU with KVM (${t.product}${v})`];
      const vz = t.tool === 'lima' && t.version !== null && Number.parseInt(t.version, 10) >= 1;
      return ['hvf', vz ? `Apple Virtualization.framework (${t.product}${v})` : `QEMU with macOS Hypervisor.framework (${t.product}${v})`];
    }
    case 'virtualbox': return ['virtualbox', `VirtualBox${v}`];
    case 'vmware': return ['vmware', `${t.product}${v}`];
    case 'qemu': return ['qemu', `QEMU${v}`];
    case 'docker-machine': return ['virtualbox', `VirtualBox (docker-machine${v}'s default driver)`];
    case 'docker-desktop': return hostOs === 'windows' ? ['hyperv', `Hyper-V (Docker Desktop${v} on Windows)`] : hostOs === 'macos' ? ['hvf', `macOS Hypervisor.framework (Docker Desktop${v})`] : null;
    case 'wsl': return ['hyperv', `Hyper-V (WSL${v})`];
    case 'parallels': return ['parallels', `Parallels Desktop${v}`];
    case 'multipass': return hostOs === 'windows' ? ['hyperv', `Hyper-V (Multipass${v})`] : hostOs === 'macos' ? ['hvf', `QEMU with macOS Hypervisor.framework (Multipass${v})`] : ['qemu', `QEMU (Multipass${v})`];
    default: return null;
  }
}

const ARCH: Record<string, 'x86' | 'arm64' | 'arm'> = { aarch64: 'arm64', arm64: 'arm64', x86_64: 'x86', amd64: 'x86', armv7l: 'arm', arm: 'arm' };

/** A tool's version says what is installed and how the VM is run: weak hints, never proof. */
function hints(v: VersionsFacts): Hint[] {
  const out: Hint[] = [];
  const seen = new Set<string>();
  for (const t of v.tools) {
    const hv = hypervisorOf(t, v.hostOs);
    if (hv === null || seen.has(hv[0])) continue;
    seen.add(hv[0]);
    out.push({ about: 'hypervisor', name: hv[0], label: hv[1], strength: 'weak', evidence: [lineEvidence('versions', v, t)] });
  }
  const arch = v.vmArch === null ? undefined : ARCH[v.vmArch.replace(/^linux\//, '')];
  if (arch !== undefined) out.push({ about: 'arch', arch, evidence: refEvidence('versions', v, 'vmArch') });
  const osLine = v.tools.find((t) => t.tool === 'macos' || t.tool === 'windows' || t.tool === 'wsl' || t.tool === 'multipass' || t.tool === 'parallels');
  if (v.hostOs !== null) out.push({ about: 'host-os', os: v.hostOs, label: v.hostOs === 'macos' ? 'macOS' : v.hostOs === 'windows' ? 'Windows' : v.hostOs, evidence: osLine !== undefined ? [lineEvidence('versions', v, osLine)] : [] });
  return out;
}

/** One setup unless a tool appears at two versions. */
function merge(a: VersionsFacts, b: VersionsFacts): VersionsFacts | null {
  if (a.tools.some((x) => b.tools.some((y) => y.tool === x.tool && y.product === x.product && conflicts(x.version, y.version)))) return null;
  if (conflicts(a.vmArch, b.vmArch) || conflicts(a.hostOs, b.hostOs)) return null;
  return fillMerge(a, b);
}

export const versionsKind = defineKind({
  name: 'versions',
  key: 'versions',
  title: 'tool versions (lima, colima, VBoxManage, vmware, qemu, wsl …)',
  createParser: createVersionsParser,
  // Inside a block it opened (`wsl --version`, colima, docker), it reads every line, kernel lines too.
  readsClaimedLines: true,
  merge,
  keyFacts,
  hints,
  collector: null,
});
