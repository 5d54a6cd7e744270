/** `clockevents`: the clock event device of every clockeventN and the broadcast device (sysfs). */
import { defineKind, identityMerge } from '../kind.js';
import { parseClockevents } from './parser.js';
import { clockeventsSource } from './source.js';
import type { ClockeventsFacts } from './facts.js';

export const clockeventsKind = defineKind({
  name: 'clockevents',
  key: 'clockevents',
  title: 'clockevents (sysfs)',
  createParser: null,
  merge: identityMerge<ClockeventsFacts>(['devices', 'broadcast']),
  keyFacts: () => [],
  collector: {
    help: 'clock event device of every clockeventN and the broadcast device (sysfs)',
    defaultOn: true,
    liveOnly: false,
    source: clockeventsSource,
    parse: (raw, path) => parseClockevents(raw.devices, raw.broadcast, path),
  },
});
