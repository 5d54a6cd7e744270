/**
 * Evidence items from facts: the quoted lines a finding (or a derived value) shows to say why.
 * Every item names its kind and file, and the line when there is one.
 */
import type { EvidenceItem, LineRef, SectionBase } from './kind.js';
import type { KindName } from './index.js';

/** Source names of evidence: a kind's name, or `user` for what was typed on the command line. */
export type SourceName = KindName | 'user';

/** One evidence item from a line ref of a section (the ref's own file when it came from another excerpt). */
export function lineEvidence(source: SourceName, section: SectionBase, ref: LineRef): EvidenceItem {
  const item: EvidenceItem = { source, line: ref.line, excerpt: ref.excerpt };
  const p = ref.path ?? section.path;
  if (p !== null && p !== undefined) item.path = p;
  return item;
}

/** Evidence for the named scalar facts of a section, in the order given, skipping facts without a ref; no duplicate lines. */
export function refEvidence(source: SourceName, section: SectionBase | null, ...keys: string[]): EvidenceItem[] {
  if (section === null) return [];
  const out: EvidenceItem[] = [];
  const seen = new Set<string>();
  for (const k of keys) {
    const ref = section.refs[k];
    if (ref === undefined) continue;
    const id = `${ref.path ?? ''}:${ref.line}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(lineEvidence(source, section, ref));
  }
  return out;
}

/** Evidence that is not a line of a file (a value the user typed, a file's whole content). */
export function plainEvidence(source: SourceName, excerpt: string, path: string | null = null): EvidenceItem {
  const item: EvidenceItem = { source, excerpt };
  if (path !== null) item.path = path;
  return item;
}

/**
 * The evidence, or — when the parser kept no line for these facts (a fragment, an unusual spelling) —
 * one item naming the section's file and the fact, so no finding is ever without evidence.
 */
export function evidenceOr(items: EvidenceItem[], source: SourceName, section: SectionBase | null, fact: string): EvidenceItem[] {
  return items.length > 0 ? items : [plainEvidence(source, fact, section?.path ?? null)];
}

/** Drop repeated (source, path, line) evidence, keeping the first. */
export function dedupe(items: EvidenceItem[]): EvidenceItem[] {
  const seen = new Set<string>();
  return items.filter((e) => {
    const k = `${e.source}:${e.path ?? ''}:${e.line ?? e.excerpt}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
