/** `timesyncd`: systemd-timesyncd's journal lines and `systemctl status systemd-timesyncd`, as pasted. */
import { defineKind, fillMerge } from '../kind.js';
import { createTimesyncdParser } from './parser.js';
import type { TimesyncdFacts } from './facts.js';
import type { Hint } from '../hints.js';
import { lineEvidence, plainEvidence } from '../quote.js';
import { timesyncdInactive, timesyncdSyncState } from './state.js';

function hints(f: TimesyncdFacts): Hint[] {
  const first = f.events[0];
  const out: Hint[] = [];
  const seen = first !== undefined ? [lineEvidence('timesyncd', f, first)] : [plainEvidence('timesyncd', `systemd-timesyncd.service: ${f.unitActive ?? 'seen'}`, f.path)];
  if (first === undefined && f.unitActive === null) return out;
  out.push({ about: 'time-sync', daemon: 'systemd-timesyncd', state: timesyncdInactive(f) ? 'inactive' : 'running', evidence: seen });
  const sync = timesyncdSyncState(f);
  if (sync !== null) out.push({ about: 'time-sync', daemon: 'systemd-timesyncd', state: sync.state, evidence: [lineEvidence('timesyncd', f, sync.event)] });
  return out;
}

function keyFacts(f: TimesyncdFacts): string[] {
  const sync = timesyncdSyncState(f);
  return [`systemd-timesyncd: ${f.events.length} line${f.events.length === 1 ? '' : 's'}${sync !== null ? `, last ${sync.state === 'synchronised' ? 'synchronised' : `failed (${sync.event.kind})`}` : ''}${f.unitActive !== null ? `, unit ${f.unitActive}` : ''}`];
}

export const timesyncdKind = defineKind({
  name: 'timesyncd',
  key: 'timesyncd',
  title: 'systemd-timesyncd (journal)',
  createParser: createTimesyncdParser,
  merge: (a, b) => fillMerge(a, b),
  keyFacts,
  hints,
  collector: null,
});
