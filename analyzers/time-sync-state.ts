/**
 * Time-sync states: no daemon at all, not synchronised (yet), and the healthy case that looks
 * alarming to the untrained eye — chrony on the hypervisor's PTP clock (`#* PHC0`, stratum 0).
 * Which daemons run comes from the derived view; what each one last said, from its kind's own state
 * reader (evidence/<kind>/state.ts), so hints and rules read the evidence one way.
 */
import type { ChronyFacts, Facts, NtpFacts, TimedatectlFacts } from '../agent/facts.js';
import type { Analyzer, EvidenceItem, Finding, Fix } from '../agent/findings.js';
import { derive, type Derived } from '../agent/derive/index.js';
import { TIME_SYNC_FACT_KEYS } from '../agent/derive/time-sync.js';
import { chronySyncState, isPhcName, selectedSource } from '../agent/evidence/chrony/state.js';
import { ntpSyncState } from '../agent/evidence/ntp/state.js';
import { timesyncdSyncState } from '../agent/evidence/timesyncd/state.js';
import { dedupe, lineEvidence, refEvidence } from './util.js';

/** The hypervisor's PTP clock and how chrony reads it, by platform (Azure time-sync docs; kernel ptp_kvm). */
function phcAdvice(d: Derived): { name: string; device: string; setup: string } | null {
  if (d.platform.hypervisor === 'hyperv') return { name: 'Hyper-V\'s PTP clock (hv_utils, clock_name `hyperv`)', device: '/dev/ptp_hyperv', setup: 'refclock PHC /dev/ptp_hyperv poll 3 dpoll -2 offset 0 stratum 2' };
  if (d.platform.hypervisor === 'kvm') return { name: 'KVM\'s PTP clock (the ptp_kvm module)', device: '/dev/ptp0', setup: 'refclock PHC /dev/ptp0 poll 2' };
  return null;
}

function chronyFixes(d: Derived): Fix[] {
  const phc = phcAdvice(d);
  const fixes: Fix[] = [{ where: 'guest', summary: 'Install chrony and let it step large offsets: `makestep 1 3` in chrony.conf (on a VM `makestep 1 -1`, so it also steps after a pause or restore).', command: 'sudo apt-get install -y chrony || sudo dnf install -y chrony' }];
  if (phc !== null) fixes.push({ where: 'guest', summary: `On this ${d.platform.hypervisorLabel ?? 'VM'} guest read the host's clock directly: add \`${phc.setup}\` to chrony.conf (${phc.name}).` });
  return fixes;
}

