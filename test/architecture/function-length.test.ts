/**
 * No function, method or arrow over 150 lines in agent/, analyzers/, simulator/ or bench/. A long
 * function hides its steps; small named ones can be read, tested and reused. The walk uses the
 * TypeScript AST (not line regexes), so nested arrows, getters and class methods all count, each
 * measured on its own from its first to its last line.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { tsFiles } from './tree.js';

const MAX_LINES = 150;
const DIRS = ['agent', 'analyzers', 'simulator', 'bench'];


/** A name for a function-like node good enough to find it: its own name, or the binding it is assigned to. */
function nameOf(node: ts.Node, sf: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText(sf);
  const parent = node.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))) return parent.name.getText(sf);
  return '<anonymous>';
}

/** Every function-like node longer than `max` lines, as "file:line name (N lines)". */
export function longFunctions(file: string, text: string, max: number): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && (node as ts.FunctionLikeDeclaration).body) {
      const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      if (lines > max) out.push(`${file}:${first + 1} ${nameOf(node, sf)} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

describe(`no function over ${MAX_LINES} lines`, () => {
  const files = DIRS.flatMap(tsFiles);
  it('finds the sources', () => expect(files.length).toBeGreaterThan(50));

  it('the walk sees functions, methods, arrows and accessors (it can fail)', () => {
    const body = Array.from({ length: 5 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const src = [
      `function f() {\n${body}\n}`,
      `class C { m() {\n${body}\n} get g() {\n${body}\nreturn 1; } }`,
      `const a = () => {\n${body}\n};`,
      `export const o = { p: function () {\n${body}\n} };`,
    ].join('\n');
    const found = longFunctions('x.ts', src, 4).map((s) => s.replace(/^x\.ts:\d+ /, '').replace(/ \(.*/, ''));
    expect(found.sort()).toEqual(['a', 'f', 'g', 'm', 'p']);
  });

  it.each(files.map((f) => [f]))('%s', (file) => {
    expect(longFunctions(file, fs.readFileSync(path.join(ROOT, file), 'utf8'), MAX_LINES)).toEqual([]);
  });
});
