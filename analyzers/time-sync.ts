/**
 * Time-sync rules: two disciplines fighting (R5), a daemon asked to absorb more than it can (R4),
 * steps the Guest Additions logged, ntpd on a VM (R7). Which daemons run comes from the derived view
 * (agent/derive/time-sync.ts: every kind's hints — a process scan, chronyc output, a journal), never
 * from one kind's raw facts alone.
 */
import type { Facts, TimeSyncDaemonName, TimeSyncLogLine } from '../agent/facts.js';
import type { Analyzer, EvidenceItem, Finding } from '../agent/findings.js';
import { derive, type Derived } from '../agent/derive/index.js';
import { NTP_DAEMON_NAMES, TIME_SYNC_FACT_KEYS } from '../agent/derive/time-sync.js';
import { isVirtualBoxClaim } from '../agent/derive/tsc.js';
import { ntpFrequencyError } from '../agent/evidence/ntp/state.js';
import { dedupe, fmtDuration, fmtPpm, KERNEL_SLEW_PPM, lineEvidence, plainEvidence, rateErrorPpm, secondsPerDay, vmNameArg } from './util.js';

// Defined in util.ts because vbox-tsc needs it too and this module imports vbox-tsc; re-exported for agent/measure.
export { KERNEL_SLEW_PPM };

/** NTP daemons: they adjust the kernel's frequency, so a measured rate already includes their correction. */
export const NTP_DAEMONS: readonly TimeSyncDaemonName[] = NTP_DAEMON_NAMES as readonly TimeSyncDaemonName[];

/** chrony's Linux driver limit (chrony.conf(5) maxdrift): beyond it nothing can slew. */
export const CHRONY_MAX_PPM = 100_000;


type LineSource = 'vbox' | 'kernel-log' | 'vboxservice';

/** Guest Additions time-sync lines wherever they were read: forwarded into VBox.log or the kernel log, or VBoxService's own. */
function timeSyncLines(facts: Facts): { lines: TimeSyncLogLine[]; source: LineSource }[] {
  const out: { lines: TimeSyncLogLine[]; source: LineSource }[] = [];
  if (facts.vbox !== null && facts.vbox.timeSync.length > 0) out.push({ lines: facts.vbox.timeSync, source: 'vbox' });
  if (facts.kernelLog !== null && facts.kernelLog.timeSync.length > 0) out.push({ lines: facts.kernelLog.timeSync, source: 'kernel-log' });
  if (facts.vboxservice !== null && facts.vboxservice.timeSync.length > 0) out.push({ lines: facts.vboxservice.timeSync, source: 'vboxservice' });
  return out;
}

function sectionOf(facts: Facts, source: LineSource) {
  return source === 'vbox' ? facts.vbox : source === 'kernel-log' ? facts.kernelLog : facts.vboxservice;
}

/** Is the Guest Additions' time sync at work, and what shows it. */
function vboxServiceTimesync(facts: Facts): { active: boolean; evidence: EvidenceItem[] } {
  if (facts.vbox?.extradata.getHostTimeDisabled === true) return { active: false, evidence: [] };
  const d = facts.timesync?.daemons.find((x) => x.name === 'VBoxService');
  if (d !== undefined) {
    const enabled = d.vboxTimesync?.enabled ?? true;
    const pid = d.pid !== null ? ` (pid ${d.pid})` : '';
    return { active: enabled, evidence: [plainEvidence('timesync', `${d.name}${pid}${d.cmdline ? `: ${d.cmdline}` : ''}`, facts.timesync?.path ?? null)] };
  }
  // Adjust/set lines only come from a time-sync service that acts.
  for (const { lines, source } of timeSyncLines(facts)) {
    const acting = lines.find((l) => l.kind === 'adjtime' || l.kind === 'time-set' || l.kind === 'radical-guest-change' || l.kind === 'drift');
    const section = sectionOf(facts, source);
    if (acting !== undefined && section !== null) return { active: true, evidence: [lineEvidence(source, section, acting)] };
  }
  return { active: false, evidence: [] };
}

