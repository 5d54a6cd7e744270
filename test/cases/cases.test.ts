/**
 * Real public cases (test/cases/<slug>/: the evidence exactly as posted, case.json with the source,
 * the established cause and `checks`), run as a user would: `clockdoctor analyze --json <evidence>`.
 * The checks are those of the project's scorer (ported from shared/tools/score-cases.py, which each
 * case folder's SOURCE.md names): every file read, the worst severity in range, each required concept
 * named in the findings' own words (titles, details, fixes — never the quoted evidence), no harmful advice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';

const DIR = path.join(ROOT, 'test', 'cases');
const RANK: Record<string, number> = { none: 0, info: 1, warning: 2, critical: 3 };

interface Checks {
  accept?: boolean;
  severityAtLeast?: string | null;
  severityAtMost?: string | null;
  mustMentionAny?: string[][];
  mustNotMention?: string[];
}

/** The findings' own words: every string in them except quoted evidence. */
export function ownWords(v: unknown, key: string | null = null): string[] {
  if (key === 'evidence') return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap((x) => ownWords(x, key));
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => ownWords(x, k));
  return [];
}

/** Why a run fails its case's checks (empty: it passes). Python's `re` and JS agree on the patterns used. */
export function judge(checks: Checks, code: number | null, doc: { inputs?: { path: string; status: string }[]; findings?: { severity: string }[] }): string[] {
  const why: string[] = [];
  const findings = doc.findings ?? [];
  if (checks.accept ?? true) {
    if ([64, 65, 66, 70].includes(code ?? -1)) why.push(`exit ${code}`);
    for (const i of doc.inputs ?? []) if (i.status !== 'ok') why.push(`input ${path.basename(i.path)} ${i.status}`);
  }
  const worst = Math.max(0, ...findings.map((f) => RANK[f.severity] ?? 0));
  if (checks.severityAtLeast && worst < RANK[checks.severityAtLeast]!) why.push(`severity ${worst} < ${checks.severityAtLeast}`);
  if (checks.severityAtMost && worst > RANK[checks.severityAtMost]!) why.push(`severity ${worst} > ${checks.severityAtMost}`);
  const text = ownWords(findings).join('\n');
  for (const concept of checks.mustMentionAny ?? []) if (!concept.some((rx) => new RegExp(rx, 'i').test(text))) why.push(`never says ${concept.join('|')}`);
  for (const rx of checks.mustNotMention ?? []) {
    const m = new RegExp(rx, 'i').exec(text);
    if (m !== null) why.push(`says ${JSON.stringify(m[0])}`);
  }
  return why;
}

const slugs = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((s) => fs.existsSync(path.join(DIR, s, 'case.json'))).sort() : [];

describe('the checks themselves', () => {
  it('quoted evidence never counts, words elsewhere do', () => {
    const doc = { inputs: [{ path: 'a', status: 'ok' }], findings: [{ severity: 'warning', title: 'TSC warp at boot', evidence: [{ excerpt: 'tsc=reliable' }], fixes: [{ summary: 'update the firmware' }] }] };
    expect(judge({ mustMentionAny: [['warp'], ['firmware']], mustNotMention: ['tsc=reliable'], severityAtLeast: 'warning' }, 1, doc)).toEqual([]);
    expect(judge({ mustMentionAny: [['bios']], severityAtMost: 'info' }, 1, doc)).toEqual(['severity 2 > info', 'never says bios']);
    expect(judge({}, 65, { inputs: [{ path: '/x/y.txt', status: 'no-evidence' }] })).toEqual(['exit 65', 'input y.txt no-evidence']);
  });
});

// Declared only when cases are ported (vitest refuses an empty suite); each ported case is one test.
if (slugs.length > 0) describe('real cases', () => {
  it.each(slugs)('%s', (slug) => {
    const c = JSON.parse(fs.readFileSync(path.join(DIR, slug, 'case.json'), 'utf8')) as { evidence: string[]; checks: Checks };
    const files = c.evidence.map((f) => path.join(DIR, slug, f));
    const r = runCli('analyze', ['--json', ...files], { input: '' });
    expect(r.stderr).not.toMatch(/^\s+at .+(\(|:\d+:\d+)/m);
    expect(judge(c.checks, r.code, JSON.parse(r.stdout) as never)).toEqual([]);
  });
});
