/** `hwclock`: the RTC's time as hwclock prints it, and (verbose) how far it is from the system clock. */
import { defineKind, fillMerge } from '../kind.js';
import { createHwclockParser } from './parser.js';
import type { HwclockFacts } from './facts.js';
import { formatReading } from '../date/clock-text.js';

function keyFacts(h: HwclockFacts): string[] {
  const parts: string[] = [];
  const r = h.readings[0];
  if (r !== undefined) parts.push(`RTC ${formatReading({ epoch: r.epochSeconds, wall: r.wallSeconds, zone: r.zone })}`);
  if (h.rtcMinusSystemSeconds !== null) parts.push(`RTC − system ${h.rtcMinusSystemSeconds >= 0 ? '+' : '−'}${Math.abs(h.rtcMinusSystemSeconds).toFixed(1)} s`);
  if (h.rtcMode !== null) parts.push(`kept in ${h.rtcMode} time`);
  if (h.accessible === false) parts.push('no RTC reachable');
  if (h.tickTimedOut) parts.push('RTC tick timed out');
  return parts.length === 0 ? [] : [`hwclock: ${parts.join('; ')}`];
}

export const hwclockKind = defineKind({
  name: 'hwclock',
  key: 'hwclock',
  title: 'hwclock output',
  createParser: createHwclockParser,
  merge: (a: HwclockFacts, b: HwclockFacts) => fillMerge(a, b),
  keyFacts,
  collector: null,
});
