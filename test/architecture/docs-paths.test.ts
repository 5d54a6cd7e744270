/**
 * The docs tell the truth about the tree: every repository path docs/architecture.md and README.md
 * name exists, and docs/architecture.md lists every evidence kind folder and the registry where it is.
 * A doc that names a moved file sends a reader (and a contributor adding a kind) to the wrong place.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const DOCS = ['docs/architecture.md', 'README.md'];
const TOP = ['agent', 'analyzers', 'simulator', 'bench', 'test', 'docs', 'examples', 'systemd', 'prometheus', 'scripts'];

/** Repo paths a markdown text names: words starting with a top-level folder, without placeholders or globs. */
export function repoPaths(md: string): string[] {
  const re = new RegExp(`(?<![\\w./-])((?:${TOP.join('|')})/[\\w./<>*{},-]*)`, 'g');
  const out = new Set<string>();
  for (const m of md.matchAll(re)) {
    const p = m[1]!.replace(/[.,:)]+$/, '');
    if (/[<>*{}]/.test(p)) continue;
    out.add(p.replace(/\/$/, ''));
  }
  return [...out];
}

/** A path in the docs may name a built .js for a .ts source. */
const exists = (p: string): boolean => fs.existsSync(path.join(ROOT, p)) || fs.existsSync(path.join(ROOT, p.replace(/\.js$/, '.ts')));

describe('paths in the docs exist', () => {
  it('the extraction finds paths and skips placeholders (it can fail)', () => {
    expect(repoPaths('see `agent/evidence/index.ts`, agent/evidence/<kind>/ and test/fixtures/*.log.').sort()).toEqual(['agent/evidence/index.ts']);
    expect(exists('agent/no-such-file.ts')).toBe(false);
  });
  for (const doc of DOCS) {
    const paths = repoPaths(fs.readFileSync(path.join(ROOT, doc), 'utf8'));
    it(`${doc} names repo paths`, () => expect(paths.length).toBeGreaterThan(3));
    it(`${doc}: every path it names exists`, () => expect(paths.filter((p) => !exists(p))).toEqual([]));
  }
});

describe('docs/architecture.md and the evidence registry', () => {
  const md = fs.readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');
  const kinds = fs.readdirSync(path.join(ROOT, 'agent/evidence'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  it('finds the kind folders', () => expect(kinds.length).toBeGreaterThan(20));
  const registry = fs.readFileSync(path.join(ROOT, 'agent/evidence/index.ts'), 'utf8');
  /** A kind folder is one the registry imports; the others (text/) are shared machinery. */
  const registered = kinds.filter((k) => registry.includes(`'./${k}/index.js'`));
  it('lists every evidence kind folder in its table of kinds', () => {
    expect(registered.length).toBeGreaterThan(20);
    expect(registered.filter((k) => !md.includes(`| \`${k}/\` |`))).toEqual([]);
  });
  it('names the registry where it is; every folder but text/ is registered', () => {
    expect(md).toContain('The registry (`agent/evidence/index.ts`)');
    expect(kinds.filter((k) => !registered.includes(k))).toEqual(['text']);
  });
  it('every `file` `symbol` pair it names: the symbol is in that file', () => {
    const pairs = [...md.matchAll(/`((?:agent|analyzers|simulator|scripts)\/[\w./-]+\.(?:ts|mjs))` `(\w+)`/g)].map((m) => [m[1]!, m[2]!] as const);
    expect(pairs.length).toBeGreaterThan(5);
    expect(pairs.filter(([f, s]) => !new RegExp(`\\b${s}\\b`).test(fs.readFileSync(path.join(ROOT, f), 'utf8')))).toEqual([]);
  });
});
