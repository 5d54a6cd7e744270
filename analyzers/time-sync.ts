/**
 * Time-sync rules: two disciplines fighting (R5), a daemon asked to absorb more than it can (R4),
 * and steps the Guest Additions logged.
 */
import type { Facts, TimeSyncDaemon, TimeSyncDaemonName, TimeSyncLogLine } from '../agent/facts.js';
import type { Analyzer, EvidenceItem, Finding } from '../agent/findings.js';
import { derive, type Derived } from '../agent/derive/index.js';
import { isVirtualBoxClaim } from '../agent/derive/tsc.js';
import { dedupe, fmtDuration, fmtPpm, KERNEL_SLEW_PPM, lineEvidence, plainEvidence, rateErrorPpm, secondsPerDay, vmNameArg } from './util.js';

// Defined in util.ts because vbox-tsc needs it too and this module imports vbox-tsc; re-exported for agent/measure.
export { KERNEL_SLEW_PPM };

/** NTP daemons: they adjust the kernel's frequency, so a measured rate already includes their correction. */
export const NTP_DAEMONS: readonly TimeSyncDaemonName[] = ['chronyd', 'ntpd', 'systemd-timesyncd', 'openntpd'];

/** chrony's Linux driver limit (chrony.conf(5) maxdrift): beyond it nothing can slew. */
export const CHRONY_MAX_PPM = 100_000;

function timeSyncLines(facts: Facts): { lines: TimeSyncLogLine[]; source: 'vbox' | 'kernel-log' }[] {
  const out: { lines: TimeSyncLogLine[]; source: 'vbox' | 'kernel-log' }[] = [];
  if (facts.vbox !== null && facts.vbox.timeSync.length > 0) out.push({ lines: facts.vbox.timeSync, source: 'vbox' });
  if (facts.kernelLog !== null && facts.kernelLog.timeSync.length > 0) out.push({ lines: facts.kernelLog.timeSync, source: 'kernel-log' });
  return out;
}

/** Evidence naming a running daemon, `chronyd (pid 612)`, followed by its command line or "is running". */
function daemonEvidence(facts: Facts, d: TimeSyncDaemon, tail: 'cmdline' | 'is running'): EvidenceItem {
  const pid = d.pid !== null ? ` (pid ${d.pid})` : '';
  const rest = tail === 'is running' ? ' is running' : d.cmdline ? `: ${d.cmdline}` : '';
  return plainEvidence('timesync', `${d.name}${pid}${rest}`, facts.timesync?.path ?? null);
}

/** Is the Guest Additions' time sync at work, and what shows it. */
function vboxServiceTimesync(facts: Facts): { active: boolean; evidence: EvidenceItem[] } {
  if (facts.vbox?.extradata.getHostTimeDisabled === true) return { active: false, evidence: [] };
  const d = facts.timesync?.daemons.find((x) => x.name === 'VBoxService');
  if (d !== undefined) {
    const enabled = d.vboxTimesync?.enabled ?? true;
    return { active: enabled, evidence: [daemonEvidence(facts, d, 'cmdline')] };
  }
  // Adjust/set lines only come from a time-sync service that acts.
  for (const { lines, source } of timeSyncLines(facts)) {
    const acting = lines.find((l) => l.kind === 'adjtime' || l.kind === 'time-set' || l.kind === 'radical-guest-change' || l.kind === 'drift');
    if (acting !== undefined) {
      const section = source === 'vbox' ? facts.vbox : facts.kernelLog;
      if (section !== null) return { active: true, evidence: [lineEvidence(source, section, acting)] };
    }
  }
  return { active: false, evidence: [] };
}

