/**
 * Offset-against-time fitting: drift with an uncertainty, steps, and the offset now. Pure.
 *
 * Input: samples of (t = local elapsed seconds, offset = reference − local clock, seconds). A clock that
 * runs at rate (1 + e) relative to the reference gives offset(t) = a + s·t with s = 1/(1 + e) − 1, so
 * e = 1/(1 + s) − 1 exactly (the first-order e ≈ −s would be 500 ppm wrong at VirtualBox's 22 472 ppm).
 *
 * Method: (1) a rough slope from the median of consecutive slopes (immune to a lone step or spike);
 * (2) steps = jumps far above the noise of consecutive differences that persist (the median level after
 * differs from the median level before) — a spike is an outlier, not a step; (3) a common slope across
 * segments by Theil–Sen over pairs within a segment; (4) outliers (> 5 robust σ) dropped; (5) the final
 * slope and its standard error by least squares on the inliers with one intercept per segment, the
 * error widened for autocorrelated residuals and by any disagreement with Theil–Sen, reported as a
 * 3σ (99.7 %) half-width — wide enough that a printed interval which misses the truth is a real finding.
 */

import { median } from '../util/stats.js';

/** One (time, offset) point. */
export interface FitSample {
  /** Local elapsed time, seconds. */
  t: number;
  /** Reference − local clock, seconds (> 0: the local clock is behind). */
  offset: number;
  /**
   * How far this offset can be off through path asymmetry (for NTP: (delay − best delay) / 2), when
   * known. A trend in it (queues filling as a machine gets busier) can pass for drift that the
   * residuals never show, so its slope widens the uncertainty.
   */
  asymmetrySeconds?: number;
}

export interface FitOptions {
  /** Offset jumps smaller than this are never steps (seconds). Default 1 ms. */
  minStepSeconds?: number;
  /** Jumps above this many robust σ of the sample-to-sample noise are step candidates. Default 10. */
  stepSigmas?: number;
  /** Indices where a step is known to have happened between sample i−1 and i (e.g. seen locally). */
  breaks?: readonly number[];
  /** Upper bound on Theil–Sen pairs (memory/CPU bound for long windows). Default 50 000. */
  maxPairs?: number;
}

/** A level shift of the offset between samples index−1 and index. */
export interface FitStep {
  index: number;
  /** Time of the first sample after the step. */
  atSeconds: number;
  /** Change of the offset (reference − local) across the step, seconds. */
  offsetJumpSeconds: number;
}

export interface FitResult {
  n: number;
  /** Samples used in the final fit. */
  inliers: number;
  outliers: number;
  segments: number;
  spanSeconds: number;
  /** d(offset)/dt. */
  slope: number;
  /** Local clock's rate error vs the reference, ppm (> 0: runs fast). */
  driftPpm: number;
  /** 3σ (99.7 %) half-width of driftPpm; null when too few samples to tell. */
  uncertaintyPpm: number | null;
  /** Fitted offset at the last sample (reference − local, seconds). */
  offsetNowSeconds: number;
  /** Robust σ of the residuals, seconds. */
  noiseSeconds: number;
  steps: FitStep[];
}

const DEFAULTS = { minStepSeconds: 0.001, stepSigmas: 10, maxPairs: 50_000 };
const MAD_TO_SIGMA = 1.4826;
const STEP_WINDOW = 5;
/** Samples after a jump that must agree before it is a step (fewer: it may be an outlier). */
const STEP_CONFIRM = 3;

function mad(xs: readonly number[]): number {
  const m = median(xs);
  return median(xs.map((x) => Math.abs(x - m)));
}

/**
 * Two-sided Student-t quantile matching ±3σ of a normal distribution (99.73 %) for `df` degrees of
 * freedom: a table for tiny df, the Cornish–Fisher expansion in 1/df above (within 2 % at df = 5).
 */