/** The evidence the derived view holds for a daemon (at most two items). */
function seen(d: Derived, name: string): EvidenceItem[] {
  return (d.timeSync.daemons.find((x) => x.daemon === name)?.evidence ?? []).slice(0, 2);
}

/** How to stop a daemon's service: the usual unit names, or timedated's switch for its unnamed one. */
function stopCommand(names: readonly string[]): string {
  if (names.length === 1 && names[0] === 'ntp-service') return 'sudo timedatectl set-ntp false';
  const units = names.filter((n) => n !== 'ntp-service').map((n) => (n === 'ntpd' ? 'ntp' : n === 'chronyd' ? 'chrony' : n));
  return `sudo systemctl disable --now ${units.join(' ')}`;
}

/** TIMESYNC_DOUBLE_DISCIPLINE (R5): VBoxService time sync, or VMware Tools, and an NTP daemon both steer the clock. */
export function doubleDiscipline(facts: Facts, d: Derived = derive(facts)): Finding[] {
  const ntp = d.timeSync.ntpActive;
  if (ntp.length === 0) return [];
  const ntpEvidence = ntp.flatMap((n) => seen(d, n));
  const label = ntp.map((n) => (n === 'ntp-service' ? 'the NTP service timedatectl reports' : n)).join(', ');
  const out: Finding[] = [];
  const vbox = vboxServiceTimesync(facts);
  if (vbox.active) {
    const vm = vmNameArg(facts.vbox);
    out.push({
      id: 'TIMESYNC_DOUBLE_DISCIPLINE',
      severity: 'warning',
      title: `Two time-sync disciplines fight over the guest clock: VirtualBox Guest Additions (VBoxService) and ${label}`,
      detail: 'VBoxService adjusts the clock towards the host every 10 s with adjtime() while the NTP daemon steers its own frequency: each undoes the other, '
        + 'the NTP daemon\'s frequency estimate never settles and the clock wanders. Use only one form of periodic time synchronisation.',
      evidence: dedupe([...vbox.evidence, ...ntpEvidence]),
      fixes: [
        { where: 'host', summary: `Keep the NTP daemon and stop the Guest Additions from setting the time (VM powered off, then start it).${vm.note}`, command: `VBoxManage setextradata ${vm.arg} "VBoxInternal/Devices/VMMDev/0/Config/GetHostTimeDisabled" 1` },
        { where: 'guest', summary: 'Or keep the Guest Additions and stop the NTP daemon in the guest.', command: stopCommand(ntp) },
      ],
      data: { ntpDaemons: ntp.join(',') },
    });
  }
  const vmtools = d.timeSync.daemons.find((x) => x.daemon === 'vmtoolsd' && x.active);
  if (vmtools !== undefined) {
    out.push({
      id: 'TIMESYNC_DOUBLE_DISCIPLINE',
      severity: 'info',
      title: `VMware Tools and ${label} both run: make sure VMware Tools periodic time sync is off`,
      evidence: dedupe([...vmtools.evidence.slice(0, 2), ...ntpEvidence]),
      fixes: [{ where: 'guest', summary: 'Disable VMware Tools periodic time synchronisation (it is off by default).', command: 'vmware-toolbox-cmd timesync disable' }],
      data: {},
    });
  }
  return out;
}

/** The rate error a daemon is asked to absorb, where it was read, and the lines. */
interface RateBasis { ppm: number; basis: string; evidence: EvidenceItem[] }

/** The rate from VirtualBox's claim about the TSC, when it is known to be wrong. */
function predictedRate(facts: Facts, d: Derived): RateBasis | null {
  const claim = isVirtualBoxClaim(facts, d.tsc.claimed, d.platform) ? d.tsc.claimed : null;
  const est = d.tsc.host;
  if (claim === null || est.hz === null || (d.tsc.exposure?.hit.length ?? 0) === 0) return null;
  const p = rateErrorPpm(est.hz, claim.hz);
  if (Math.abs(p) < KERNEL_SLEW_PPM) return null;
  return { ppm: p, basis: `predicted from the TSC rate VirtualBox gives the guest (${est.strength === 'hint' ? 'a hint' : 'strong evidence'})`, evidence: [...claim.evidence] };
}

