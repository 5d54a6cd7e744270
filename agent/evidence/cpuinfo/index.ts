/** `cpuinfo`: /proc/cpuinfo (x86 and ARM) — TSC flags, the hypervisor flag, the CPU model. */
import { defineKind, identityMerge } from '../kind.js';
import { createCpuinfoParser, parseCpuinfo } from './parser.js';
import { cpuinfoSource } from './source.js';
import type { CpuinfoFacts } from './facts.js';

function keyFacts(c: CpuinfoFacts): string[] {
  return [`cpuinfo: ${c.processors ?? '?'} processors${c.modelName ? `, ${c.modelName}` : ''}; TSC flags ${c.tscFlags === null ? 'not listed' : c.tscFlags.join(' ') || 'none'}${c.hypervisorFlag ? '; hypervisor flag' : ''}`];
}

export const cpuinfoKind = defineKind({
  name: 'cpuinfo',
  key: 'cpuinfo',
  title: 'cpuinfo (procfs)',
  createParser: createCpuinfoParser,
  merge: identityMerge<CpuinfoFacts>(['modelName', 'vendor', 'processors', 'architecture', 'tscFlags']),
  keyFacts,
  collector: {
    help: 'cpuinfo (procfs): TSC flags, hypervisor flag, cpu MHz',
    defaultOn: true,
    liveOnly: false,
    source: cpuinfoSource,
    parse: (raw, path) => parseCpuinfo(raw.text, path),
  },
});
