import { describe, expect, it } from 'vitest';
import { fitDrift, slopeToDrift, t3sigma, type FitSample } from '../../agent/measure/fit.js';
import { median } from '../../agent/util/stats.js';

/** Seeded normal noise (Box–Muller over an LCG) so every run sees the same data. */
function gauss(seed: number): () => number {
  let x = seed >>> 0;
  const u = (): number => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return (x + 0.5) / 2 ** 32;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** Offsets of a clock with rate error e against a perfect reference: offset = ref − local. */
function series(e: number, n: number, dt: number, noise: number, seed = 1, offset0 = 0.0123): FitSample[] {
  const g = gauss(seed);
  const out: FitSample[] = [];
  for (let i = 0; i < n; i++) {
    const local = i * dt; // local elapsed time
    const ref = local / (1 + e); // the reference's elapsed time while the local clock shows `local`
    out.push({ t: local, offset: offset0 + ref - local + noise * g() });
  }
  return out;
}

describe('fitDrift', () => {
  it('needs three samples and a time span', () => {
    expect(fitDrift([])).toBeNull();
    expect(fitDrift([{ t: 0, offset: 0 }, { t: 1, offset: 0 }])).toBeNull();
    expect(fitDrift([{ t: 1, offset: 0 }, { t: 1, offset: 1 }, { t: 1, offset: 2 }])).toBeNull();
  });

  it('recovers the VirtualBox case exactly, not to first order', () => {
    const e = 3_400_109_000 / 3_478_274_491 - 1; // −22 472 ppm (model.md S1)
    const f = fitDrift(series(e, 61, 1, 0));
    expect(f).not.toBeNull();
    expect(f!.driftPpm).toBeCloseTo(e * 1e6, 3);
    // −slope would be off by ~505 ppm here.
    expect(Math.abs(-f!.slope * 1e6 - e * 1e6)).toBeGreaterThan(400);
    expect(f!.steps).toEqual([]);
  });

  it('slopeToDrift inverts offset = ref − local', () => {
    expect(slopeToDrift(0)).toBe(0);
    expect(slopeToDrift(1 / (1 - 0.5) - 1)).toBeCloseTo(-0.5, 12);
  });

  it('puts the truth inside the printed 3σ interval in nearly every trial', () => {
    let inside = 0;
    const trials = 300;
    const widths: number[] = [];
    for (let k = 0; k < trials; k++) {
      const e = (k % 7 - 3) * 13e-6;
      const f = fitDrift(series(e, 31, 1, 50e-6, 1000 + k))!;
      widths.push(f.uncertaintyPpm!);
      if (Math.abs(f.driftPpm - e * 1e6) <= f.uncertaintyPpm!) inside++;
    }
    // Nominal 99.7 %; allow sampling error but catch an interval that is too narrow.
    expect(inside / trials).toBeGreaterThanOrEqual(0.97);
    // And not uselessly wide: σ_slope = 50 µs / sqrt(Σ(t − t̄)²) = 50e-6/sqrt(2480) ≈ 1.0 ppm → 3σ ≈ 3 ppm.
    expect(median(widths)).toBeLessThan(5);
    expect(median(widths)).toBeGreaterThan(2);
  });

  it('widens the interval for correlated noise (wandering queueing delay)', () => {
    let inside = 0;
    const trials = 200;
    for (let k = 0; k < trials; k++) {
      const g = gauss(5000 + k);
      let a = 0;
      const s: FitSample[] = [];
      for (let i = 0; i < 61; i++) {
        a = 0.5 * a + Math.sqrt(0.75) * g();
        s.push({ t: i, offset: i / (1 + 20e-6) - i + 50e-6 * a });
      }
      const f = fitDrift(s)!;
      if (Math.abs(f.driftPpm - 20) <= f.uncertaintyPpm!) inside++;
    }
    expect(inside / trials).toBeGreaterThanOrEqual(0.97);
  });

  it('ignores outliers', () => {
    const s = series(-37e-6, 60, 1, 20e-6, 7);
    for (const i of [5, 17, 18, 40]) (s[i] as FitSample).offset += 0.05 * (i % 2 ? 1 : -1);
    const f = fitDrift(s)!;
    expect(f.outliers).toBeGreaterThanOrEqual(4);
    expect(f.steps).toEqual([]);
    expect(Math.abs(f.driftPpm + 37)).toBeLessThan(f.uncertaintyPpm!);
  });

  it('finds steps made by a synchroniser and fits one slope across them', () => {
    // timesyncd-style sawtooth (model.md S9 scaled): the clock loses 22 472 ppm and is stepped forward
    // whenever it is 0.4 s behind.
    const e = -0.022472;
    const out: FitSample[] = [];
    let correction = 0;
    const g = gauss(3);
    const stepsAt: number[] = [];
    for (let i = 0; i < 120; i++) {
      const local = i;
      let offset = local / (1 + e) - local - correction;
      if (offset > 0.4) {
        correction += offset;
        offset = 0;
        stepsAt.push(i);
      }
      out.push({ t: local, offset: offset + 30e-6 * g() });
    }
    const f = fitDrift(out)!;
    expect(f.steps.map((s) => s.index)).toEqual(stepsAt);
    for (const st of f.steps) expect(st.offsetJumpSeconds).toBeLessThan(-0.35);
    expect(Math.abs(f.driftPpm - e * 1e6)).toBeLessThan(Math.max(f.uncertaintyPpm!, 1));
    expect(f.segments).toBe(stepsAt.length + 1);
    // The offset now is the fitted value at the last sample, near 0…0.4 s.
    expect(f.offsetNowSeconds).toBeGreaterThanOrEqual(-0.01);
    expect(f.offsetNowSeconds).toBeLessThan(0.41);
  });

  it('takes known breaks even when they are small', () => {
    const s = series(10e-6, 40, 1, 5e-6, 9);
    for (let i = 20; i < 40; i++) (s[i] as FitSample).offset -= 0.0005;
    const without = fitDrift(s)!;
    const withBreak = fitDrift(s, { breaks: [20] })!;
    expect(without.steps).toEqual([]);
    expect(withBreak.steps.map((x) => x.index)).toEqual([20]);
    expect(Math.abs(withBreak.driftPpm - 10)).toBeLessThan(withBreak.uncertaintyPpm!);
    expect(Math.abs(without.driftPpm - 10)).toBeGreaterThan(Math.abs(withBreak.driftPpm - 10));
  });

  it('on long windows, sampling Theil–Sen pairs (maxPairs) keeps the answer right and reproducible', () => {
    // Its speed is a bench number (npm run bench -- measure), not a test: here, that bounding the pairs
    // costs no correctness and that the sampling is seeded (the same window gives the same fit).
    const s = series(-5e-6, 2000, 1, 20e-6, 11);
    const f = fitDrift(s, { maxPairs: 20_000 })!;
    expect(Math.abs(f.driftPpm + 5)).toBeLessThan(f.uncertaintyPpm!);
    expect(fitDrift(s, { maxPairs: 20_000 })).toEqual(f);
    const more = fitDrift(s, { maxPairs: 100_000 })!;
    expect(Math.abs(f.driftPpm - more.driftPpm)).toBeLessThan(f.uncertaintyPpm!);
  });

  it('t3sigma tends to 3 and grows for few degrees of freedom', () => {
    expect(t3sigma(1000)).toBeCloseTo(3, 1);
    expect(t3sigma(5)).toBeGreaterThan(5);
    expect(t3sigma(5)).toBeLessThan(6);
    expect(t3sigma(2)).toBeGreaterThan(t3sigma(3));
  });
});

describe('fitDrift with a growing path asymmetry', () => {
  // No real drift: every offset is biased by half the extra round trip, which grows steadily (queues
  // filling as the machine gets busier) — 40 µs over 20 s would pass for a 2 ppm drift.
  const n = 41;
  const samples = Array.from({ length: n }, (_, i) => {
    const t = i * 0.5;
    const asym = (40e-6 * t) / 20;
    const noise = ((i * 7919) % 13 - 6) * 1e-7;
    return { t, offset: asym + noise, asymmetrySeconds: asym };
  });

  it('widens the uncertainty so the truth (0) stays covered', () => {
    const fit = fitDrift(samples)!;
    expect(Math.abs(fit.driftPpm)).toBeGreaterThan(1.5);
    expect(fit.uncertaintyPpm!).toBeGreaterThanOrEqual(Math.abs(fit.driftPpm));
  });

  it('without the asymmetry bound the same offsets look like a confident drift', () => {
    const fit = fitDrift(samples.map(({ t, offset }) => ({ t, offset })))!;
    expect(fit.uncertaintyPpm!).toBeLessThan(Math.abs(fit.driftPpm));
  });
});