/** The rate chronyd measured (`chronyc tracking` Frequency, its > 0 = fast convention), or reported beyond its limit. */
function chronyRate(facts: Facts): RateBasis | null {
  const limit = facts.chrony?.events.find((e) => e.kind === 'frequency-limit' && e.ppm !== null);
  if (limit !== undefined && facts.chrony !== null) {
    return { ppm: limit.ppm!, basis: 'reported by chronyd ("exceeds allowed maximum")', evidence: [lineEvidence('chrony', facts.chrony, limit)] };
  }
  const text = facts.chrony?.tracking ?? null;
  if (text !== null && text.frequencyPpm !== null && Math.abs(text.frequencyPpm) >= KERNEL_SLEW_PPM) {
    const ref = facts.chrony!.refs['tracking.frequencyPpm'];
    return { ppm: text.frequencyPpm, basis: 'measured by chrony (chronyc tracking frequency)', evidence: ref !== undefined ? [lineEvidence('chrony', facts.chrony!, ref)] : [] };
  }
  const csv = facts.timesync?.chronyTracking ?? null;
  if (csv !== null && Math.abs(csv.frequencyPpm) >= KERNEL_SLEW_PPM) {
    return { ppm: csv.frequencyPpm, basis: 'measured by chrony (chronyc tracking frequency)', evidence: [plainEvidence('timesync', `chronyc tracking: frequency ${csv.frequencyPpm.toFixed(3)} ppm`, facts.timesync?.path ?? null)] };
  }
  return null;
}

/** ntpd's frequency error when it reads as the clock's rate (agent/evidence/ntp/state.ts says when). */
function ntpdRate(facts: Facts): RateBasis | null {
  const ntp = facts.ntp;
  const r = ntp === null ? null : ntpFrequencyError(ntp);
  if (ntp === null || r === null || r.reading !== 'rate') return null;
  const why = r.stepped ? 'ntpd also stepped the clock, so the offset it divided was built up by the rate' : r.count >= 2 ? 'it recurs' : 'a value real clocks have';
  // ntpd prints its correction: the clock itself runs the other way.
  return { ppm: -r.ppm, basis: `reported by ntpd ("frequency error … exceeds tolerance"; read as the clock's own rate: ${why})`, evidence: [lineEvidence('ntp', ntp, r.event)] };
}

