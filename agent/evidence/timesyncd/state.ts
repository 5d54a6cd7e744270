/** What systemd-timesyncd's lines say about synchronisation: the latest of its sync and failure lines. Pure. */
import type { TimesyncdEvent, TimesyncdFacts } from './facts.js';

const GOOD = new Set<TimesyncdEvent['kind']>(['synchronised', 'contacted']);
const BAD = new Set<TimesyncdEvent['kind']>(['timeout', 'no-network', 'root-distance']);

/** The latest line that says synchronised or not, and which; null when none does. */
export function timesyncdSyncState(f: TimesyncdFacts): { state: 'synchronised' | 'unsynchronised'; event: TimesyncdEvent } | null {
  const last = f.events.filter((e) => GOOD.has(e.kind) || BAD.has(e.kind)).at(-1);
  if (last === undefined) return null;
  return { state: GOOD.has(last.kind) ? 'synchronised' : 'unsynchronised', event: last };
}

/** True when the unit is known to be stopped (its status, or its last line is systemd stopping it). */
export function timesyncdInactive(f: TimesyncdFacts): boolean {
  if (f.unitActive === 'inactive' || f.unitActive === 'failed') return true;
  return f.events.at(-1)?.kind === 'unit-stopped';
}
