/**
 * VMware Tools time-sync rules (agent/evidence/vmtools; open-vm-tools services/plugins/timeSync).
 *
 * VMTOOLS_ONE_TIME_SYNC_STEP: vmtoolsd steps the guest clock to the host's whenever it starts or
 * restarts, after a resume, a snapshot revert, a vMotion or a disk shrink — "one time
 * synchronization" — even with periodic sync off (the UI checkbox and `tools.syncTime` only control
 * the periodic loop). With a wrong host (ESXi) clock every such step sets the guest wrong, and a guest
 * NTP daemon then pulls it back: the two fight, and ntpd exits when a step leaves it more than its
 * 1000 s panic threshold away. Only the `time.synchronize.*` switches in the .vmx (VMware KB 1189) or
 * tools.conf `[timeSync] disable-all` (open-vm-tools 13.0+) turn the one-off syncs off.
 *
 * VMTOOLS_PERIODIC_SYNC_WITH_NTP: Tools' periodic sync runs beside an NTP daemon (two time authorities).
 */
import type { Facts } from '../agent/facts.js';
import type { VmtoolsFacts } from '../agent/evidence/vmtools/facts.js';
import type { Analyzer, EvidenceItem, Finding, Fix } from '../agent/findings.js';
import { dedupe, fmtDuration, lineEvidence, plainEvidence, refEvidence } from './util.js';

/** Every .vmx switch that keeps Tools off the guest clock (VMware KB 1189). */
export const KB1189_KEYS = [
  'tools.syncTime', 'time.synchronize.continue', 'time.synchronize.restore', 'time.synchronize.resume.disk',
  'time.synchronize.shrink', 'time.synchronize.tools.startup', 'time.synchronize.tools.enable', 'time.synchronize.resume.host',
] as const;

/** ntpd exits when an offset exceeds this (CLOCK_PANIC, unless started with -g). */
const NTPD_PANIC_SECONDS = 1000;

/** A stamp difference below this is the journal's own delay, not a step. */
const MOVED_SECONDS = 1;

/** NTP daemons the evidence shows running in the guest. */
function ntpDaemons(facts: Facts): string[] {
  const names = new Set<string>();
  for (const d of facts.timesync?.daemons ?? []) if (['ntpd', 'chronyd', 'systemd-timesyncd', 'openntpd'].includes(d.name)) names.add(d.name);
  return [...names];
}

function hostFixes(t: VmtoolsFacts): Fix[] {
  const lines = KB1189_KEYS.map((k) => `${k} = "FALSE"`).join(', ');
  const fixes: Fix[] = [
    {
      where: 'host',
      summary: 'Fix the root cause: configure NTP on the ESXi host so the host clock, which Tools copies into the guest, is right (vSphere Client: the host > Configure > System > Time Configuration; or PowerCLI: Add-VMHostNtpServer, then start the ntpd service with policy "On"; replace ESXI_HOST with the name of the host and pool.ntp.org with your NTP servers).',
      command: "Get-VMHost -Name 'ESXI_HOST' | Add-VMHostNtpServer -NtpServer 'pool.ntp.org'; Get-VMHost -Name 'ESXI_HOST' | Get-VMHostService | Where-Object { $_.Key -eq 'ntpd' } | Set-VMHostService -Policy 'On' | Start-VMHostService",
    },
    {
      where: 'host',
      summary: `To stop VMware Tools touching the guest clock at all (one-off syncs included), power the VM off and set every one of these in its .vmx (VMware KB 1189): ${lines}. Unticking "Synchronize guest time with host" only stops the periodic sync. Then keep a single time authority (chrony or ntpd) in the guest.`,
    },
  ];
  if (t.disableAll !== true) {
    fixes.push({
      where: 'guest',
      summary: 'From inside the guest (open-vm-tools 13.0 and later): set disable-all=true under [timeSync] in /etc/vmware-tools/tools.conf and restart vmtoolsd; it disables the one-off syncs as well as the periodic one.',
      command: "printf '[timeSync]\\ndisable-all=true\\n' | sudo tee -a /etc/vmware-tools/tools.conf && sudo systemctl restart vmtoolsd",
    });
  }
  return fixes;
}

/** `+57 min 22 s`, `−3.2 s`. */
const signedDuration = (s: number): string => `${s < 0 ? '−' : '+'}${fmtDuration(Math.abs(s))}`;

