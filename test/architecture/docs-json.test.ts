/**
 * docs/json-schema.md is the contract users script against: it documents every input status, every
 * input kind, every section of `facts` the registry defines, and every key the facts of a real run
 * carry. The keys come from the code and from `analyze --json` over every fixture, so a fact added
 * without its line in the docs fails here. docs/findings.md has a section for every finding code the
 * analyzers can emit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { readInputs } from '../../agent/gather/index.js';
import { diagnoseSubjects } from '../../agent/diagnose.js';
import { renderJson } from '../../agent/outputs/json.js';
import { KINDS } from '../../agent/evidence/index.js';

const schemaMd = fs.readFileSync(path.join(ROOT, 'docs/json-schema.md'), 'utf8');
/** A key counts as documented when the docs name it as code: `key`, `key[]`, `a.key`, or inside a shape `{a, key, b}`. */
const documented = (key: string): boolean =>
  new RegExp(`\`(?:[\\w.]+\\.)?${key}(?:\\[\\])?\`|[{,;]\\s*${key}\\s*[,;}:?]`).test(schemaMd);

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return /\.(md|tsv|json)$/i.test(e.name) || e.name.startsWith('.') ? [] : [p];
  });
}

/**
 * Every object key below `facts`, as "section.key". Keys of `refs` are fact names (already counted)
 * and maps keyed by data (CPU numbers, unit names) are left out by skipping keys that are not
 * identifiers.
 */
function factKeys(facts: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (v: unknown, section: string, where: string): void => {
    if (Array.isArray(v)) return v.forEach((x) => walk(x, section, where));
    if (typeof v !== 'object' || v === null) return;
    for (const [k, x] of Object.entries(v)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) continue;
      out.set(`${section}.${k}`, where);
      if (k !== 'refs') walk(x, section, where);
    }
  };
  for (const [section, v] of Object.entries(facts)) walk(v, section, '');
  return out;
}

describe('docs/json-schema.md', () => {
  it('documents every input status', () => {
    const result = fs.readFileSync(path.join(ROOT, 'agent/result.ts'), 'utf8');
    const union = /status:\s*((?:'[a-z-]+'\s*\|?\s*)+);/.exec(result.slice(result.indexOf('interface InputStatus')))?.[1] ?? '';
    const statuses = [...union.matchAll(/'([a-z-]+)'/g)].map((m) => m[1]!);
    expect(statuses).toContain('no-evidence');
    const row = schemaMd.split('\n').find((l) => l.startsWith('| `status` |') && l.includes('"ok"')) ?? '';
    expect(statuses.filter((s) => !row.includes(`"${s}"`))).toEqual([]);
  });

  it('documents every input kind (each registry name and the containers)', () => {
    const row = schemaMd.split('\n').find((l) => l.startsWith('| `kind` |') && l.includes('capture-dir')) ?? '';
    const names = [...KINDS.map((k) => k.name), 'capture-dir', 'directory', 'archive'];
    expect(names.filter((n) => !row.includes(`"${n}"`))).toEqual([]);
  });

  it('lists every facts section the registry defines', () => {
    expect(KINDS.map((k) => k.key).filter((k) => !documented(k))).toEqual([]);
  });

  it('documents every fact key a run over every fixture carries', async () => {
    const all = files(path.join(ROOT, 'test/fixtures')).filter((f) => !f.includes(`${path.sep}fuzz${path.sep}`));
    expect(all.length).toBeGreaterThan(50);
    const keys = new Map<string, string>();
    const emitted = new Set<string>();
    for (const f of all) {
      const { subjects, inputs, sources } = await readInputs([f], {});
      const doc = JSON.parse(renderJson(diagnoseSubjects(subjects, { inputs, sources, notes: [] }))) as { facts: Record<string, unknown>; findings: { id: string }[] };
      for (const x of doc.findings) emitted.add(x.id);
      for (const [k] of factKeys(doc.facts)) if (!keys.has(k)) keys.set(k, path.relative(ROOT, f));
    }
    expect(keys.size).toBeGreaterThan(100);
    const missing = [...keys].filter(([k]) => !documented(k.slice(k.indexOf('.') + 1))).map(([k, f]) => `${k} (${f})`);
    expect(missing).toEqual([]);
    // The same run's findings: each id it emitted has its section in docs/findings.md.
    const findingsMd = fs.readFileSync(path.join(ROOT, 'docs/findings.md'), 'utf8');
    expect(emitted.size).toBeGreaterThan(10);
    expect([...emitted].filter((id) => !findingsMd.includes(`### \`${id}\``))).toEqual([]);
  }, 600_000);
});
