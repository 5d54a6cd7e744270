/** `chrony`: `chronyc tracking` / `sources` / `sourcestats`, chronyd's log lines and chrony.conf directives, as pasted. */
import { defineKind, identityMerge } from '../kind.js';
import { createChronyParser } from './parser.js';
import type { ChronyFacts } from './facts.js';
import type { Hint } from '../hints.js';
import type { LineRef } from '../kind.js';
import { lineEvidence } from '../quote.js';
import { chronyInactive, chronySteps, chronySyncState, selectedSource } from './state.js';

/** The first line that shows chronyd at all. */
function firstLine(f: ChronyFacts): LineRef | null {
  const lines: LineRef[] = [...f.events, ...f.sources, ...f.sourcestats, ...Object.values(f.refs)];
  let first: LineRef | null = null;
  for (const l of lines) if (first === null || l.line < first.line) first = l;
  return first;
}

function hints(f: ChronyFacts): Hint[] {
  const out: Hint[] = [];
  const seen = firstLine(f);
  if (seen === null) return out;
  const ev = (r: LineRef) => [lineEvidence('chrony', f, r)];
  out.push({ about: 'time-sync', daemon: 'chronyd', state: chronyInactive(f) ? 'inactive' : 'running', evidence: ev(f.events.at(-1) ?? seen) });
  const sync = chronySyncState(f);
  if (sync !== null) out.push({ about: 'time-sync', daemon: 'chronyd', state: sync.state, evidence: ev(sync.ref) });
  const step = chronySteps(f)[0];
  if (step !== undefined) out.push({ about: 'time-sync', daemon: 'chronyd', state: 'stepped', evidence: ev(step) });
  return out;
}

const fmtSeconds = (s: number): string => (Math.abs(s) >= 1 ? `${s.toFixed(3)} s` : Math.abs(s) >= 1e-3 ? `${(s * 1e3).toFixed(3)} ms` : `${(s * 1e6).toFixed(1)} µs`);

function keyFacts(f: ChronyFacts): string[] {
  const out: string[] = [];
  const sel = selectedSource(f);
  if (f.sources.length > 0) {
    out.push(sel !== null
      ? `chrony sources: ${f.sources.length}, selected ${sel.name}${sel.reach !== null ? ` (reach ${sel.reach.toString(8)}` : ' ('}${sel.offsetSeconds !== null ? `, offset ${fmtSeconds(sel.offsetSeconds)})` : ')'}`
      : `chrony sources: ${f.sources.length}, none selected (${[...new Set(f.sources.map((s) => s.state))].join(', ')})`);
  }
  const t = f.tracking;
  if (t !== null) {
    const parts = [t.referenceName ?? t.referenceId ?? '?'];
    if (t.systemTimeOffsetSeconds !== null) parts.push(`system time ${fmtSeconds(t.systemTimeOffsetSeconds)} ${t.systemTimeOffsetSeconds >= 0 ? 'slow' : 'fast'}`);
    if (t.frequencyPpm !== null) parts.push(`frequency ${t.frequencyPpm.toFixed(3)} ppm`);
    if (t.leapStatus !== null) parts.push(t.leapStatus);
    out.push(`chronyc tracking: ${parts.join(', ')}`);
  }
  if (f.events.length > 0) out.push(`chronyd log: ${f.events.length} line${f.events.length === 1 ? '' : 's'}${f.version !== null ? ` (version ${f.version})` : ''}`);
  return out;
}

export const chronyKind = defineKind({
  name: 'chrony',
  key: 'chrony',
  title: 'chrony (chronyc output, chronyd log)',
  createParser: createChronyParser,
  // Two pastes of one machine's chrony agree on the version when both name it.
  merge: identityMerge<ChronyFacts>(['version']),
  keyFacts,
  hints,
  collector: null,
});
