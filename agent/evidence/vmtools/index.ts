/**
 * `vmtools`: VMware Tools in the guest (open-vm-tools, vmtoolsd) — its timeSync plugin's log lines
 * (journal, syslog, vmware-vmsvc.log), `vmware-toolbox-cmd timesync status` / `-v`, tools.conf
 * `[timeSync]`. Read from what a user hands over; the running vmtoolsd itself is found by the
 * `timesync` collector.
 */
import { defineKind, identityMerge } from '../kind.js';
import { createVmtoolsParser } from './parser.js';
import type { VmtoolsFacts } from './facts.js';
import type { Hint } from '../hints.js';
import { lineEvidence, refEvidence } from '../quote.js';
import { fmtSignedSeconds } from '../../util/format.js';

function keyFacts(t: VmtoolsFacts): string[] {
  const parts = [
    `VMware Tools${t.version !== null ? ` ${t.version}` : ''}`,
    t.periodicSync === null ? null : `periodic time sync ${t.periodicSync ? 'enabled' : 'disabled'}`,
    t.disableAll === true ? 'tools.conf disable-all' : t.disablePeriodic === true ? 'tools.conf disable-periodic' : null,
    t.oneTimeSteps > 0 ? `${t.oneTimeSteps} one-off step(s)` : null,
    t.periodicSteps > 0 ? `${t.periodicSteps} periodic step(s)` : null,
    t.pids.length > 1 ? `${t.pids.length} vmtoolsd runs (restarts)` : null,
    t.clockMovedSeconds !== null && Math.abs(t.clockMovedSeconds) >= 1 ? `clock moved ${fmtSignedSeconds(t.clockMovedSeconds)} between vmtoolsd's and the journal's stamps` : null,
  ];
  return [parts.filter((x): x is string => x !== null).join('; ')];
}

/** vmtoolsd's timeSync runs only in a VMware guest: it talks to the VMX through the backdoor. */
function hints(t: VmtoolsFacts): Hint[] {
  const first = t.events[0];
  const evidence = first !== undefined ? [lineEvidence('vmtools', t, first)] : refEvidence('vmtools', t, 'periodicSync', 'version', 'command', 'disableAll');
  const stepped = t.oneTimeSteps + t.periodicSteps > 0;
  const disabled = t.disableAll === true;
  return [
    { about: 'hypervisor', name: 'vmware', label: 'VMware', strength: first !== undefined ? 'strong' : 'weak', evidence },
    { about: 'role', role: 'guest', strength: first !== undefined ? 'strong' : 'weak', why: 'VMware Tools runs in it', evidence },
    { about: 'time-sync', daemon: 'vmtoolsd', state: stepped ? 'stepped' : disabled ? 'disabled' : 'running', evidence },
  ];
}

export const vmtoolsKind = defineKind({
  name: 'vmtools',
  key: 'vmtools',
  title: 'VMware Tools (vmtoolsd)',
  createParser: createVmtoolsParser,
  merge: identityMerge<VmtoolsFacts>(['version']),
  keyFacts,
  hints,
  collector: null,
});
