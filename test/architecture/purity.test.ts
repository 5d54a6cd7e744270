/**
 * House rules as tests: parsers, analyzers and the simulator are pure, and only agent/roots.ts names
 * /proc or /sys. A rule that is only written down erodes; this one fails the build instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { tsFiles } from './tree.js';


/** Source text without comments, so prose about /proc or fs does not count. */
function code(file: string): string {
  return fs
    .readFileSync(path.join(ROOT, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

const IMPURE_MODULES = /from\s+['"](?:node:)?(fs|fs\/promises|child_process|net|http|https|http2|dgram|tls|os|worker_threads|execa|systeminformation|node-cron|prom-client)['"]/;
const CLOCK = /\b(Date\.now|new Date\(\s*\)|performance\.now|process\.hrtime|setTimeout|setInterval)\b/;
/**
 * Parsers live in agent/evidence/<kind>/ next to the kind's source.ts (the only I/O of a kind); every
 * other file there (parser, facts, rules, descriptor) is pure, as are derived values, rules and the model.
 */
const PURE_DIRS = ['agent/evidence', 'agent/derive', 'analyzers', 'simulator'];
const isSource = (f: string): boolean => /(^|\/)source\.ts$/.test(f);

describe('pure layers', () => {
  const files = PURE_DIRS.flatMap(tsFiles).filter((f) => !isSource(f));

  it('finds the pure layers, parsers included', () => {
    for (const dir of PURE_DIRS) expect(files.some((f) => f.startsWith(`${dir}/`)), dir).toBe(true);
    expect(files.filter((f) => /^agent\/evidence\/[^/]+\/parser\.ts$/.test(f)).length).toBeGreaterThan(20);
  });

  it('the I/O and clock patterns match what they are meant to (they can fail)', () => {
    expect("import fs from 'node:fs';").toMatch(IMPURE_MODULES);
    expect("import { readFile } from 'fs/promises';").toMatch(IMPURE_MODULES);
    expect('const t = Date.now();').toMatch(CLOCK);
    expect("import { x } from './fsm.js';").not.toMatch(IMPURE_MODULES);
  });

  it.each(files.map((f) => [f]))('%s imports no I/O module', (file) => {
    expect(code(file)).not.toMatch(IMPURE_MODULES);
  });

  it.each(files.map((f) => [f]))('%s does not read the clock', (file) => {
    expect(code(file)).not.toMatch(CLOCK);
  });
});

describe('roots', () => {
  const files = ['agent', 'analyzers', 'simulator'].flatMap(tsFiles).filter((f) => f !== path.join('agent', 'roots.ts'));

  it.each(files.map((f) => [f]))('%s has no /proc or /sys path literal', (file) => {
    expect(code(file)).not.toMatch(/['"`]\/(?:proc|sys)(?:\/|['"`])/);
  });
});