/** What the two stamps of the step lines say, in words; null when they say nothing. */
function movedText(t: VmtoolsFacts): string | null {
  const d = t.clockMovedSeconds;
  if (d === null || Math.abs(d) < MOVED_SECONDS) return null;
  const ev = t.events.find((e) => e.stampDeltaSeconds === d);
  return `vmtoolsd stamped its line ${ev?.toolStamp ?? '?'} and the journal ${ev?.journalStamp ?? '?'}: the guest clock moved ${signedDuration(d)} in between — that is the step, and how far the host's clock is from the time the guest had.`;
}

/** VMTOOLS_ONE_TIME_SYNC_STEP. */
export function oneTimeSyncStep(facts: Facts): Finding[] {
  const t = facts.vmtools;
  if (t === null || t.oneTimeSteps === 0) return [];
  const steps = t.events.filter((e) => e.kind === 'one-time-step');
  const daemons = ntpDaemons(facts);
  const moved = movedText(t);
  const big = t.clockMovedSeconds !== null && Math.abs(t.clockMovedSeconds) > NTPD_PANIC_SECONDS;
  const detail = [
    `VMware Tools (vmtoolsd) stepped the guest clock to the host's time ${steps.length === 1 ? 'once' : `${steps.length} times`} ("One time synchronization: stepping time").`,
    'These one-off syncs run whenever vmtoolsd starts or restarts, after a resume, a snapshot revert, a vMotion or a disk shrink, even when periodic time sync is disabled: the "Synchronize guest time with host" checkbox and tools.syncTime only control the periodic loop.',
    moved ?? 'The guest is set to whatever the host (ESXi) clock says, right or wrong.',
    'When the ESXi host\'s own clock is not NTP-synchronised, every one-off sync sets the guest wrong, and a guest NTP daemon then pulls it back: they fight'
      + (big ? `, and a step of more than ${NTPD_PANIC_SECONDS} s makes ntpd exit (its panic threshold).` : '.'),
    daemons.length > 0 ? `${daemons.join(' and ')} run${daemons.length === 1 ? 's' : ''} in this guest as well.` : '',
  ].filter((x) => x.length > 0).join(' ');
  const evidence: EvidenceItem[] = dedupe([...steps.slice(0, 5).map((e) => lineEvidence('vmtools', t, e)), ...refEvidence('vmtools', t, 'clockMovedSeconds', 'periodicSync', 'disableAll')]);
  if (t.pids.length > 1) evidence.push(plainEvidence('vmtools', `vmtoolsd pids ${t.pids.join(', ')}: restarted, and each start syncs once`, t.path));
  return [{
    id: 'VMTOOLS_ONE_TIME_SYNC_STEP',
    severity: 'warning',
    title: `VMware Tools stepped the guest clock to the host's (ESXi) clock in a one-off time sync${t.clockMovedSeconds !== null && Math.abs(t.clockMovedSeconds) >= MOVED_SECONDS ? ` (${signedDuration(t.clockMovedSeconds)})` : ''}, which runs even with periodic sync disabled`,
    detail,
    evidence,
    fixes: hostFixes(t),
    data: { oneTimeSteps: t.oneTimeSteps, periodicSteps: t.periodicSteps, clockMovedSeconds: t.clockMovedSeconds, vmtoolsdRuns: t.pids.length, ntpDaemons: daemons.join(',') },
  }];
}

/** VMTOOLS_PERIODIC_SYNC_WITH_NTP: Tools' periodic sync and an NTP daemon both discipline the clock. */
export function periodicWithNtp(facts: Facts): Finding[] {
  const t = facts.vmtools;
  const daemons = ntpDaemons(facts);
  if (t === null || t.periodicSync !== true || t.disableAll === true || t.disablePeriodic === true || daemons.length === 0) return [];
  return [{
    id: 'VMTOOLS_PERIODIC_SYNC_WITH_NTP',
    severity: 'warning',
    title: `VMware Tools' periodic time sync runs beside ${daemons.join(' and ')}: two time authorities`,
    detail: 'Tools checks once a minute and steps a guest that is behind (it never steps one that is ahead), while the NTP daemon slews toward its own servers; VMware documents to use only one form of periodic time synchronization.',
    evidence: dedupe([...refEvidence('vmtools', t, 'periodicSync'), ...daemons.map((n) => plainEvidence('timesync', `${n} is running`, facts.timesync?.path ?? null))]),
    fixes: [{ where: 'guest', summary: 'Keep NTP and turn Tools\' periodic sync off.', command: 'vmware-toolbox-cmd timesync disable' }],
    data: { ntpDaemons: daemons.join(',') },
  }];
}

export const vmwareToolsAnalyzer: Analyzer = {
  id: 'vmware-tools',
  needs: ['vmtools'],
  run: (facts) => [...oneTimeSyncStep(facts), ...periodicWithNtp(facts)],
};
