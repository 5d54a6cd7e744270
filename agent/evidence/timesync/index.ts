/** `timesync`: the time-sync daemons running (chronyd, ntpd, systemd-timesyncd, VBoxService, vmtoolsd, …) and chronyc tracking. */
import { defineKind, identityMerge } from '../kind.js';
import { parseTimesync } from './parser.js';
import { timesyncSource } from './source.js';
import type { TimesyncFacts } from './facts.js';
import type { Hint } from '../hints.js';
import { plainEvidence } from '../quote.js';

/** Processes that keep setting the clock; hv_utils and ptp_kvm are kernel modules that only offer the host's clock. */
const PROCESSES = new Set(['chronyd', 'ntpd', 'systemd-timesyncd', 'openntpd', 'VBoxService', 'vmtoolsd']);

function hints(t: TimesyncFacts): Hint[] {
  const out: Hint[] = t.daemons.map((d) => ({
    about: 'time-sync' as const,
    daemon: d.name,
    state: d.vboxTimesync?.enabled === false ? 'disabled' as const : 'running' as const,
    evidence: [plainEvidence('timesync', `${d.name}${d.pid !== null ? ` (pid ${d.pid})` : ''} is running`, t.path)],
  }));
  // The scan ran (a capture without it has no section), so finding none of them is evidence too.
  if (!t.daemons.some((d) => PROCESSES.has(d.name))) {
    out.push({ about: 'time-sync', daemon: '*', state: 'absent', evidence: [plainEvidence('timesync', 'process scan: no chronyd, ntpd, systemd-timesyncd, openntpd, VBoxService or vmtoolsd is running', t.path)] });
  }
  return out;
}

export const timesyncKind = defineKind({
  name: 'timesync',
  key: 'timesync',
  title: 'time-sync daemons',
  createParser: null,
  merge: identityMerge<TimesyncFacts>(['daemons', 'chronyTracking']),
  keyFacts: () => [],
  hints,
  collector: {
    help: 'time-sync daemons (chronyd, ntpd, systemd-timesyncd, VBoxService, vmtoolsd, openntpd, hv_utils, ptp_kvm) and chronyc tracking',
    defaultOn: true,
    liveOnly: false,
    source: timesyncSource,
    parse: parseTimesync,
  },
});
