/**
 * One truth per number (issue 11 §4): the rules about the prediction (analyzers/prediction.ts), the
 * check of a user's --host-tsc-hz (agent/derive/user-rate.ts), and — over every log of the corpus
 * and the fixtures, with no --host-tsc-hz, a wild one and a plausible but disagreeing one — that the
 * verdict never contradicts the prediction.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInputs } from '../../agent/gather/index.js';
import { diagnose, diagnoseSubjects, exitCodeFor } from '../../agent/diagnose.js';
import { derive } from '../../agent/derive/index.js';
import { checkUserRate } from '../../agent/derive/user-rate.js';
import { driftExceedsCorrector, userRateContradicts } from '../../analyzers/prediction.js';
import type { Prediction } from '../../simulator/prediction.js';
import type { SubjectResult } from '../../agent/result.js';
import { documentedVbox, facts, kernelLog, timesync } from './helpers.js';

const pred = (driftPpm: number | null, absorb: Prediction['absorb'], over: Partial<Prediction> = {}): Prediction => ({
  clocksource: 'tsc', driftPpm, secondsPerDay: null, guestSecondsPer300: null, fiveMinutesReadsAs: null, perClocksource: [], corrected: null,
  absorb, reference: 'host-clock', explanation: [], assumptions: [], ...over,
});

describe('PREDICTED_DRIFT_EXCEEDS_CORRECTOR', () => {
  const d = derive(facts());
  it('beyond what the corrector absorbs: at least a warning; beyond any corrector on strong evidence: critical', () => {
    expect(driftExceedsCorrector(facts(), d, pred(-600, { ppm: 500, by: 'none', beyond: true }))[0]).toMatchObject({ severity: 'warning', data: { absorbBy: 'none', absorbPpm: 500 } });
    expect(driftExceedsCorrector(facts(), d, pred(-150_000, { ppm: 100_000, by: 'chrony', beyond: true }))[0]?.severity).toBe('critical');
  });
  it('within what it absorbs, or no figure: nothing', () => {
    expect(driftExceedsCorrector(facts(), d, pred(-22_472, { ppm: 100_000, by: 'chrony', beyond: false }))).toEqual([]);
    expect(driftExceedsCorrector(facts(), d, pred(null, null))).toEqual([]);
    expect(driftExceedsCorrector(facts(), d, null)).toEqual([]);
  });
  it('offers chrony only when it is not already running and could follow the error', () => {
    const withChrony = facts({ timesync: timesync([{ name: 'chronyd', pid: 1, cmdline: 'chronyd' }]) });
    expect(driftExceedsCorrector(withChrony, d, pred(-600, { ppm: 500, by: 'ntpd', beyond: true }))[0]!.fixes.map((f) => f.where)).toEqual(['host']);
    expect(driftExceedsCorrector(facts(), d, pred(-600, { ppm: 500, by: 'ntpd', beyond: true }))[0]!.fixes.map((f) => f.where)).toEqual(['host', 'guest']);
  });
  it('the documented case end to end: the finding carries the prediction\'s own number', () => {
    const r = diagnose(facts({ vbox: documentedVbox(), user: { hostTscHz: 3_400_109_000 } }));
    const f = r.findings.find((x) => x.id === 'PREDICTED_DRIFT_EXCEEDS_CORRECTOR');
    expect(f?.data?.driftPpm).toBe(Math.round((r.prediction?.driftPpm ?? 0) * 10) / 10);
    expect(r.prediction?.absorb).toEqual({ ppm: 500, by: 'none', beyond: true });
  });
});

describe('--host-tsc-hz held to the evidence', () => {
  const est = (f: ReturnType<typeof facts>) => derive({ ...f, user: { hostTscHz: null } }).tsc.host;
  it('a value no TSC has is refused outright', () => {
    const f = facts({ vbox: documentedVbox(), user: { hostTscHz: 500_000 } });
    expect(checkUserRate(f, derive(f).tsc.claimed, est(f), 'guest')).toMatchObject({ accepted: false, against: null });
    expect(derive(f).tsc.host.source).not.toBe('user');
  });
  it('against a host\'s own refined calibration 1 % is the limit; against a guest\'s view a factor of 1.5', () => {
    const host = facts({ kernelLog: kernelLog({ tscRefinedKhz: 3_400_000 }), user: { hostTscHz: 3_500_000_000 } });
    expect(checkUserRate(host, null, est(host), 'host')?.accepted).toBe(false);
    expect(checkUserRate(host, null, est(host), 'guest')?.accepted).toBe(true);
    const far = facts({ kernelLog: kernelLog({ tscRefinedKhz: 3_400_000 }), user: { hostTscHz: 340_000_000 } });
    expect(checkUserRate(far, null, est(far), 'guest')).toMatchObject({ accepted: false, against: { hz: 3_400_000_000 } });
  });
  it('the documented correction (2.2 % below VirtualBox\'s claim) is accepted and used', () => {
    const f = facts({ vbox: documentedVbox(), user: { hostTscHz: 3_400_109_000 } });
    expect(derive(f).tsc.user?.accepted).toBe(true);
    expect(derive(f).tsc.host.source).toBe('user');
  });
  it('a contradicted value is a warning that names both rates; the prediction does not use it', () => {
    const f = facts({ vbox: documentedVbox(), user: { hostTscHz: 34_001_090_000 } });
    const [w] = userRateContradicts(derive(f));
    expect(w).toMatchObject({ id: 'USER_HOST_TSC_HZ_CONTRADICTS_EVIDENCE', severity: 'warning' });
    expect(w!.detail).toMatch(/34 001 090 000|10\.00×|× of/);
    const r = diagnose(f);
    expect(Math.abs(r.prediction?.perClocksource.find((c) => c.clocksource === 'kvm-clock')?.driftPpm ?? 0)).toBeLessThan(100_000);
  });
});

/** Every log this test reads: the shared corpus when the machine has it, our fixtures and cases always. */
function logs(): string[] {
  const root = path.resolve(import.meta.dirname, '..');
  const walk = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)])) : []);
  const fixtures = ['vbox', 'vmware', 'dmesg', 'cpuinfo', 'timer_list'].flatMap((d) => walk(path.join(root, 'fixtures', d)));
  const cases = walk(path.join(root, 'cases')).filter((f) => !/case\.json$|SOURCE\.md$|\.ts$/.test(f));
  const corpus = walk('/work/shared/corpus').filter((f) => !/MANIFEST\.tsv$/.test(f));
  return [...corpus, ...fixtures, ...cases].filter((f) => !/\.(md|tsv)$/.test(f)).sort();
}

