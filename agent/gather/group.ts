/**
 * Evidence → machines. Inputs about one VM (its host's VBox.log, its guest's dmesg and cpuinfo) are
 * analysed together; two kernel logs of two machines, or of two boots, are analysed apart. Each kind
 * says when two of its sections can be one (its descriptor's `merge`); an input's sections always stay
 * together (a paste of VBox.log and guest lines is one VM). Pure.
 */
import { emptyFacts, type Facts, type UserFacts } from '../facts.js';
import { kindNamed } from '../evidence/index.js';
import type { SectionBase } from '../evidence/kind.js';
import type { InputParts } from './index.js';

/** One machine's evidence before it is diagnosed. */
export interface SubjectDraft {
  id: string;
  inputs: string[];
  facts: Facts;
}

type SectionMap = Record<string, SectionBase | null>;

/** `facts` with `parts` added, or null when one of them cannot join (a different machine or boot). */
function join(facts: Facts, group: InputParts): Facts | null {
  const out = { ...facts } as unknown as SectionMap;
  for (const part of group.parts) {
    const kind = kindNamed(part.kind);
    if (kind === undefined) continue;
    const had = out[kind.key] ?? null;
    if (had === null) {
      out[kind.key] = part.facts;
      continue;
    }
    const merged = kind.merge(had, part.facts);
    if (merged === null) return null;
    out[kind.key] = merged;
  }
  return out as unknown as Facts;
}

/**
 * Group inputs into subjects. An input joins the most recently started subject it fits (files are
 * usually given machine by machine), else an earlier one, else starts its own.
 */
export function groupInputs(groups: readonly InputParts[], user: UserFacts): SubjectDraft[] {
  const subjects: SubjectDraft[] = [];
  for (const g of groups) {
    let placed = false;
    for (let i = subjects.length - 1; i >= 0 && !placed; i--) {
      const s = subjects[i]!;
      const joined = join(s.facts, g);
      if (joined !== null) {
        s.facts = joined;
        s.inputs.push(g.input);
        placed = true;
      }
    }
    if (!placed) {
      const facts = join(emptyFacts(user), g) ?? emptyFacts(user);
      subjects.push({ id: `s${subjects.length + 1}`, inputs: [g.input], facts });
    }
  }
  if (subjects.length === 0) subjects.push({ id: 's1', inputs: [], facts: emptyFacts(user) });
  return subjects;
}
