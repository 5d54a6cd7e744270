/**
 * `packages`: installed packages that matter for clocks — time-sync daemons, hypervisor guest tools
 * (LIS and hyperv-daemons for Hyper-V, open-vm-tools, Guest Additions, qemu-guest-agent), cloud kernels.
 */
import { defineKind, fillMerge } from '../kind.js';
import { createPackagesParser } from './parser.js';
import type { PackagesFacts } from './facts.js';
import type { Hint, HypervisorName } from '../hints.js';
import { lineEvidence } from '../quote.js';

function keyFacts(p: PackagesFacts): string[] {
  const installed = p.packages.filter((x) => x.installed);
  const absent = p.packages.filter((x) => !x.installed);
  if (installed.length === 0 && absent.length === 0) return [`packages: ${p.listed} listed, none that matters for clocks`];
  const names = installed.slice(0, 8).map((x) => `${x.name}${x.version !== null ? ` ${x.version}` : ''}`);
  return [`packages: ${names.join(', ')}${installed.length > 8 ? ` (+${installed.length - 8})` : ''}${absent.length > 0 ? `; not installed: ${absent.map((x) => x.name).join(', ')}` : ''}`];
}

const HYPERVISOR_NAMES: Partial<Record<HypervisorName, string>> = {
  hyperv: 'Microsoft Hyper-V', vmware: 'VMware', virtualbox: 'VirtualBox', kvm: 'KVM', xen: 'Xen', parallels: 'Parallels',
};

/**
 * Guest tools say which hypervisor the image was made for — weakly: an image can be moved. A daemon's
 * package says it is installed, not that it runs.
 */
function hints(p: PackagesFacts): Hint[] {
  const out: Hint[] = [];
  const hv = new Set<string>();
  const daemons = new Set<string>();
  for (const x of p.packages) {
    if (!x.installed) continue;
    const ev = [lineEvidence('packages', p, x)];
    if (x.hypervisor !== null && !hv.has(x.hypervisor)) {
      hv.add(x.hypervisor);
      out.push({ about: 'hypervisor', name: x.hypervisor, label: HYPERVISOR_NAMES[x.hypervisor] ?? x.hypervisor, strength: 'weak', evidence: ev });
    }
    if (x.daemon !== null && !daemons.has(x.daemon)) {
      daemons.add(x.daemon);
      out.push({ about: 'time-sync', daemon: x.daemon, state: 'installed', evidence: ev });
    }
  }
  return out;
}

/** Two listings are one machine unless they show one package at two versions. */
function merge(a: PackagesFacts, b: PackagesFacts): PackagesFacts | null {
  for (const x of a.packages) {
    if (b.packages.some((y) => y.name === x.name && y.installed && x.installed && y.version !== null && x.version !== null && y.version !== x.version)) return null;
  }
  return fillMerge(a, b);
}

export const packagesKind = defineKind({
  name: 'packages',
  key: 'packages',
  title: 'installed packages (rpm, dpkg, apt)',
  createParser: createPackagesParser,
  merge,
  keyFacts,
  hints,
  collector: null,
});