/** The rate a disagreeing user would type: 30 % off what the evidence uses (or off 3 GHz without any). */
function plausibleWrong(s: SubjectResult): number {
  const base = s.derived.tsc.claimed?.hz ?? s.derived.tsc.host.hz ?? 3e9;
  return Math.round(base * 1.3);
}

function checkSubject(s: SubjectResult, code: number, label: string): void {
  const p = s.prediction;
  const ids = s.findings.map((f) => f.id);
  const worst = Math.max(0, ...s.findings.map((f) => (f.severity === 'critical' ? 2 : f.severity === 'warning' ? 1 : 0)));
  if (p !== null) {
    for (const c of p.perClocksource) {
      if (c.driftPpm === null) {
        expect(c.unknownBecause, `${label}: ${c.clocksource} null without a reason`).toBeTruthy();
        expect([c.secondsPerDay, c.guestSecondsPer300, c.fiveMinutesReadsAs], label).toEqual([null, null, null]);
      } else {
        expect(Number.isFinite(c.driftPpm), label).toBe(true);
        expect(Math.abs(c.driftPpm), `${label}: ${c.clocksource} ${c.driftPpm} ppm is a wild prediction`).toBeLessThan(1e6);
      }
    }
    // The verdict never contradicts the prediction: a drift beyond what time sync absorbs is at least a warning.
    if (p.driftPpm !== null && p.absorb?.beyond === true) {
      expect(ids, label).toContain('PREDICTED_DRIFT_EXCEEDS_CORRECTOR');
      expect(worst, label).toBeGreaterThanOrEqual(1);
      expect(code, label).toBeGreaterThanOrEqual(1);
    }
    if (p.driftPpm !== null && p.absorb !== null && p.absorb !== undefined) expect(p.absorb.beyond, label).toBe(Math.abs(p.driftPpm) > p.absorb.ppm);
    // A rule's number for the paravirt clock is the model's.
    const mismatch = s.findings.find((f) => f.id === 'VBOX_TSC_FREQUENCY_MISMATCH');
    const kvm = p.perClocksource.find((c) => c.clocksource === 'kvm-clock' && c.driftPpm !== null);
    if (mismatch !== undefined && kvm !== undefined && String(mismatch.data?.affectedClocksources ?? '').includes('kvm-clock')) {
      expect(Math.abs((mismatch.data?.driftPpm as number) - (kvm.driftPpm as number)), label).toBeLessThan(1);
    }
  }
  const u = s.derived.tsc.user;
  // With no evidence at all the rules do not run (nothing to judge); the model predicts nothing either.
  const anyEvidence = Object.entries(s.facts).some(([k, v]) => k !== 'user' && v !== null);
  if (u !== null && !u.accepted && anyEvidence) {
    expect(ids, label).toContain('USER_HOST_TSC_HZ_CONTRADICTS_EVIDENCE');
    expect(s.derived.tsc.host.source, label).not.toBe('user');
  }
}

describe('the verdict never contradicts the prediction, on every log we have', () => {
  const files = logs();
  it('finds the logs', () => expect(files.length).toBeGreaterThan(30));
  it.each(files.map((f) => [path.relative(path.resolve(import.meta.dirname, '..', '..'), f), f]))('%s', async (_rel, file) => {
    const plain = await readInputs([file]);
    const first = diagnoseSubjects(plain.subjects, { inputs: plain.inputs });
    const runs: [string, number | undefined][] = [['no --host-tsc-hz', undefined], ['--host-tsc-hz 500000', 500_000]];
    if (first.subjects[0] !== undefined) runs.push([`--host-tsc-hz ×1.3`, plausibleWrong(first.subjects[0])]);
    for (const [label, hz] of runs) {
      const read = hz === undefined ? plain : await readInputs([file], { hostTscHz: hz });
      const r = hz === undefined ? first : diagnoseSubjects(read.subjects, { inputs: read.inputs });
      const code = exitCodeFor(r);
      for (const s of r.subjects) checkSubject(s, code, `${path.basename(file)} ${label} ${s.id}`);
    }
  });
});