export function t3sigma(df: number): number {
  const small = [Number.POSITIVE_INFINITY, 235.8, 19.21, 9.22, 6.62];
  if (df < 1) return Number.POSITIVE_INFINITY;
  if (df < small.length) return small[Math.floor(df)] as number;
  const z = 3;
  const v = df;
  return (
    z +
    (z ** 3 + z) / (4 * v) +
    (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * v ** 2) +
    (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / (384 * v ** 3)
  );
}

/**
 * Newey–West standard error of a least-squares slope: centred regressors `x`, residuals `e`,
 * Sxx = Σx², Bartlett weights up to lag max(2·⌊n^(1/3)⌋, n/4) (a generous bandwidth: we would rather print too wide
 * an interval than one that misses).
 */
export function neweyWestSe(x: readonly number[], e: readonly number[], sxx: number): number {
  const n = x.length;
  if (n < 3 || !(sxx > 0)) return 0;
  const u = x.map((xi, i) => xi * (e[i] as number));
  const lags = Math.min(n - 1, Math.max(2 * Math.floor(Math.cbrt(n)), Math.floor(n / 4)));
  let v = 0;
  for (const ui of u) v += ui * ui;
  for (let l = 1; l <= lags; l++) {
    const w = 1 - l / (lags + 1);
    let c = 0;
    for (let i = l; i < n; i++) c += (u[i] as number) * (u[i - l] as number);
    v += 2 * w * c;
  }
  return Math.sqrt(Math.max(v, 0)) / sxx;
}

/** Deterministic pseudo-random numbers (LCG) so a fit is reproducible. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/** Slope → rate error of the local clock: e = 1/(1 + s) − 1. */
export function slopeToDrift(slope: number): number {
  return 1 / (1 + slope) - 1;
}

/**
 * |slope| of the per-sample asymmetry bound against time (least squares over inliers that state one):
 * how much drift a steady change in path delay could fake. 0 when fewer than 3 samples state it.
 */
function asymmetrySlope(samples: readonly FitSample[], inlier: readonly boolean[]): number {
  const pts = samples.filter((s, i) => inlier[i] && s.asymmetrySeconds !== undefined && Number.isFinite(s.asymmetrySeconds));
  if (pts.length < 3) return 0;
  const tm = pts.reduce((a, p) => a + p.t, 0) / pts.length;
  const am = pts.reduce((a, p) => a + (p.asymmetrySeconds as number), 0) / pts.length;
  let sxx = 0;
  let sxy = 0;
  for (const p of pts) {
    sxx += (p.t - tm) ** 2;
    sxy += (p.t - tm) * ((p.asymmetrySeconds as number) - am);
  }
  return sxx > 0 ? Math.abs(sxy / sxx) : 0;
}

/** The sorted, finite series a fit works on, and where steps are known to be. */
interface Series {
  samples: FitSample[];
  n: number;
  t: number[];
  y: number[];
  breaks: Set<number>;
}

/** Samples split at the steps: `segOf[i]` is sample i's segment, `bounds` each segment's [start, end). */
interface Segments {
  segOf: number[];
  bounds: [number, number][];
  count: number;
}

/** Per-segment means over the inliers, and the pooled least-squares sums. */
interface LeastSquares {
  sxx: number;
  slope: number;
  segMeans: { tm: number; ym: number; m: number }[];
  used: number;
}

/** (1) Rough slope: the median of consecutive slopes, not across a known break. */
function roughSlope({ n, t, y, breaks }: Series): number {
  const diffSlopes: number[] = [];
  for (let i = 1; i < n; i++) {
    const dt = (t[i] as number) - (t[i - 1] as number);
    if (dt > 0 && !breaks.has(i)) diffSlopes.push(((y[i] as number) - (y[i - 1] as number)) / dt);
  }
  return diffSlopes.length > 0 ? median(diffSlopes) : 0;
}

/**
 * (2) Steps: jumps of the detrended level far above the sample-to-sample noise whose median level after
 * differs from the one before (a lone spike is not confirmed), plus every known break.
 */
function findSteps({ n, t, breaks }: Series, level: readonly number[], opt: typeof DEFAULTS): FitStep[] {
  const jumps: number[] = [];
  for (let i = 1; i < n; i++) if (!breaks.has(i)) jumps.push((level[i] as number) - (level[i - 1] as number));
  const sigma = (MAD_TO_SIGMA * mad(jumps)) / Math.SQRT2;
  const threshold = Math.max(opt.minStepSeconds, opt.stepSigmas * (Number.isFinite(sigma) ? sigma : 0));
  const steps: FitStep[] = [];
  let segStart = 0;
  for (let i = 1; i < n; i++) {
    const known = breaks.has(i);
    if (!known && Math.abs((level[i] as number) - (level[i - 1] as number)) <= threshold) continue;
    const before = level.slice(Math.max(segStart, i - STEP_WINDOW), i);
    const after = level.slice(i, Math.min(n, i + STEP_WINDOW));
    const jump = median(after) - median(before);
    const confirmed = known || (after.length >= STEP_CONFIRM && Math.abs(jump) > threshold);
    if (!confirmed) continue;
    steps.push({ index: i, atSeconds: t[i] as number, offsetJumpSeconds: jump });
    segStart = i;
  }
  return steps;
}

function segmentsOf(n: number, steps: readonly FitStep[]): Segments {
  const segOf = new Array<number>(n).fill(0);
  let seg = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (k < steps.length && (steps[k] as FitStep).index === i) {
      seg++;
      k++;
    }
    segOf[i] = seg;
  }
  const bounds: [number, number][] = [];
  let start = 0;
  for (const st of steps) {
    bounds.push([start, st.index]);
    start = st.index;
  }
  bounds.push([start, n]);
  return { segOf, bounds, count: steps.length + 1 };
}

