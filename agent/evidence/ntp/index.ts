/** `ntp`: ntpd and ntpdate as pasted — `ntpq -p`, `ntpstat`, their log lines. */
import { defineKind, identityMerge } from '../kind.js';
import { createNtpParser } from './parser.js';
import type { NtpFacts } from './facts.js';
import type { Hint } from '../hints.js';
import type { LineRef } from '../kind.js';
import { lineEvidence } from '../quote.js';
import { ntpInactive, ntpSteps, ntpSyncState, systemPeer } from './state.js';

function firstLine(f: NtpFacts): LineRef | null {
  const lines: LineRef[] = [...f.events.filter((e) => e.program === 'ntpd'), ...f.peers, ...(f.ntpstat !== null ? [f.ntpstat] : []), ...(f.ntpqNoAnswer !== null ? [f.ntpqNoAnswer] : [])];
  let first: LineRef | null = null;
  for (const l of lines) if (first === null || l.line < first.line) first = l;
  return first;
}

function hints(f: NtpFacts): Hint[] {
  const out: Hint[] = [];
  const ev = (r: LineRef) => [lineEvidence('ntp', f, r)];
  const seen = firstLine(f);
  if (seen !== null) {
    out.push({ about: 'time-sync', daemon: 'ntpd', state: ntpInactive(f) ? 'inactive' : 'running', evidence: ev(seen) });
    const sync = ntpSyncState(f);
    if (sync !== null) out.push({ about: 'time-sync', daemon: 'ntpd', state: sync.state, evidence: ev(sync.ref) });
  }
  const step = ntpSteps(f)[0];
  if (step !== undefined) out.push({ about: 'time-sync', daemon: step.program, state: 'stepped', evidence: ev(step) });
  const date = f.events.find((e) => e.program === 'ntpdate');
  if (date !== undefined && step?.program !== 'ntpdate') out.push({ about: 'time-sync', daemon: 'ntpdate', state: 'seen', evidence: ev(date) });
  return out;
}

function keyFacts(f: NtpFacts): string[] {
  const out: string[] = [];
  if (f.peers.length > 0) {
    const p = systemPeer(f);
    out.push(p !== null ? `ntpq -p: ${f.peers.length} peers, system peer ${p.remote} (offset ${p.offsetMs} ms)` : `ntpq -p: ${f.peers.length} peers, no system peer`);
  }
  if (f.ntpstat !== null) out.push(`ntpstat: ${f.ntpstat.synchronised ? `synchronised to ${f.ntpstat.server ?? '?'}` : 'unsynchronised'}`);
  // ntpdate is a program of its own (a one-shot setter): its lines are not ntpd's log.
  for (const program of ['ntpd', 'ntpdate'] as const) {
    const n = f.events.filter((e) => e.program === program).length;
    if (n > 0) out.push(`${program} log: ${n} line${n === 1 ? '' : 's'}${program === 'ntpd' && f.version !== null ? ` (ntpd ${f.version})` : ''}`);
  }
  if (f.commandLine !== null) out.push(`ntpd command line: ${f.commandLine}`);
  return out;
}

export const ntpKind = defineKind({
  name: 'ntp',
  key: 'ntp',
  title: 'ntpd (ntpq, ntpstat, ntpd log)',
  createParser: createNtpParser,
  merge: identityMerge<NtpFacts>(['version', 'commandLine']),
  keyFacts,
  hints,
  collector: null,
});
