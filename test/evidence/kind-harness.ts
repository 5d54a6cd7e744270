/**
 * Running one kind of evidence the way `analyze` does — through the text router, so prompts set the
 * context of the lines below them — and the checks every command-output kind shares: it never throws
 * on arbitrary text, and it never claims the lines of another kind's real files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import fc from 'fast-check';
import { kindNamed } from '../../agent/evidence/index.js';
import { createRouter } from '../../agent/evidence/text/router.js';
import { parseText } from '../../agent/evidence/text/lines.js';
import { readString } from '../../agent/gather/text.js';

export const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures');

/** Facts and recognised count of one kind over a text; facts null when the kind recognised nothing. */
export function parseWith<F>(kind: string, text: string, file: string | null = 'paste.txt'): { facts: F | null; recognised: number } {
  const k = kindNamed(kind);
  if (k === undefined || k.createParser === null) throw new Error(`no parser for ${kind}`);
  const r = parseText(createRouter([{ name: kind, parser: k.createParser(file) }]), text);
  const s = r.sections.find((x) => x.name === kind);
  if (r.errors.length > 0) throw r.errors[0]!.error as Error;
  return { facts: (s?.facts as F | undefined) ?? null, recognised: s?.recognised ?? 0 };
}

/** The kind's facts of a fixture file (test/fixtures/<rel>). */
export function fixture<F>(kind: string, rel: string): F {
  const text = fs.readFileSync(path.join(FIXTURES, rel), 'utf8');
  const { facts } = parseWith<F>(kind, text, rel);
  if (facts === null) throw new Error(`${kind} recognised nothing in ${rel}`);
  return facts;
}

/** The kinds `analyze` reads from a text (every kind, as a user's paste is read). */
export function kindsOf(text: string): string[] {
  return readString('paste.txt', text).status.kinds;
}

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Real files of other kinds (kernel logs, VBox.logs, cpuinfo, timer_list, the live capture) and of other command kinds. */
export function foreignFiles(except: readonly string[] = []): string[] {
  const dirs = ['dmesg', 'vbox', 'cpuinfo', 'timer_list', 'live', 'uname', 'lscpu', 'hwclock', 'ptp', 'date', 'packages', 'versions', 'virt', 'cmdline'].filter((d) => !except.includes(d));
  return dirs.flatMap((d) => walk(path.join(FIXTURES, d))).filter((f) => !f.endsWith('SOURCE.md') && !f.endsWith('MANIFEST.tsv'));
}

/** The kind recognises nothing in these files. */
export function expectNoClaims(kind: string, files: readonly string[]): void {
  expect(files.length).toBeGreaterThan(10);
  for (const f of files) {
    const { recognised } = parseWith(kind, fs.readFileSync(f, 'utf8'), f);
    expect({ file: path.relative(FIXTURES, f), recognised }).toEqual({ file: path.relative(FIXTURES, f), recognised: 0 });
  }
}

/** Property (fixed seed): arbitrary text and arbitrary lines of prompts and pieces never make the parser throw. */
export function expectNeverThrows(kind: string, pieces: readonly string[], seed: number): void {
  const line = fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom(...pieces), fc.constantFrom(...pieces).map((p) => `$ ${p}`));
  fc.assert(fc.property(fc.array(line, { maxLength: 40 }), (lines) => {
    parseWith(kind, lines.join('\n'));
  }), { numRuns: 300, seed });
}