/** TIMESYNC_NO_DAEMON: the evidence shows no daemon keeps the clock. */
export function noDaemon(facts: Facts, d: Derived = derive(facts)): Finding[] {
  const v = d.timeSync;
  if (v.none === null) return [];
  // timedated knows only its listed units; a synchronised kernel clock means someone keeps it (a host agent, an unlisted daemon).
  if (v.none === 'timedatectl' && v.systemClockSynchronised !== false) return [];
  const guest = d.platform.role === 'guest';
  const ptp = v.daemons.filter((x) => x.daemon === 'hv_utils' || x.daemon === 'ptp_kvm').map((x) => x.daemon);
  const where = guest ? `this ${d.platform.hypervisorLabel ?? 'VM'} guest` : 'this machine';
  const caveat = v.none === 'timedatectl'
    ? ' timedatectl only knows the NTP units it is told about (ntp-units.d): if chronyd or ntpd runs under another unit, `systemctl status chronyd ntpd` shows it.'
    : '';
  return [{
    id: 'TIMESYNC_NO_DAEMON',
    severity: guest ? 'warning' : 'info',
    title: v.none === 'scan'
      ? `No time-sync daemon runs on ${where}: nothing corrects its clock${ptp.length > 0 ? ` (the host's PTP clock is there — ${ptp.join(', ')} — but nothing reads it)` : ''}`
      : `No time-sync daemon appears to run on ${where}: timedatectl shows no active NTP service and an unsynchronised clock`,
    detail: (guest
      ? 'A VM\'s clock runs at whatever rate its clocksource gives it and stops while the VM is paused or the host sleeps; the hypervisor sets it at boot or restore at most. Without a daemon nothing corrects the drift or steps it back after a pause.'
      : 'Without a daemon the clock keeps whatever rate error its oscillator has (tens of ppm: seconds a day) and is never corrected.')
      + (v.systemClockSynchronised === false ? ' The kernel marks the clock unsynchronised, as it does when no daemon has disciplined it.' : '')
      + caveat,
    evidence: dedupe([...v.noneEvidence, ...refEvidence('timedatectl', facts.timedatectl, 'synchronised')]),
    fixes: chronyFixes(d),
    data: { basis: v.none },
  }];
}

/** One daemon's "not synchronised", why, and its lines. */
interface Unsynced { daemon: string; why: string; evidence: EvidenceItem[]; transient: boolean }

function chronyUnsynced(c: ChronyFacts): Unsynced | null {
  const s = chronySyncState(c);
  if (s === null || s.state !== 'unsynchronised') return null;
  let why = 'chronyd has no selected source';
  if (s.from === 'sources') {
    const reach = c.sources.map((x) => x.reach ?? 0);
    why = reach.every((r) => r === 0)
      ? `none of its ${c.sources.length} sources has answered (reach 0): UDP port 123 blocked, a name that does not resolve, or no network`
      : `its sources answer but none is usable (${[...new Set(c.sources.map((x) => x.state))].join(', ')}): they disagree with each other or are too far or too variable`;
  } else if (s.from === 'log') why = `chronyd logged "Can't synchronise: ${c.events.filter((e) => e.kind === 'cant-synchronise').at(-1)?.subject ?? 'no selectable sources'}"`;
  else if (s.from === 'tracking') why = 'chronyc tracking says Not synchronised (Reference ID 00000000)';
  return { daemon: 'chronyd', why, evidence: [lineEvidence('chrony', c, s.ref)], transient: false };
}

function ntpUnsynced(n: NtpFacts): Unsynced | null {
  const s = ntpSyncState(n);
  if (s === null || s.state !== 'unsynchronised') return null;
  // ntpd logs TIME_ERROR 0x41 when it first takes over the kernel clock (ntp_loopfilter.c says so): alone, it is the start.
  const transient = s.from === 'log' && (s.ref as { kind?: string }).kind === 'time-error';
  return { daemon: 'ntpd', why: s.why, evidence: [lineEvidence('ntp', n, s.ref)], transient };
}

function timedatectlUnsynced(t: TimedatectlFacts): Unsynced | null {
  const ts = t.timesync;
  if (ts !== null && ts.packetCount === 0) return { daemon: 'systemd-timesyncd', why: 'systemd-timesyncd has had no reply from its server (Packet count: 0)', evidence: refEvidence('timedatectl', t, 'timesync.server', 'timesync.packetCount'), transient: false };
  return null;
}

/** Each daemon whose latest word is "not synchronised". */
function unsynced(facts: Facts): Unsynced[] {
  const out: Unsynced[] = [];
  const c = facts.chrony === null ? null : chronyUnsynced(facts.chrony);
  if (c !== null) out.push(c);
  const n = facts.ntp === null ? null : ntpUnsynced(facts.ntp);
  if (n !== null) out.push(n);
  const ts = facts.timesyncd === null ? null : timesyncdSyncState(facts.timesyncd);
  if (ts !== null && ts.state === 'unsynchronised' && facts.timesyncd !== null) {
    const why = ts.event.kind === 'timeout' ? `systemd-timesyncd timed out waiting for ${ts.event.subject ?? 'its server'}`
      : ts.event.kind === 'no-network' ? 'systemd-timesyncd has no network connectivity' : 'systemd-timesyncd dropped its server (root distance too large)';
    out.push({ daemon: 'systemd-timesyncd', why, evidence: [lineEvidence('timesyncd', facts.timesyncd, ts.event)], transient: false });
  }
  const t = facts.timedatectl === null ? null : timedatectlUnsynced(facts.timedatectl);
  if (t !== null && !out.some((x) => x.daemon === t.daemon)) out.push(t);
  return out;
}

/** True when some daemon's latest word is "synchronised". */
function anySynchronised(facts: Facts): boolean {
  return (facts.chrony !== null && chronySyncState(facts.chrony)?.state === 'synchronised')
    || (facts.ntp !== null && ntpSyncState(facts.ntp)?.state === 'synchronised')
    || (facts.timesyncd !== null && timesyncdSyncState(facts.timesyncd)?.state === 'synchronised');
}

const CHECKS: Record<string, string> = { chronyd: 'chronyc sources -v', ntpd: 'ntpq -pn', 'systemd-timesyncd': 'timedatectl timesync-status' };

/** TIMESYNC_NOT_SYNCHRONISED: a daemon runs but its clock is not (or not yet) synchronised. */
export function notSynchronised(facts: Facts, d: Derived = derive(facts)): Finding[] {
  let list = unsynced(facts);
  const tdc = facts.timedatectl;
  // timedatectl alone: the kernel clock is unsynchronised and no daemon's own word says otherwise.
  if (list.length === 0 && tdc !== null && tdc.synchronised === false && !anySynchronised(facts) && d.timeSync.none === null) {
    list = [{ daemon: 'system clock', why: 'timedatectl: the kernel marks the system clock as not synchronised', evidence: refEvidence('timedatectl', tdc, 'synchronised', 'ntpService', 'ntpEnabled'), transient: false }];
  }
  if (list.length === 0) return [];
  const transient = list.every((u) => u.transient);
  const names = [...new Set(list.map((u) => u.daemon))];
  const phc = phcAdvice(d);
  const fixes: Fix[] = names.filter((n) => CHECKS[n] !== undefined).map((n) => ({ where: 'guest' as const, summary: `See what ${n} hears from its sources.`, command: CHECKS[n]! }));
  fixes.push({ where: 'guest', summary: 'Make sure the sources are reachable: UDP port 123 out (and back) through every firewall, names that resolve, a network that is up when the daemon starts.' });
  if (phc !== null) fixes.push({ where: 'guest', summary: `On this ${d.platform.hypervisorLabel} guest, the host's clock needs no network: \`${phc.setup}\` in chrony.conf (${phc.name}).` });
  return [{
    id: 'TIMESYNC_NOT_SYNCHRONISED',
    severity: transient ? 'info' : 'warning',
    title: `The clock is not synchronised: ${list.map((u) => u.why).join('; ')}`,
    detail: (transient
      ? 'ntpd reports TIME_ERROR (STA_UNSYNC) when it first takes over the kernel clock, before its first update: on its own, right after ntpd started, this is expected and clears within minutes. '
      : 'Until a daemon is synchronised the clock runs free: its rate error accumulates and nothing steps it. ')
      + 'Right after boot this can be the first synchronisation still pending (minutes with NTP); if it persists, the sources are the problem, not the clock.',
    evidence: dedupe(list.flatMap((u) => u.evidence)),
    fixes,
    data: { daemons: names.join(',') },
  }];
}

/** TIMESYNC_PHC_HEALTHY: chrony is locked to the hypervisor's PTP clock, as cloud vendors recommend. */
export function phcHealthy(facts: Facts, d: Derived = derive(facts)): Finding[] {
  const c = facts.chrony;
  if (c === null) return [];
  const sel = selectedSource(c);
  if (sel === null || sel.mode !== 'refclock' || !isPhcName(sel.name)) return [];
  if (chronySyncState(c)?.state !== 'synchronised') return [];
  const reachOk = sel.reach === null || sel.reach === 0o377;
  const offsetOk = sel.offsetSeconds === null || Math.abs(sel.offsetSeconds) <= 1e-3;
  if (!reachOk || !offsetOk) return [];
  const us = (s: number | null): string => (s === null ? '?' : `${(s * 1e6).toFixed(1)} µs`);
  const phc = phcAdvice(d);
  return [{
    id: 'TIMESYNC_PHC_HEALTHY',
    severity: 'info',
    title: `chrony keeps the clock on the hypervisor's PTP clock (${sel.name}, a PHC refclock): healthy`,
    detail: `${sel.name} is the selected source (#*), answered on each of the last 8 polls (reach 377), offset ${us(sel.offsetSeconds)} ± ${us(sel.errorSeconds)}. `
      + `Stratum 0 and the # mode are normal for a reference clock: it is ${phc?.name ?? 'the host\'s clock exposed as a PTP hardware clock (on Hyper-V/Azure hv_utils\' `hyperv` clock, /dev/ptp_hyperv; on KVM ptp_kvm)'}, read without any network. `
      + 'This is the setup Microsoft recommends for Azure Linux VMs; nothing to change.',
    evidence: [lineEvidence('chrony', c, sel)],
    fixes: [],
    data: { source: sel.name, offsetSeconds: sel.offsetSeconds, errorSeconds: sel.errorSeconds, reach: sel.reach },
  }];
}

export const timeSyncStateAnalyzer: Analyzer = {
  id: 'time-sync-state',
  needs: [],
  needsAny: TIME_SYNC_FACT_KEYS,
  run: (facts, d) => [...noDaemon(facts, d), ...notSynchronised(facts, d), ...phcHealthy(facts, d)],
};
