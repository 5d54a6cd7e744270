import { describe, expect, it } from 'vitest';
import { ANALYZERS, runAnalyzers } from '../../analyzers/index.js';
import type { Analyzer } from '../../agent/findings.js';
import { documentedVbox, facts } from './helpers.js';

describe('runAnalyzers', () => {
  it('skips analyzers whose evidence is absent, with the reason', () => {
    const r = runAnalyzers(facts());
    expect(r.findings).toEqual([]);
    expect(r.skipped.map((s) => s.analyzer).sort()).toEqual(ANALYZERS.map((a) => a.id).sort());
    expect(r.skipped.find((s) => s.analyzer === 'ticks')!.reason).toBe('no timer-list evidence');
  });

  it('a throwing analyzer is reported, not fatal', () => {
    const bad: Analyzer = { id: 'bad', needs: [], run: () => { throw new Error('boom'); } };
    expect(runAnalyzers(facts(), undefined, [bad]).skipped).toEqual([{ analyzer: 'bad', reason: 'failed: boom' }]);
  });

  it('every finding carries evidence and at least one fix', () => {
    const r = runAnalyzers(facts({ vbox: documentedVbox(), user: { hostTscHz: 3_400_109_000 } }));
    expect(r.findings.length).toBeGreaterThan(0);
    for (const f of r.findings) {
      expect(f.evidence.length).toBeGreaterThan(0);
      expect(f.fixes.length).toBeGreaterThan(0);
      expect(f.id).toMatch(/^[A-Z][A-Z0-9_]+$/);
    }
  });
});
