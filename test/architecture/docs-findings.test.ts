/**
 * docs/findings.md is the catalogue users look a finding id up in: every id an analyzer can emit has
 * its `### \`ID\`` section, and every section names an id the code still emits (a removed rule leaves
 * no ghost entry). Ids are read from the analyzers' source (`id: 'UPPER_CASE'`), the only place
 * findings are built.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { tsFiles } from './tree.js';


const ids = new Set(tsFiles('analyzers').flatMap((f) => [...fs.readFileSync(path.join(ROOT, f), 'utf8').matchAll(/\bid:\s*'([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]!)));
const md = fs.readFileSync(path.join(ROOT, 'docs/findings.md'), 'utf8');
const sections = new Set([...md.matchAll(/^###\s+`([A-Z][A-Z0-9_]+)`/gm)].map((m) => m[1]!));

describe('docs/findings.md', () => {
  it('finds the ids and the sections', () => {
    expect(ids.size).toBeGreaterThan(30);
    expect(ids).toContain('VBOX_TSC_FREQUENCY_MISMATCH');
  });
  it('has a section for every finding id the analyzers emit', () => expect([...ids].filter((i) => !sections.has(i)).sort()).toEqual([]));
  it('has no section for an id no analyzer emits', () => expect([...sections].filter((s) => !ids.has(s)).sort()).toEqual([]));
});
