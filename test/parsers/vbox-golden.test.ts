/**
 * Golden facts for every real VBox.log in test/fixtures/vbox, plus the corpus MANIFEST's own columns
 * (written by whoever collected the logs, independently of this parser) asserted against the facts.
 * Regenerate the goldens deliberately with `UPDATE_GOLDEN=1 npx vitest run test/parsers/vbox-golden.test.ts`
 * and review the diff by hand.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFile } from '../../agent/sources/file.js';
import { createVboxParser } from '../../agent/evidence/vbox/parser.js';
import { readGolden } from '../helpers/golden.js';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures', 'vbox');
const GOLDEN = path.resolve(import.meta.dirname, '..', 'golden', 'vbox');

interface ManifestRow {
  file: string;
  cTSCTicksPerSecond: string;
  gip: string;
  mode: string;
  provider: string;
  brand: string;
  version: string;
}

function manifest(): ManifestRow[] {
  const lines = fs.readFileSync(path.join(FIXTURES, 'MANIFEST.tsv'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  return lines.slice(1).map((l) => {
    const c = l.split('\t');
    return {
      file: (c[0] ?? '').replace(/^vbox\//, ''),
      cTSCTicksPerSecond: c[4] ?? '', gip: c[5] ?? '', mode: c[6] ?? '', provider: c[7] ?? '', brand: c[8] ?? '', version: c[9] ?? '',
    };
  });
}

const firstInt = (s: string): number | null => {
  const m = /^(\d+)/.exec(s.trim());
  return m === null ? null : Number(m[1]);
};

const MODE_NAMES: Record<string, string> = {
  VirtTscEmulated: 'VirtTscEmulated', VirtTSCEmulated: 'VirtTscEmulated', RealTscOffset: 'RealTscOffset', RealTSCOffset: 'RealTscOffset',
  Dynamic: 'Dynamic', NativeApi: 'NativeApi',
};

const rows = manifest();

describe('VBox.log corpus', () => {
  it('has a MANIFEST row for every fixture log', () => {
    const logs = fs.readdirSync(FIXTURES).filter((f) => /^v\d/.test(f)).sort();
    expect(rows.map((r) => r.file).sort()).toEqual(logs);
  });

  it.each(rows.map((r) => [r.file, r]))('%s matches the MANIFEST', (_file, row) => {
    const r = row as ManifestRow;
    const { facts } = parseFile(path.join(FIXTURES, r.file), createVboxParser(r.file));

    expect(facts.tscTicksPerSecond).toBe(firstInt(r.cTSCTicksPerSecond));
    expect(facts.gipCpuHz).toBe(firstInt(r.gip));
    const modeName = /\(([A-Za-z]+)\)/.exec(r.mode)?.[1];
    if (/^\d/.test(r.mode)) expect(facts.tscMode).toBe(MODE_NAMES[modeName ?? '']);
    else if (r.mode.startsWith('n/a')) expect(facts.tscMode).toBe('VirtTscEmulated'); // ≤4.3 flags, mapped (vbox-values.ts)
    else expect(facts.tscMode).toBeNull();
    if (r.provider.startsWith('n/a')) expect(facts.paravirtProvider).toBeNull();
    else expect(facts.paravirtProvider).toBe(r.provider === '-' ? null : r.provider);
    expect(facts.cpuBrand).toBe(r.brand === '-' ? null : r.brand);
    if (r.version.startsWith('unknown')) expect(facts.version).toBeNull();
    else expect(`${facts.versionRaw} r${facts.revision} ${facts.hostTarget}`).toBe(r.version);
  });

  it.each(rows.map((r) => [r.file]))('%s equals its golden facts', (file) => {
    const { facts } = parseFile(path.join(FIXTURES, file as string), createVboxParser(file as string));
    const goldenFile = path.join(GOLDEN, `${file as string}.json`);
    const text = `${JSON.stringify(facts, null, 2)}\n`;
    expect(JSON.parse(text)).toEqual(JSON.parse(readGolden(goldenFile, text)));
  });
});
