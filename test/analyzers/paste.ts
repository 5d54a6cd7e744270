/** Analyse pasted texts as `analyze` does (every kind, grouped into machines, diagnosed): for rule tests on real pastes. */
import fs from 'node:fs';
import path from 'node:path';
import { readString } from '../../agent/gather/text.js';
import { groupInputs } from '../../agent/gather/group.js';
import { diagnoseSubjects } from '../../agent/diagnose.js';
import type { AnalysisResult } from '../../agent/result.js';
import type { Finding } from '../../agent/findings.js';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures');

/** Texts by file name → the diagnosis. A name that exists under test/fixtures is read from there when its text is null. */
export function analyzePastes(files: Record<string, string | null>): AnalysisResult {
  const groups = Object.entries(files).map(([name, text]) => ({ input: name, parts: readString(name, text ?? fs.readFileSync(path.join(FIXTURES, name), 'utf8')).parts }));
  return diagnoseSubjects(groupInputs(groups, { hostTscHz: null }));
}

export const ids = (r: AnalysisResult): string[] => r.findings.map((f) => f.id);
export const byId = (r: AnalysisResult, id: string): Finding | undefined => r.findings.find((f) => f.id === id);

/** Everything a finding says in its own words (not its quoted evidence). */
export function words(f: Finding | undefined): string {
  if (f === undefined) return '';
  return [f.title, f.detail ?? '', ...f.fixes.flatMap((x) => [x.summary, x.command ?? ''])].join('\n');
}
