/** `rtc`: the RTC (/sys/class/rtc/rtc0) and /etc/adjtime (UTC or LOCAL). */
import { defineKind, identityMerge } from '../kind.js';
import { parseRtc } from './parser.js';
import { rtcSource } from './source.js';
import type { RtcFacts } from './facts.js';

export const rtcKind = defineKind({
  name: 'rtc',
  key: 'rtc',
  title: 'RTC and /etc/adjtime',
  createParser: null,
  merge: identityMerge<RtcFacts>(['name', 'sinceEpoch', 'adjtime']),
  keyFacts: () => [],
  collector: {
    help: 'RTC (/sys/class/rtc/rtc0) and /etc/adjtime (UTC or LOCAL)',
    defaultOn: true,
    liveOnly: false,
    source: rtcSource,
    parse: parseRtc,
  },
});