/** Pair slopes drawn at random (seeded), each segment weighted by its number of pairs: a bounded cost. */
function sampledPairSlopes({ n, t, y }: Series, seg: Segments, maxPairs: number): number[] {
  const pairSlopes: number[] = [];
  const rnd = lcg(n * 7919 + seg.count);
  const eligible = seg.bounds.filter(([a, b]) => b - a >= 2);
  const weights = eligible.map(([a, b]) => ((b - a) * (b - a - 1)) / 2);
  const wsum = weights.reduce((p, q) => p + q, 0);
  for (let k = 0; k < maxPairs && wsum > 0; k++) {
    let r = rnd() * wsum;
    let idx = 0;
    while (idx < weights.length - 1 && r >= (weights[idx] as number)) r -= weights[idx++] as number;
    const [a, b] = eligible[idx] as [number, number];
    const i = a + Math.floor(rnd() * (b - a));
    let j = a + Math.floor(rnd() * (b - a - 1));
    if (j >= i) j++;
    const lo = Math.min(i, j);
    const hi = Math.max(i, j);
    const dt = (t[hi] as number) - (t[lo] as number);
    if (dt > 0) pairSlopes.push(((y[hi] as number) - (y[lo] as number)) / dt);
  }
  return pairSlopes;
}

/** (3) Theil–Sen slope over pairs within a segment (all pairs, or a seeded sample past `maxPairs`). */
function theilSenSlope(series: Series, seg: Segments, maxPairs: number, fallback: number): number {
  const { t, y } = series;
  const totalPairs = seg.bounds.reduce((acc, [a, b]) => acc + ((b - a) * (b - a - 1)) / 2, 0);
  let pairSlopes: number[] = [];
  if (totalPairs <= maxPairs) {
    for (const [a, b] of seg.bounds) {
      for (let i = a; i < b; i++) {
        for (let j = i + 1; j < b; j++) {
          const dt = (t[j] as number) - (t[i] as number);
          if (dt > 0) pairSlopes.push(((y[j] as number) - (y[i] as number)) / dt);
        }
      }
    }
  } else {
    pairSlopes = sampledPairSlopes(series, seg, maxPairs);
  }
  return pairSlopes.length > 0 ? median(pairSlopes) : fallback;
}

/** (4) Residuals about the Theil–Sen line with one median intercept per segment; > 5 robust σ is an outlier. */
function classifyOutliers({ t, y }: Series, seg: Segments, sTs: number): { inlier: boolean[]; rSigma: number } {
  const intercepts = seg.bounds.map(([a, b]) => median(y.slice(a, b).map((v, k) => v - sTs * (t[a + k] as number))));
  const resid = y.map((v, i) => v - (intercepts[seg.segOf[i] as number] as number) - sTs * (t[i] as number));
  const rSigma = MAD_TO_SIGMA * mad(resid);
  const outlierLimit = Math.max(5 * rSigma, 1e-9);
  return { inlier: resid.map((r) => Math.abs(r) <= outlierLimit), rSigma };
}

/** (5) Least squares on the inliers with one intercept per segment (the slope is common). */
function leastSquares({ t, y }: Series, seg: Segments, inlier: readonly boolean[], sTs: number): LeastSquares {
  let sxx = 0;
  let sxy = 0;
  const segMeans: { tm: number; ym: number; m: number }[] = [];
  for (const [a, b] of seg.bounds) {
    let st = 0;
    let sy = 0;
    let m = 0;
    for (let i = a; i < b; i++) if (inlier[i]) { st += t[i] as number; sy += y[i] as number; m++; }
    const tm = m > 0 ? st / m : 0;
    const ym = m > 0 ? sy / m : 0;
    segMeans.push({ tm, ym, m });
    for (let i = a; i < b; i++) {
      if (!inlier[i]) continue;
      const dt = (t[i] as number) - tm;
      sxx += dt * dt;
      sxy += dt * ((y[i] as number) - ym);
    }
  }
  const used = inlier.filter(Boolean).length;
  return { sxx, slope: sxx > 0 ? sxy / sxx : sTs, segMeans, used };
}

