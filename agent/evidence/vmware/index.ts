/**
 * `vmware`: VMware's host-side vmware.log (Workstation, Player, Fusion, ESXi) — the TSC rates VMware
 * measured and chose, where the guest's time base comes from (PTSC), the timeTracker, the `.vmx`
 * time-sync switches, the Tools, and what happened to the VM (suspends, snapshots, stuns).
 * Only ever a file a user names: there is no collector (a guest cannot read its host's log).
 */
import { conflicts, defineKind, fillMerge } from '../kind.js';
import { groupDigits } from '../../util/format.js';
import { createVmwareParser } from './parser.js';
import type { VmwareFacts } from './facts.js';
import type { Hint } from '../hints.js';
import { refEvidence } from '../quote.js';

const hz = (n: number | null): string => (n === null ? '?' : `${groupDigits(n)} Hz`);

function tscLine(v: VmwareFacts): string {
  const est = v.tscEstimates.map((e) => `${e.source} ${e.hz === 0 ? 'none' : hz(e.hz)}`).join(', ');
  const ptsc = v.ptscSource === null ? '' : `; PTSC from ${v.ptscSource === 'tsc' ? 'the hardware TSC' : 'the host reference clock'}`;
  const sync = v.tscSynchronized === null ? '' : v.tscSynchronized ? '; host TSCs synchronised' : '; host TSCs NOT synchronised';
  return `  TSC used ${hz(v.tscUsedHz)}${est !== '' ? ` (estimates: ${est})` : ''}${ptsc}${sync}${v.tscAdjusted ? '; adjusted by the host' : ''}`;
}

function syncLine(v: VmwareFacts): string | null {
  const ts = Object.entries(v.timeSynchronize).map(([k, b]) => `time.synchronize.${k}=${b ? 'TRUE' : 'FALSE'}`);
  const parts = [v.toolsSyncTime === null ? null : `tools.syncTime=${v.toolsSyncTime ? 'TRUE' : 'FALSE'}`, ...ts];
  const tools = v.toolsVersion === null ? null : v.toolsVersion === 0 ? 'no Tools' : `Tools version ${v.toolsVersion}${v.toolsStatus !== null ? ` (${v.toolsStatus})` : ''}`;
  const all = [...parts, tools].filter((x): x is string => x !== null);
  return all.length > 0 ? `  ${all.join('; ')}` : null;
}

function keyFacts(v: VmwareFacts): string[] {
  const head = [`${v.product ?? 'VMware'} ${v.version ?? '?'}${v.build !== null ? ` build ${v.build}` : ''}`, v.hostOs !== null ? `on ${v.hostOs}` : '', v.vmName !== null ? `VM "${v.vmName}"` : ''];
  const lines = [head.filter((x) => x !== '').join(' ')];
  if (v.tscUsedHz !== null || v.tscEstimates.length > 0 || v.ptscSource !== null) lines.push(tscLine(v));
  if (v.hostCpu !== null) lines.push(`  host CPU ${v.hostCpu}${v.monitorMode !== null ? `; monitor mode ${v.monitorMode}` : ''}${v.hostHyperV ? ' (on Hyper-V)' : ''}`);
  const sync = syncLine(v);
  if (sync !== null) lines.push(sync);
  if (v.events.length > 0) lines.push(`  ${v.events.length} VM event(s): ${[...new Set(v.events.map((e) => e.kind))].join(', ')}`);
  return lines;
}

/** Two logs are one VM run only when one of them is an excerpt (no header) that contradicts nothing. */
function merge(a: VmwareFacts, b: VmwareFacts): VmwareFacts | null {
  if (a.pid !== null && b.pid !== null && a.pid !== b.pid) return null;
  const identity: (keyof VmwareFacts)[] = ['product', 'version', 'build', 'vmxPath', 'hostName', 'tscUsedHz', 'hostCpu'];
  return identity.some((k) => conflicts(a[k], b[k])) ? null : fillMerge(a, b);
}

/** A vmware.log is about one VMware VM: the guest whose host wrote it. Tools lines in it say Tools run. */
function hints(v: VmwareFacts): Hint[] {
  const evidence = refEvidence('vmware', v, 'product', 'version', 'tscEstimates', 'ptscSource', 'hostCpu');
  const label = `${v.product ?? 'VMware'}${v.version !== null ? ` ${v.version}` : ''}`;
  const out: Hint[] = [
    { about: 'hypervisor', name: 'vmware', label, strength: 'strong', evidence },
    { about: 'role', role: 'guest', strength: 'strong', why: 'its VMware host log (vmware.log) is given', evidence },
  ];
  if (v.toolsVersion !== null && v.toolsVersion > 0) {
    out.push({ about: 'time-sync', daemon: 'vmtoolsd', state: v.toolsSyncTime === true ? 'running' : 'seen', evidence: refEvidence('vmware', v, 'toolsVersion', 'toolsSyncTime') });
  }
  return out;
}

export const vmwareKind = defineKind({
  name: 'vmware',
  key: 'vmware',
  title: 'VMware vmware.log',
  createParser: createVmwareParser,
  merge,
  keyFacts,
  hints,
  collector: null,
});
