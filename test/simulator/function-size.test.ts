/**
 * House rule as a test: no function of the model (simulator/), of the VMware kinds and rules, or of
 * the prediction rule is longer than 150 lines. A 400-line closure hides which piece does what; the
 * goldens prove the split changed no result (issue 12 §1).
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const MAX_LINES = 150;

function tsFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  if (fs.statSync(abs).isFile()) return [dir];
  return fs.readdirSync(abs, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

/** Every function-like node with its name and its length in lines. */
export function functionLengths(file: string, text: string): { name: string; lines: number }[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const out: { name: string; lines: number }[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) && 'body' in n && n.body !== undefined) {
      const start = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(n.getEnd()).line;
      const name = n.name !== undefined && ts.isIdentifier(n.name) ? n.name.text : `<anonymous at ${start + 1}>`;
      out.push({ name, lines: end - start + 1 });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

const FILES = [
  'simulator',
  'agent/evidence/vmware',
  'agent/evidence/vmtools',
  'analyzers/vmware.ts',
  'analyzers/vmware-tools.ts',
  'analyzers/prediction.ts',
].flatMap(tsFiles);

describe(`no function over ${MAX_LINES} lines`, () => {
  it('finds the files', () => {
    expect(FILES.length).toBeGreaterThan(10);
  });
  it('measures what it should (a long function is caught)', () => {
    const long = `function f() {\n${'  x++;\n'.repeat(200)}}\n`;
    expect(functionLengths('x.ts', long)[0]?.lines).toBe(202);
  });
  it.each(FILES.map((f) => [f]))('%s', (file) => {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    const over = functionLengths(file, text).filter((f) => f.lines > MAX_LINES).map((f) => `${f.name} (${f.lines} lines)`);
    expect(over).toEqual([]);
  });
});