/** Lag-1 autocorrelation of the residuals, clamped to [0, 0.9]. */
function lag1Correlation(r: readonly number[]): number {
  let num = 0;
  let den = 0;
  for (let k = 0; k < r.length; k++) {
    den += (r[k] as number) ** 2;
    if (k > 0) num += (r[k] as number) * (r[k - 1] as number);
  }
  return den > 0 ? Math.min(0.9, Math.max(0, num / den)) : 0;
}

/**
 * 3σ half-width of the slope: the larger of an autocorrelation-inflated and a Newey–West error, widened
 * by any disagreement with Theil–Sen, plus the asymmetry trend. Null with no degrees of freedom left.
 */
function slopeUncertainty(
  series: Series,
  seg: Segments,
  inlier: readonly boolean[],
  ls: LeastSquares,
  sTs: number,
  fitted: (i: number) => number,
): number | null {
  const { n, t, y, samples } = series;
  const { sxx, slope, segMeans, used } = ls;
  const liveSegs = segMeans.filter((s) => s.m > 0).length;
  const df = used - liveSegs - 1;
  if (!(df >= 1 && sxx > 0)) return null;
  let ss = 0;
  const r: number[] = [];
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!inlier[i]) continue;
    const e = (y[i] as number) - fitted(i);
    ss += e * e;
    r.push(e);
    xs.push((t[i] as number) - (segMeans[seg.segOf[i] as number] as { tm: number }).tm);
  }
  const se = Math.sqrt(ss / df / sxx);
  // Neighbouring residuals that move together carry less information than independent ones.
  const rho = lag1Correlation(r);
  const inflate = Math.sqrt((1 + rho) / (1 - rho));
  // Slowly wandering errors (load-dependent queueing, a reference's own wander) are correlated over
  // many samples, which lag-1 misses: take the larger of that and a Newey–West (HAC) error.
  const hac = neweyWestSe(xs, r, sxx);
  const u = t3sigma(df) * Math.max(se * inflate, hac * Math.sqrt(used / df));
  // The asymmetry trend is a bound on a systematic bias, not a random error: add it, do not add in
  // quadrature.
  return Math.sqrt(u * u + (slope - sTs) ** 2) + asymmetrySlope(samples, inlier);
}

/** Fit drift, steps and offset; null with fewer than 3 samples or no time span. */
export function fitDrift(input: readonly FitSample[], options: FitOptions = {}): FitResult | null {
  const opt = { ...DEFAULTS, ...options };
  const samples = input.filter((s) => Number.isFinite(s.t) && Number.isFinite(s.offset)).sort((a, b) => a.t - b.t);
  const n = samples.length;
  if (n < 3) return null;
  const series: Series = { samples, n, t: samples.map((s) => s.t), y: samples.map((s) => s.offset), breaks: new Set(opt.breaks ?? []) };
  const { t, y } = series;
  const span = (t[n - 1] as number) - (t[0] as number);
  if (!(span > 0)) return null;

  const s0 = roughSlope(series);
  const steps = findSteps(series, y.map((v, i) => v - s0 * (t[i] as number)), opt);
  const seg = segmentsOf(n, steps);
  const sTs = theilSenSlope(series, seg, opt.maxPairs, s0);
  const { inlier, rSigma } = classifyOutliers(series, seg, sTs);
  const ls = leastSquares(series, seg, inlier, sTs);
  const { slope, segMeans, used } = ls;
  const fitted = (i: number): number => {
    const sm = segMeans[seg.segOf[i] as number] as { tm: number; ym: number };
    return sm.ym + slope * ((t[i] as number) - sm.tm);
  };
  const uncertaintySlope = slopeUncertainty(series, seg, inlier, ls, sTs, fitted);

  const drift = slopeToDrift(slope);
  const dDrift = uncertaintySlope === null ? null : uncertaintySlope / (1 + slope) ** 2;
  return {
    n,
    inliers: used,
    outliers: n - used,
    segments: seg.count,
    spanSeconds: span,
    slope,
    driftPpm: drift * 1e6,
    uncertaintyPpm: dDrift === null ? null : dDrift * 1e6,
    offsetNowSeconds: fitted(n - 1),
    noiseSeconds: rSigma,
    steps,
  };
}
