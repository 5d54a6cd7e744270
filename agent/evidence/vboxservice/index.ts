/** `vboxservice`: VirtualBox Guest Additions' VBoxService lines from inside the guest (journal, syslog, its own log). */
import { defineKind, identityMerge } from '../kind.js';
import { createVboxserviceParser } from './parser.js';
import type { VboxserviceFacts } from './facts.js';
import type { Hint } from '../hints.js';
import { lineEvidence, refEvidence } from '../quote.js';

function hints(f: VboxserviceFacts): Hint[] {
  const out: Hint[] = [];
  const first = f.timeSync[0];
  const seen = first !== undefined ? [lineEvidence('vboxservice', f, first)] : refEvidence('vboxservice', f, 'version');
  // The Guest Additions run only inside a VirtualBox VM.
  if (seen.length > 0) {
    out.push({ about: 'hypervisor', name: 'virtualbox', label: 'VirtualBox', strength: 'strong', evidence: seen });
    out.push({ about: 'role', role: 'guest', strength: 'strong', why: 'VirtualBox Guest Additions (VBoxService) run in it', evidence: seen });
  }
  if (first !== undefined) out.push({ about: 'time-sync', daemon: 'VBoxService', state: 'running', evidence: seen });
  const set = f.timeSync.find((t) => t.kind === 'time-set');
  if (set !== undefined) out.push({ about: 'time-sync', daemon: 'VBoxService', state: 'stepped', evidence: [lineEvidence('vboxservice', f, set)] });
  return out;
}

function keyFacts(f: VboxserviceFacts): string[] {
  return [`VBoxService: ${f.lines} line${f.lines === 1 ? '' : 's'}, ${f.timeSync.length} time-sync${f.version !== null ? ` (Guest Additions ${f.version})` : ''}`];
}

export const vboxserviceKind = defineKind({
  name: 'vboxservice',
  key: 'vboxservice',
  title: 'VBoxService (Guest Additions, guest side)',
  createParser: createVboxserviceParser,
  merge: identityMerge<VboxserviceFacts>(['version']),
  keyFacts,
  hints,
  collector: null,
});
