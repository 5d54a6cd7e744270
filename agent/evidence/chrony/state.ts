/**
 * What chrony's evidence says about synchronisation, read once for the kind's hints and the rules
 * alike: its latest word (a log line, a sources table, a tracking report — whichever comes last in
 * the paste), the selected source, whether it is a PTP hardware clock. Pure.
 */
import type { LineRef } from '../kind.js';
import type { ChronyEvent, ChronyFacts, ChronySource } from './facts.js';
import { unsynchronisedReference } from './tracking.js';

/** chronyd's latest word on synchronisation, and the line that says it. */
export interface ChronySyncState {
  state: 'synchronised' | 'unsynchronised';
  ref: LineRef;
  /** Where it was read. */
  from: 'log' | 'sources' | 'tracking';
  /** The line that places it in the paste (a table's last row), to tell which word is the latest. */
  order: number;
}

const SYNC_EVENTS = new Set<ChronyEvent['kind']>(['selected', 'cant-synchronise', 'no-source']);

function fromLog(f: ChronyFacts): ChronySyncState | null {
  const last = f.events.filter((e) => SYNC_EVENTS.has(e.kind)).at(-1);
  if (last === undefined) return null;
  return { state: last.kind === 'selected' ? 'synchronised' : 'unsynchronised', ref: last, from: 'log', order: last.line };
}

function fromSources(f: ChronyFacts): ChronySyncState | null {
  if (f.sources.length === 0) return null;
  const sel = selectedSource(f);
  const last = f.sources.at(-1)!;
  return { state: sel !== null ? 'synchronised' : 'unsynchronised', ref: sel ?? last, from: 'sources', order: last.line };
}

function fromTracking(f: ChronyFacts): ChronySyncState | null {
  const t = f.tracking;
  if (t === null || (t.referenceId === null && t.leapStatus === null)) return null;
  const ref = f.refs['tracking.leapStatus'] ?? f.refs['tracking.referenceId'];
  if (ref === undefined) return null;
  return { state: unsynchronisedReference(t) ? 'unsynchronised' : 'synchronised', ref, from: 'tracking', order: ref.line };
}

/** The latest of the three (by line), or null when the evidence says nothing about synchronisation. */
export function chronySyncState(f: ChronyFacts): ChronySyncState | null {
  let best: ChronySyncState | null = null;
  for (const c of [fromLog(f), fromSources(f), fromTracking(f)]) if (c !== null && (best === null || c.order >= best.order)) best = c;
  return best;
}

/** The `*` row of the sources table, or null. */
export function selectedSource(f: ChronyFacts): ChronySource | null {
  return f.sources.find((s) => s.state === 'selected') ?? null;
}

/** A reference clock that is a PTP hardware clock: `PHC0` (chrony's default refid for `refclock PHC`), or a name with `ptp`/`PHC`. */
export function isPhcName(name: string): boolean {
  return /^PHC\d*$|ptp|phc/i.test(name);
}

/** True when chronyd reported it cannot run its clock (it is gone, or stopped). */
export function chronyInactive(f: ChronyFacts): boolean {
  if (f.unitActive === 'inactive' || f.unitActive === 'failed') return true;
  const last = f.events.at(-1);
  return last?.kind === 'cannot-talk' || last?.kind === 'exit';
}

/** Steps the log shows: `System clock was stepped by`, a stepped initial offset, `wrong by … (step)`. */
export function chronySteps(f: ChronyFacts): ChronyEvent[] {
  return f.events.filter((e) => e.kind === 'stepped' || ((e.kind === 'initial-offset' || e.kind === 'clock-wrong') && e.mode === 'step'));
}
