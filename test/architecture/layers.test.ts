/**
 * Imports flow down the picture in docs/architecture.md and never back up:
 *
 *   util  ←  evidence  ←  derive  ←  simulator  ←  analyzers (prediction types only)  ←  the rest
 *
 * util imports nothing of ours; evidence (kinds, parsers, their sources) never reaches derived values,
 * rules, the model or outputs; derive never reaches rules or the model; the model never reaches the
 * rules; rules never reach the model's code (only its Prediction type) and no rule family imports another
 * (shared helper modules are allowed). A rule that is only written down erodes; this one fails the build.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { tsFiles } from './tree.js';


/** Every relative import of a file, resolved to a repo path without extension. */
function importsOf(file: string): string[] {
  const src = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/(?:from|import)\s*\(?\s*['"](\.\.?\/[^'"]+)['"]/g)) {
    out.push(path.normalize(path.join(path.dirname(file), m[1]!)).replace(/\.(js|ts)$/, ''));
  }
  return out;
}

/** Relative imports that bring code in (not `import type` / `export type`). */
function valueImportsOf(file: string): string[] {
  const src = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/(?:^|\n)\s*(import|export)\s+(type\s+)?[^;]*?from\s*['"](\.\.?\/[^'"]+)['"]|import\s*\(\s*['"](\.\.?\/[^'"]+)['"]/g)) {
    if (m[2]) continue;
    const spec = m[3] ?? m[4]!;
    out.push(path.normalize(path.join(path.dirname(file), spec)).replace(/\.(js|ts)$/, ''));
  }
  return out;
}

const under = (p: string, dir: string): boolean => p === dir || p.startsWith(`${dir}/`);

/** What each layer may not import (prefixes of repo paths). */
const RULES: { layer: string; files: string[]; forbidden: string[]; except?: string[] }[] = [
  { layer: 'agent/util', files: tsFiles('agent/util'), forbidden: ['agent/evidence', 'agent/derive', 'agent/sources', 'agent/gather', 'agent/outputs', 'agent/commands', 'agent/daemon', 'agent/measure', 'analyzers', 'simulator', 'agent/facts', 'agent/findings', 'agent/result', 'agent/diagnose'] },
  { layer: 'agent/evidence', files: tsFiles('agent/evidence'), forbidden: ['agent/derive', 'agent/gather', 'agent/outputs', 'agent/commands', 'agent/daemon', 'agent/measure', 'analyzers', 'simulator', 'agent/diagnose', 'agent/result', 'agent/findings', 'agent/collect', 'agent/collectors'] },
  { layer: 'agent/derive', files: tsFiles('agent/derive'), forbidden: ['agent/gather', 'agent/outputs', 'agent/commands', 'agent/daemon', 'agent/measure', 'analyzers', 'simulator', 'agent/diagnose', 'agent/result', 'agent/sources', 'agent/collect', 'agent/collectors'] },
  { layer: 'simulator', files: tsFiles('simulator'), forbidden: ['analyzers', 'agent/gather', 'agent/outputs', 'agent/commands', 'agent/daemon', 'agent/measure', 'agent/diagnose', 'agent/sources', 'agent/collect', 'agent/collectors'] },
  { layer: 'analyzers', files: tsFiles('analyzers'), forbidden: ['simulator', 'agent/gather', 'agent/outputs', 'agent/commands', 'agent/daemon', 'agent/measure', 'agent/diagnose', 'agent/sources', 'agent/collect', 'agent/collectors'], except: ['simulator/prediction'] },
];

describe('imports flow one way', () => {
  for (const rule of RULES) {
    it(`finds ${rule.layer}`, () => expect(rule.files.length).toBeGreaterThan(0));
    it.each(rule.files.map((f) => [f]))(`${rule.layer}: %s imports nothing above it`, (file) => {
      const bad = importsOf(file).filter((i) => rule.forbidden.some((f) => under(i, f)) && !(rule.except ?? []).some((e) => under(i, e)));
      expect(bad).toEqual([]);
    });
  }

  /** A rule family is a module that defines an Analyzer; the others (util.ts, tsc-evidence.ts) are shared helpers. */
  const families = new Set(tsFiles('analyzers').filter((f) => /:\s*Analyzer\s*=\s*\{/.test(fs.readFileSync(path.join(ROOT, f), 'utf8'))).map((f) => f.replace(/\.ts$/, '')));
  it('finds the rule families', () => expect(families.size).toBeGreaterThan(3));
  /**
   * Inside agent/evidence only a kind's descriptor (index.ts) wires its source.ts in; parsers, facts and
   * rules never reach a source (type-only imports of the Source interface are not code and are allowed).
   */
  const evidenceCode = tsFiles('agent/evidence').filter((f) => !/(^|\/)(index|source)\.ts$/.test(f));
  it('finds the evidence parsers', () => expect(evidenceCode.filter((f) => f.endsWith('/parser.ts')).length).toBeGreaterThan(20));
  it.each(evidenceCode.map((f) => [f]))('%s reaches no source (only the descriptor wires one in)', (file) => {
    const bad = valueImportsOf(file).filter((i) => /(^|\/)source$/.test(i) || under(i, 'agent/sources'));
    expect(bad).toEqual([]);
  });

  it.each(tsFiles('analyzers').map((f) => [f]))('%s imports no rule family (only shared helpers; the list imports them all)', (file) => {
    const bad = importsOf(file).filter((i) => families.has(i));
    expect(file.endsWith('index.ts') ? [] : bad).toEqual([]);
  });
});