/** TIMESYNC_DOUBLE_DISCIPLINE (R5): VBoxService time sync and an NTP daemon both steer the clock. */
export function doubleDiscipline(facts: Facts): Finding[] {
  const daemons = facts.timesync?.daemons ?? [];
  const ntp = daemons.filter((d) => NTP_DAEMONS.includes(d.name));
  const vmtools = daemons.find((d) => d.name === 'vmtoolsd');
  const vbox = vboxServiceTimesync(facts);
  if (ntp.length === 0) return [];
  const ntpEvidence = ntp.map((d) => daemonEvidence(facts, d, 'is running'));
  const out: Finding[] = [];
  if (vbox.active) {
    const vm = vmNameArg(facts.vbox);
    out.push({
      id: 'TIMESYNC_DOUBLE_DISCIPLINE',
      severity: 'warning',
      title: `Two time-sync disciplines fight over the guest clock: VirtualBox Guest Additions (VBoxService) and ${ntp.map((d) => d.name).join(', ')}`,
      detail: 'VBoxService adjusts the clock towards the host every 10 s with adjtime() while the NTP daemon steers its own frequency: each undoes the other, '
        + 'the NTP daemon\'s frequency estimate never settles and the clock wanders. Use only one form of periodic time synchronisation.',
      evidence: [...vbox.evidence, ...ntpEvidence],
      fixes: [
        { where: 'host', summary: `Keep the NTP daemon and stop the Guest Additions from setting the time (VM powered off, then start it).${vm.note}`, command: `VBoxManage setextradata ${vm.arg} "VBoxInternal/Devices/VMMDev/0/Config/GetHostTimeDisabled" 1` },
        { where: 'guest', summary: 'Or keep the Guest Additions and stop the NTP daemon in the guest.', command: `sudo systemctl disable --now ${ntp.map((d) => (d.name === 'ntpd' ? 'ntp' : d.name === 'chronyd' ? 'chrony' : d.name)).join(' ')}` },
      ],
      data: { ntpDaemons: ntp.map((d) => d.name).join(',') },
    });
  }
  if (vmtools !== undefined) {
    out.push({
      id: 'TIMESYNC_DOUBLE_DISCIPLINE',
      severity: 'info',
      title: `VMware Tools and ${ntp.map((d) => d.name).join(', ')} both run: make sure VMware Tools periodic time sync is off`,
      evidence: [daemonEvidence(facts, vmtools, 'is running'), ...ntpEvidence],
      fixes: [{ where: 'guest', summary: 'Disable VMware Tools periodic time synchronisation (it is off by default).', command: 'vmware-toolbox-cmd timesync disable' }],
      data: {},
    });
  }
  return out;
}

/** TIMESYNC_DAEMON_CAPACITY (R4): the predicted or measured error is more than the daemon can slew. */
export function daemonCapacity(facts: Facts, d: Derived = derive(facts)): Finding[] {
  // Without knowing which daemon runs there is nothing to add to the rate finding itself.
  if (facts.timesync === null) return [];
  let ppm: number | null = null;
  const evidence: EvidenceItem[] = [];
  let basis = '';
  const claim = isVirtualBoxClaim(facts, d.tsc.claimed, d.platform) ? d.tsc.claimed : null;
  if (claim !== null) {
    const est = d.tsc.host;
    if (est.hz !== null && (d.tsc.exposure?.hit.length ?? 0) > 0) {
      const p = rateErrorPpm(est.hz, claim.hz);
      if (Math.abs(p) >= KERNEL_SLEW_PPM) {
        ppm = p;
        basis = `predicted from the TSC rate VirtualBox gives the guest (${est.strength === 'hint' ? 'a hint' : 'strong evidence'})`;
        evidence.push(...claim.evidence);
      }
    }
  }
  const tracking = facts.timesync?.chronyTracking ?? null;
  if (ppm === null && tracking !== null && Math.abs(tracking.frequencyPpm) >= KERNEL_SLEW_PPM) {
    // chrony's "frequency > 0 = clock would run fast" — the raw rate error it is cancelling.
    ppm = tracking.frequencyPpm;
    basis = 'measured by chrony (chronyc tracking frequency)';
    evidence.push(plainEvidence('timesync', `chronyc tracking: frequency ${tracking.frequencyPpm.toFixed(3)} ppm`, facts.timesync?.path ?? null));
  }
  if (ppm === null) return [];
  const daemons = (facts.timesync?.daemons ?? []).filter((d) => NTP_DAEMONS.includes(d.name));
  const abs = Math.abs(ppm);
  const weak = daemons.filter((d) => d.name === 'ntpd' || d.name === 'systemd-timesyncd' || d.name === 'openntpd');
  const chrony = daemons.find((d) => d.name === 'chronyd');
  if (abs < CHRONY_MAX_PPM && weak.length === 0) return [];
  for (const d of daemons) evidence.push(plainEvidence('timesync', `${d.name} is running`, facts.timesync?.path ?? null));
  const beyondAll = abs >= CHRONY_MAX_PPM;
  const names = beyondAll ? daemons.map((d) => d.name) : weak.map((d) => d.name);
  return [{
    id: 'TIMESYNC_DAEMON_CAPACITY',
    severity: beyondAll ? 'critical' : 'warning',
    title: beyondAll
      ? `The clock error (${fmtPpm(ppm)}) is beyond what any time-sync daemon can slew (chrony: 100 000 ppm)`
      : `The clock error (${fmtPpm(ppm)}) is beyond what ${names.join(' and ')} can slew (${KERNEL_SLEW_PPM} ppm): expect periodic steps`,
    detail: `The rate error is ${basis}. The kernel PLL that ntpd and systemd-timesyncd use saturates at ${KERNEL_SLEW_PPM} ppm (${fmtDuration(secondsPerDay(KERNEL_SLEW_PPM))} per day); beyond it ntpd logs "exceeds tolerance" and steps after its stepout, timesyncd steps at every poll once 0.4 s off. `
      + 'chrony can follow up to 100 000 ppm by changing the tick length.'
      + (chrony !== undefined && !beyondAll ? ' chrony runs here and can absorb it.' : ''),
    evidence,
    fixes: beyondAll
      ? [{ where: 'host', summary: 'Fix the cause of the rate error (see the TSC findings); no daemon can hide an error this large.' }]
      : [
        { where: 'guest', summary: 'Fix the rate error itself (see the TSC findings), or switch the guest to chrony, which can follow up to 100 000 ppm.', command: 'sudo apt-get install -y chrony' },
      ],
    data: { driftPpm: Math.round(ppm * 10) / 10, daemons: names.join(',') },
  }];
}

