/** `cpuinfo`: /proc/cpuinfo (x86 and ARM) — TSC flags, the hypervisor flag, the CPU model. */
import { defineKind, identityMerge } from '../kind.js';
import { createCpuinfoParser, parseCpuinfo } from './parser.js';
import { cpuinfoSource } from './source.js';
import type { CpuinfoFacts } from './facts.js';
import type { Hint } from '../hints.js';
import { refEvidence } from '../quote.js';

function keyFacts(c: CpuinfoFacts): string[] {
  if (c.architecture === 'arm64' || c.architecture === 'arm') {
    return [`cpuinfo: ${c.processors ?? '?'} ${c.architecture} processors${c.vendor ? `, ${c.vendor}` : ''}${c.armPart ? ` part ${c.armPart}` : ''}${c.counterHz !== null ? `; generic timer ${(c.counterHz / 1e6).toFixed(2)} MHz (from BogoMIPS)` : ''}`];
  }
  return [`cpuinfo: ${c.processors ?? '?'} processors${c.modelName ? `, ${c.modelName}` : ''}; TSC flags ${c.tscFlags === null ? 'not listed' : c.tscFlags.join(' ') || 'none'}${c.hypervisorFlag ? '; hypervisor flag' : ''}`];
}

/** The `hypervisor` CPUID flag is set by every x86 hypervisor for its guests, and never on hardware. */
function hints(c: CpuinfoFacts): Hint[] {
  const out: Hint[] = [];
  const flag = refEvidence('cpuinfo', c, 'hypervisorFlag');
  if (c.hypervisorFlag === true) out.push({ about: 'role', role: 'guest', strength: 'strong', why: 'the CPU has the hypervisor flag', evidence: flag });
  if (c.hypervisorFlag === false && c.architecture === 'x86') out.push({ about: 'role', role: 'bare-metal', strength: 'weak', why: 'the CPU lacks the hypervisor flag', evidence: flag });
  if (c.architecture !== null) out.push({ about: 'arch', arch: c.architecture, evidence: refEvidence('cpuinfo', c, 'architecture', 'armFeatures', 'vendor', 'modelName') });
  return out;
}

export const cpuinfoKind = defineKind({
  name: 'cpuinfo',
  key: 'cpuinfo',
  title: 'cpuinfo (procfs)',
  createParser: createCpuinfoParser,
  merge: identityMerge<CpuinfoFacts>(['modelName', 'vendor', 'processors', 'architecture', 'tscFlags']),
  keyFacts,
  hints,
  collector: {
    help: 'cpuinfo (procfs): TSC flags, hypervisor flag, cpu MHz',
    defaultOn: true,
    liveOnly: false,
    source: cpuinfoSource,
    parse: (raw, path) => parseCpuinfo(raw.text, path),
  },
});
