/** `timesync`: the time-sync daemons running (chronyd, ntpd, systemd-timesyncd, VBoxService, vmtoolsd, …) and chronyc tracking. */
import { defineKind, identityMerge } from '../kind.js';
import { parseTimesync } from './parser.js';
import { timesyncSource } from './source.js';
import type { TimesyncFacts } from './facts.js';

export const timesyncKind = defineKind({
  name: 'timesync',
  key: 'timesync',
  title: 'time-sync daemons',
  createParser: null,
  merge: identityMerge<TimesyncFacts>(['daemons', 'chronyTracking']),
  keyFacts: () => [],
  collector: {
    help: 'time-sync daemons (chronyd, ntpd, systemd-timesyncd, VBoxService, vmtoolsd, openntpd, hv_utils, ptp_kvm) and chronyc tracking',
    defaultOn: true,
    liveOnly: false,
    source: timesyncSource,
    parse: parseTimesync,
  },
});
