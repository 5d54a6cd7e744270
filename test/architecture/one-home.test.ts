/**
 * One derivation per number: a constant of the kernel or a hypervisor that lives in
 * agent/util/timekeeping.ts (the leaf everything may import) is not defined again anywhere else —
 * the model, rules and parsers import it, so a correction lands everywhere at once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { tsFiles } from './tree.js';

const HOME = 'agent/util/timekeeping.ts';

/** Files allowed a local copy (none: every constant is imported from its home). */
const PENDING: Record<string, string[]> = {};


const names = [...fs.readFileSync(path.join(ROOT, HOME), 'utf8').matchAll(/export const ([A-Z][A-Z0-9_]+)\s*=/g)].map((m) => m[1]!);
const redefines = (src: string, name: string): boolean => new RegExp(`\\b(?:const|let|var)\\s+${name}\\s*=`).test(src);

describe(`constants in ${HOME} have one home`, () => {
  it('finds the shared constants', () => expect(names).toEqual(expect.arrayContaining(['KERNEL_MAXFREQ', 'VBOX_CATCH_UP_GIVE_UP_SECONDS', 'ACPI_PM_HZ'])));
  it('the check sees a redefinition (it can fail)', () => {
    expect(redefines('const KERNEL_MAXFREQ = 500e-6;', 'KERNEL_MAXFREQ')).toBe(true);
    expect(redefines("export { KERNEL_MAXFREQ } from '../agent/util/timekeeping.js';", 'KERNEL_MAXFREQ')).toBe(false);
  });
  const files = ['agent', 'analyzers', 'simulator', 'bench'].flatMap(tsFiles).filter((f) => f !== HOME);
  it.each(files.map((f) => [f]))('%s defines none of them again', (file) => {
    const src = fs.readFileSync(path.join(ROOT, file), 'utf8');
    expect(names.filter((n) => redefines(src, n))).toEqual(PENDING[file] ?? []);
  });
});