/** VBOX_TIMESYNC_STEPS: the Guest Additions had to set the clock (large jumps the guest saw). */
export function timesyncSteps(facts: Facts): Finding[] {
  const out: Finding[] = [];
  for (const { lines, source } of timeSyncLines(facts)) {
    const steps = lines.filter((l) => l.kind === 'radical-guest-change' || l.kind === 'radical-host-change' || l.kind === 'time-set');
    if (steps.length === 0) continue;
    const section = source === 'vbox' ? facts.vbox : facts.kernelLog;
    if (section === null) continue;
    const deltas = steps.map((s) => s.deltaNs).filter((d): d is number => d !== null);
    const maxAbs = deltas.length > 0 ? Math.max(...deltas.map(Math.abs)) : null;
    const host = steps.some((s) => s.kind === 'radical-host-change');
    out.push({
      id: 'VBOX_TIMESYNC_STEPS',
      severity: 'info',
      title: `The Guest Additions stepped the guest clock ${steps.length} time${steps.length === 1 ? '' : 's'}${maxAbs !== null ? ` (largest change ${fmtDuration(maxAbs / 1e9)})` : ''}`,
      detail: 'VBoxService logs a "radical" change when host or guest time jumps by more than 30 min and sets the clock when it is beyond its set-threshold. '
        + (host ? 'A radical host time change usually means the host slept or its own clock was set. ' : '')
        + 'Occasional steps after sleep or restore are expected; regular ones mean the guest clock drifts.',
      evidence: dedupe(steps.map((s) => lineEvidence(source, section, s))).slice(0, 3),
      fixes: [{ where: 'guest', summary: 'If the steps recur without host sleep, look at the TSC and clocksource findings for the drift behind them.' }],
      data: { steps: steps.length, maxChangeSeconds: maxAbs === null ? null : Math.round(maxAbs / 1e6) / 1e3 },
    });
  }
  return out;
}

/** TIMESYNC_NTPD_ON_VM (R7): ntpd exits on a > 1000 s offset (a VM restored or paused long) unless told not to. */
export function ntpdOnVm(facts: Facts): Finding[] {
  const ntpd = facts.timesync?.daemons.find((d) => d.name === 'ntpd');
  if (ntpd === undefined) return [];
  const vm = facts.vbox !== null || facts.kernelLog?.hypervisor != null || facts.cpuinfo?.hypervisorFlag === true || (facts.hypervisor?.platform != null && facts.hypervisor.platform !== 'bare-metal');
  if (!vm) return [];
  const hasG = /(?:^|\s)-[a-zA-Z]*g/.test(ntpd.cmdline ?? '');
  return [{
    id: 'TIMESYNC_NTPD_ON_VM',
    severity: 'info',
    title: `ntpd runs on a VM${hasG ? ' (with -g)' : ''}: make sure a large offset after a pause, restore or migration does not make it exit`,
    detail: 'ntpd exits when the offset exceeds its 1000 s panic threshold, which a VM reaches after a long pause, a restored snapshot or a host sleep. '
      + '`tinker panic 0` in ntp.conf makes it step instead (VMware KB 2108828); `-g` only allows one big step at start.',
    evidence: [daemonEvidence(facts, ntpd, 'cmdline')],
    fixes: [{ where: 'guest', summary: 'Add `tinker panic 0` as the first line of /etc/ntp.conf and restart ntpd, or switch to chrony.' }],
    data: { dashG: hasG },
  }];
}

export const timeSyncAnalyzer: Analyzer = {
  id: 'time-sync',
  needs: [],
  needsAny: ['timesync', 'vbox', 'kernelLog'],
  run: (facts, d) => [...doubleDiscipline(facts), ...daemonCapacity(facts, d), ...timesyncSteps(facts), ...ntpdOnVm(facts)],
};

