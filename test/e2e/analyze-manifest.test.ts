/**
 * An independent check of what `analyze` reports for every real VBox.log: the corpus MANIFEST
 * (written by hand from each file, test/fixtures/vbox/MANIFEST.tsv) names the rate, GIP value, TSC
 * mode and paravirt provider; the analysis must agree, and a real log must not raise a critical
 * finding unless the MANIFEST says it is a problem case.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInputs } from '../../agent/gather/index.js';
import { diagnose } from '../../agent/diagnose.js';
import { ROOT } from '../helpers/cli.js';

const MODES: Record<string, string> = { '1': 'VirtTscEmulated', '2': 'RealTscOffset', '3': 'Dynamic', '4': 'NativeApi' };

function manifest(): Record<string, string>[] {
  const [head, ...rows] = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'vbox', 'MANIFEST.tsv'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  const keys = (head ?? '').split('\t');
  return rows.map((r) => Object.fromEntries(r.split('\t').map((v, i) => [keys[i] ?? `c${i}`, v])));
}

const num = (s: string | undefined): number | null => {
  const m = /^([\d ]+)/.exec(s ?? '');
  return m && m[1]!.trim() !== '' ? Number(m[1]!.replace(/ /g, '')) : null;
};

describe('analyze agrees with the corpus MANIFEST', () => {
  const rows = manifest().filter((r) => (r.file ?? '').startsWith('vbox/') && fs.existsSync(path.join(ROOT, 'test', 'fixtures', 'vbox', path.basename(r.file ?? ''))));
  it('has rows to check', () => expect(rows.length).toBeGreaterThan(20));
  it.each(rows.map((r) => [path.basename(r.file ?? ''), r] as const))('%s', async (name, r) => {
    const { subjects, inputs } = await readInputs([path.join(ROOT, 'test', 'fixtures', 'vbox', name)]);
    expect(inputs[0]).toMatchObject({ kind: 'vbox', status: 'ok' });
    const facts = subjects[0]!.facts;
    const v = facts.vbox!;
    const tsc = num(r.cTSCTicksPerSecond);
    if (tsc !== null) expect(v.tscTicksPerSecond).toBe(tsc);
    const gip = num(r.gip_u64CpuHz);
    if (gip !== null) expect(v.gipCpuHz).toBe(gip);
    const mode = /^(\d)/.exec(r.enmTSCMode ?? '')?.[1];
    if (mode !== undefined) expect(v.tscMode).toBe(MODES[mode]);
    if (['None', 'KVM', 'HyperV', 'Minimal'].includes(r.gim_provider ?? '')) expect(v.paravirtProvider).toBe(r.gim_provider);
    const result = diagnose(facts, { inputs });
    expect(result.findings.filter((f) => f.severity === 'critical').map((f) => f.id)).toEqual([]);
  });
});