/** TIMESYNC_DAEMON_CAPACITY (R4): the predicted or measured error is more than the daemon can slew. */
export function daemonCapacity(facts: Facts, d: Derived = derive(facts)): Finding[] {
  const daemons = d.timeSync.ntpActive.filter((n) => NTP_DAEMON_NAMES.includes(n));
  // Without knowing which daemon runs there is nothing to add to the rate finding itself.
  if (daemons.length === 0) return [];
  const rate = predictedRate(facts, d) ?? chronyRate(facts) ?? ntpdRate(facts);
  if (rate === null) return [];
  const { ppm, basis } = rate;
  const abs = Math.abs(ppm);
  const weak = daemons.filter((n) => n === 'ntpd' || n === 'systemd-timesyncd' || n === 'openntpd');
  const chrony = daemons.includes('chronyd');
  if (abs < CHRONY_MAX_PPM && weak.length === 0) return [];
  const evidence = dedupe([...rate.evidence, ...daemons.flatMap((n) => seen(d, n))]);
  const beyondAll = abs >= CHRONY_MAX_PPM;
  const names = beyondAll ? daemons : weak;
  return [{
    id: 'TIMESYNC_DAEMON_CAPACITY',
    severity: beyondAll ? 'critical' : 'warning',
    title: beyondAll
      ? `The clock error (${fmtPpm(ppm)}) is beyond what any time-sync daemon can slew (chrony: 100 000 ppm)`
      : `The clock error (${fmtPpm(ppm)}) is beyond what ${names.join(' and ')} can slew (${KERNEL_SLEW_PPM} ppm): expect periodic steps`,
    detail: `The rate error is ${basis}. The kernel PLL that ntpd and systemd-timesyncd use saturates at ${KERNEL_SLEW_PPM} ppm (${fmtDuration(secondsPerDay(KERNEL_SLEW_PPM))} per day); beyond it ntpd logs "exceeds tolerance" and steps after its stepout, timesyncd steps at every poll once 0.4 s off. `
      + 'chrony can follow up to 100 000 ppm by changing the tick length.'
      + (chrony && !beyondAll ? ' chrony runs here and can absorb it.' : ''),
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
  // One line two kinds both read (a journal line that looks forwarded) is one step.
  const counted = new Set<string>();
  for (const { lines, source } of timeSyncLines(facts)) {
    const section = sectionOf(facts, source);
    const key = (l: TimeSyncLogLine): string => `${l.path ?? section?.path ?? ''}:${l.line}`;
    const steps = lines.filter((l) => (l.kind === 'radical-guest-change' || l.kind === 'radical-host-change' || l.kind === 'time-set') && !counted.has(key(l)));
    for (const l of steps) counted.add(key(l));
    if (steps.length === 0 || section === null) continue;
    const deltas = steps.map((s) => s.deltaNs).filter((x): x is number => x !== null);
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

/** ntpd's command line, from the process scan or its own `Command line:` log line. */
function ntpdCommandLine(facts: Facts): string | null {
  return facts.timesync?.daemons.find((x) => x.name === 'ntpd')?.cmdline ?? facts.ntp?.commandLine ?? null;
}

/** TIMESYNC_NTPD_ON_VM (R7): ntpd exits on a > 1000 s offset (a VM restored or paused long) unless told not to. */
export function ntpdOnVm(facts: Facts, d: Derived = derive(facts)): Finding[] {
  const ntpd = d.timeSync.daemons.find((x) => x.daemon === 'ntpd' && x.active);
  if (ntpd === undefined || d.platform.vm !== true) return [];
  const cmdline = ntpdCommandLine(facts);
  const hasG = /(?:^|\s)(?:-[a-zA-Z]*g[a-zA-Z]*|--panicgate)(?=\s|$)/.test(cmdline ?? '');
  const proc = facts.timesync?.daemons.find((x) => x.name === 'ntpd');
  const evidence = proc !== undefined
    ? [plainEvidence('timesync', `ntpd${proc.pid !== null ? ` (pid ${proc.pid})` : ''}${proc.cmdline ? `: ${proc.cmdline}` : ''}`, facts.timesync?.path ?? null)]
    : ntpd.evidence.slice(0, 2);
  return [{
    id: 'TIMESYNC_NTPD_ON_VM',
    severity: 'info',
    title: `ntpd runs on a VM${hasG ? ' (with -g)' : ''}: make sure a large offset after a pause, restore or migration does not make it exit`,
    detail: 'ntpd exits when the offset exceeds its 1000 s panic threshold, which a VM reaches after a long pause, a restored snapshot or a host sleep. '
      + '`tinker panic 0` in ntp.conf makes it step instead (VMware KB 2108828); `-g` only allows one big step at start.',
    evidence,
    fixes: [{ where: 'guest', summary: 'Add `tinker panic 0` as the first line of /etc/ntp.conf and restart ntpd, or switch to chrony.' }],
    data: { dashG: hasG },
  }];
}

export const timeSyncAnalyzer: Analyzer = {
  id: 'time-sync',
  needs: [],
  needsAny: TIME_SYNC_FACT_KEYS,
  run: (facts, d) => [...doubleDiscipline(facts, d), ...daemonCapacity(facts, d), ...timesyncSteps(facts), ...ntpdOnVm(facts, d)],
};
