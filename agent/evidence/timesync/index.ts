/** `timesync`: the time-sync daemons running (chronyd, ntpd, systemd-timesyncd, VBoxService, vmtoolsd, …) and chronyc tracking. */
import { defineKind, identityMerge } from '../kind.js';
import { parseTimesync } from './parser.js';
import { timesyncSource } from './source.js';
import type { TimesyncFacts } from './facts.js';
import type { Hint } from '../hints.js';
import { plainEvidence } from '../quote.js';

function hints(t: TimesyncFacts): Hint[] {
  return t.daemons.map((d) => ({
    about: 'time-sync' as const,
    daemon: d.name,
    state: d.vboxTimesync?.enabled === false ? 'disabled' as const : 'running' as const,
    evidence: [plainEvidence('timesync', `${d.name}${d.pid !== null ? ` (pid ${d.pid})` : ''} is running`, t.path)],
  }));
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
