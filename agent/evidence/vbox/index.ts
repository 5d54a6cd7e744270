/**
 * `vbox`: VirtualBox's host-side VBox.log — what the hypervisor told the guest about time (the TSC rate,
 * mode and paravirt provider), the host it runs on, and what happened to the VM (suspends, catch-up).
 * Only ever a file a user names: there is no collector (a guest cannot read its host's log).
 */
import { defineKind, fillMerge, conflicts } from '../kind.js';
import { groupDigits } from '../../util/format.js';
import { createVboxParser } from './parser.js';
import type { VboxFacts } from './facts.js';
import type { Hint } from '../hints.js';
import { lineEvidence, refEvidence } from '../quote.js';

const hz = (n: number | null): string => (n === null ? '?' : `${groupDigits(n)} Hz`);

function keyFacts(v: VboxFacts): string[] {
  const lines: string[] = [];
  lines.push([`VirtualBox ${v.versionRaw ?? v.version ?? '?'}`, v.hostOs ? `on ${v.hostOs}` : '', v.vmName !== null ? `VM "${v.vmName}"` : 'VM name not in log'].filter((x) => x).join(' '));
  const modes = [v.tscMode ?? '?', ...v.tscModeSwitches.filter((s) => s.to !== null).slice(0, 3).map((s) => s.to as string)];
  const more = v.tscModeSwitches.length > 3 ? ` (+${v.tscModeSwitches.length - 3} more switches)` : '';
  lines.push(`  TSC given to guest ${hz(v.tscTicksPerSecond)}; mode ${modes.join(' → ')}${more}; provider ${v.paravirtProvider ?? '?'}${v.tscModeSwitchAllowed !== null ? `; switch allowed ${v.tscModeSwitchAllowed}` : ''}`);
  const host = [`host rate ${hz(v.hostTscTicksPerSecond)}${v.hostTscSource ? ` (${v.hostTscSource})` : ''}`];
  if (v.gipPerCpuSpreadPpm !== null) host.push(`GIP ${v.gipMode ?? ''} per-CPU spread ${v.gipPerCpuSpreadPpm.toFixed(1)} ppm`.replace('  ', ' '));
  if (v.cpuidTscTicksPerSecond !== null) host.push(`CPUID 0x15 ${hz(v.cpuidTscTicksPerSecond)}`);
  else if (v.cpuidInferredTscTicksPerSecond !== null) host.push(`CPUID 0x15 (inferred crystal) ${hz(v.cpuidInferredTscTicksPerSecond)}`);
  if (v.cpuidBaseMhz !== null) host.push(`base ${v.cpuidBaseMhz} MHz`);
  lines.push(`  ${host.join('; ')}`);
  if (v.cpuBrand !== null) lines.push(`  host CPU ${v.cpuBrand}`);
  if (v.extradata.tscTicksPerSecond !== null) lines.push(`  extradata TSCTicksPerSecond ${hz(v.extradata.tscTicksPerSecond)}`);
  if (v.stateLoadTscTicksPerSecond !== null) lines.push(`  saved state restored with ${hz(v.stateLoadTscTicksPerSecond)}`);
  return lines;
}

/** Two logs are one VM run only when one of them is an excerpt (no header) that contradicts nothing. */
function merge(a: VboxFacts, b: VboxFacts): VboxFacts | null {
  if (a.version !== null && b.version !== null) return null;
  const identity: (keyof VboxFacts)[] = ['version', 'revision', 'vmName', 'tscTicksPerSecond', 'cpuBrand', 'hostTarget'];
  return identity.some((k) => conflicts(a[k], b[k])) ? null : fillMerge(a, b);
}

/** A VBox.log is about one VirtualBox VM: the guest whose host wrote it. */
function hints(v: VboxFacts): Hint[] {
  const evidence = refEvidence('vbox', v, 'version', 'tscTicksPerSecond');
  const out: Hint[] = [
    { about: 'hypervisor', name: 'virtualbox', label: `VirtualBox${v.version !== null ? ` ${v.version}` : ''}`, strength: 'strong', evidence },
    { about: 'role', role: 'guest', strength: 'strong', why: 'its VirtualBox host log is given', evidence },
  ];
  const sync = v.timeSync[0];
  if (sync !== undefined) out.push({ about: 'time-sync', daemon: 'VBoxService', state: 'seen', evidence: [lineEvidence('vbox', v, sync)] });
  return out;
}

export const vboxKind = defineKind({
  name: 'vbox',
  key: 'vbox',
  title: 'VirtualBox VBox.log',
  createParser: createVboxParser,
  merge,
  keyFacts,
  hints,
  collector: null,
});
