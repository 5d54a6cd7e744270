/**
 * Which time-sync daemons the machine runs and what they are doing, from every kind's hints (a
 * process scan, chronyc output, ntpd's log, timedatectl, VBoxService lines …): computed once per
 * diagnosis, read by every time-sync rule. Pure.
 */
import type { EvidenceItem } from '../evidence/kind.js';
import type { Hint, TimeSyncState } from '../evidence/hints.js';
import { dedupe } from '../evidence/quote.js';
import type { FactKey } from '../evidence/index.js';

/** Every kind that can show a time-sync daemon or what it did: the `needsAny` of the time-sync rules. */
export const TIME_SYNC_FACT_KEYS: readonly FactKey[] = ['timesync', 'chrony', 'ntp', 'timedatectl', 'timesyncd', 'vboxservice', 'vbox', 'kernelLog'];

/** NTP daemons: they steer the kernel's frequency, so a measured rate already includes their correction. */
export const NTP_DAEMON_NAMES: readonly string[] = ['chronyd', 'ntpd', 'systemd-timesyncd', 'openntpd'];

/**
 * Everything that keeps setting the clock from a reference: the NTP daemons, timedated's NTP service
 * (one of them, unnamed), and the hypervisors' guest agents. Not `hv_utils`/`ptp_kvm` (they expose the
 * host's clock but steer nothing), not `ntpdate` (one shot).
 */
const DISCIPLINES: readonly string[] = [...NTP_DAEMON_NAMES, 'ntp-service', 'VBoxService', 'vmtoolsd'];

/** States that do not show it at work (an installed package is no proof that it runs). */
const IDLE: readonly TimeSyncState[] = ['inactive', 'disabled', 'absent', 'installed'];

/** One daemon as all the evidence shows it. */
export interface TimeSyncDaemonView {
  daemon: string;
  /** Every state some evidence gives it, in the order the kinds gave them. */
  states: TimeSyncState[];
  /** True when some evidence shows it at work (a state other than inactive/disabled/absent/installed). */
  active: boolean;
  evidence: EvidenceItem[];
}

export interface TimeSyncView {
  daemons: TimeSyncDaemonView[];
  /** NTP daemons at work (`ntp-service` included when timedatectl calls its service active). */
  ntpActive: string[];
  /**
   * `scan`: a process scan found no time-sync daemon and nothing else shows one; `timedatectl`: only
   * timedatectl's NTP service is inactive (or n/a) and nothing else shows a daemon — weaker, since
   * timedated knows only the units it is told about; null: something keeps the clock, or nothing is known.
   */
  none: 'scan' | 'timedatectl' | null;
  noneEvidence: EvidenceItem[];
  /** The kernel clock's own status (timedatectl `System clock synchronized`), or null. */
  systemClockSynchronised: boolean | null;
}

type TimeSyncHint = Extract<Hint, { about: 'time-sync' }>;

function byDaemon(hints: readonly TimeSyncHint[]): TimeSyncDaemonView[] {
  const out = new Map<string, TimeSyncDaemonView>();
  for (const h of hints) {
    if (h.daemon === '*' || h.daemon === 'system-clock') continue;
    const v = out.get(h.daemon) ?? { daemon: h.daemon, states: [], active: false, evidence: [] };
    if (!v.states.includes(h.state)) v.states.push(h.state);
    if (!IDLE.includes(h.state)) v.active = true;
    v.evidence = dedupe([...v.evidence, ...h.evidence]);
    out.set(h.daemon, v);
  }
  return [...out.values()];
}

/** Weigh the time-sync hints of every section. */
export function deriveTimeSync(hints: readonly Hint[]): TimeSyncView {
  const ts = hints.filter((h): h is TimeSyncHint => h.about === 'time-sync');
  const daemons = byDaemon(ts);
  const disciplining = daemons.filter((d) => d.active && DISCIPLINES.includes(d.daemon));
  const clock = ts.filter((h) => h.daemon === 'system-clock');
  const systemClockSynchronised = clock.length === 0 ? null : clock.at(-1)!.state === 'synchronised';
  const scan = ts.filter((h) => h.daemon === '*' && h.state === 'absent');
  const off = ts.filter((h) => h.daemon === 'ntp-service' && (h.state === 'inactive' || h.state === 'absent'));
  let none: TimeSyncView['none'] = null;
  let noneEvidence: EvidenceItem[] = [];
  if (disciplining.length === 0 && scan.length > 0) {
    none = 'scan';
    noneEvidence = dedupe(scan.flatMap((h) => h.evidence));
  } else if (disciplining.length === 0 && off.length > 0) {
    none = 'timedatectl';
    noneEvidence = dedupe(off.flatMap((h) => h.evidence));
  }
  // timedatectl's unnamed service is one of the named daemons when any of those is seen.
  const named = daemons.filter((d) => d.active && NTP_DAEMON_NAMES.includes(d.daemon)).map((d) => d.daemon);
  const service = daemons.find((d) => d.daemon === 'ntp-service' && d.active);
  return {
    daemons,
    ntpActive: named.length > 0 || service === undefined ? named : ['ntp-service'],
    none,
    noneEvidence,
    systemClockSynchronised,
  };
}
