/** `clock-read-cost`: whether reading the clock is a vDSO call or a system call, and ns per read (live only). */
import { defineKind, neverMerge } from '../kind.js';
import { parseClockReadCost } from './parser.js';
import { clockReadCostSource } from './source.js';
import type { ClockReadCostFacts } from './facts.js';

export const clockReadCostKind = defineKind({
  name: 'clock-read-cost',
  key: 'clockReadCost',
  title: 'clock read cost (live)',
  createParser: null,
  merge: neverMerge<ClockReadCostFacts>(),
  keyFacts: () => [],
  collector: {
    help: 'whether reading the clock is a vDSO call or a system call, and ns per read (live only)',
    defaultOn: true,
    liveOnly: true,
    source: clockReadCostSource,
    parse: parseClockReadCost,
  },
});
