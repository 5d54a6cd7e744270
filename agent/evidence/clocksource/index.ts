/** `clocksource`: the current and available clocksource of every clocksourceN (sysfs). */
import { defineKind, conflicts, fillMerge } from '../kind.js';
import { createClocksourceParser, parseClocksource } from './parser.js';
import { clocksourceSource } from './source.js';
import type { ClocksourceFacts } from './facts.js';
import type { Hint } from '../hints.js';
import { plainEvidence, refEvidence } from '../quote.js';

function keyFacts(cs: ClocksourceFacts): string[] {
  return [`clocksource: current ${cs.current ?? '?'}${cs.available.length > 0 ? `; available ${cs.available.join(' ')}` : ''}`];
}

/** `current_clocksource` and `available_clocksource` of one machine, given as two files, make one section. */
function merge(a: ClocksourceFacts, b: ClocksourceFacts): ClocksourceFacts | null {
  if (conflicts(a.current, b.current) || (a.available.length > 0 && b.available.length > 0 && conflicts(a.available, b.available))) return null;
  const m = fillMerge(a, b);
  const current = a.current ?? b.current;
  const available = a.available.length > 0 ? a.available : b.available;
  return { ...m, current, available, devices: [{ device: '0', current, available }] };
}

function hints(cs: ClocksourceFacts): Hint[] {
  const current = refEvidence('clocksource', cs, 'current');
  return [
    { about: 'clocksource', current: cs.current, available: [], rank: 3, evidence: current.length > 0 || cs.current === null ? current : [plainEvidence('clocksource', `current_clocksource: ${cs.current}`, cs.path)] },
    { about: 'clocksource', current: null, available: cs.available, rank: 3, evidence: refEvidence('clocksource', cs, 'available') },
  ];
}

export const clocksourceKind = defineKind({
  name: 'clocksource',
  key: 'clocksource',
  title: 'clocksource (sysfs)',
  createParser: createClocksourceParser,
  // A text of one line is a sysfs file itself: it counts every line, kernel lines too.
  readsClaimedLines: true,
  merge,
  keyFacts,
  hints,
  collector: {
    help: 'current and available clocksource of every clocksourceN (sysfs)',
    defaultOn: true,
    liveOnly: false,
    source: clocksourceSource,
    parse: parseClocksource,
  },
});
