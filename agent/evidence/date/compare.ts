/**
 * Two clocks read side by side (a loop printing the host's `date` and the guest's): the rate of the
 * second relative to the first, fitted so that steps do not count, and the steps themselves.
 *
 * Method. Offsets `o = second − first`. A first slope comes from Theil–Sen (the median of pairwise
 * slopes), which a few steps cannot move. Residuals from it that jump between consecutive rows by more
 * than the readings' own noise are steps (a sync that set the clock); the rows are cut there into
 * segments, and the rate is the least-squares slope common to all segments, each with its own
 * intercept — so a clock that runs slow and is stepped back every minute still shows its true rate.
 * A step of a few seconds read to the whole second can hide in one row's noise, yet a missed step
 * biases the rate; so the segments are then split where the mean residual before and after a row
 * differs by more than the noise allows (binary segmentation), the slope refitted each time, and
 * cuts whose step turns out smaller than one reading's resolution are dropped again.
 * Limit: steps of only a few times the resolution that recur every few rows (a sawtooth) cannot be
 * told from the readings' noise; such a loop gives a rate biased towards no error, with a wide interval.
 * Uncertainty: the fit's residual spread, never below what whole-second readings allow (two readings,
 * each truncated: variance q²/6), as ±2 standard errors.
 */
import { median } from '../../util/stats.js';

/** One row: the first clock and the second clock, in seconds (any common origin). */
export interface ComparePoint {
  first: number;
  second: number;
}

/** A step seen in the second clock relative to the first. */
export interface CompareStep {
  /** Index of the row after the step. */
  row: number;
  /** Seconds the second clock jumped relative to its own trend (+ forward). */
  seconds: number;
}

export interface CompareFit {
  /** Seconds of the second clock per second of the first (1 = same rate). */
  rate: number;
  /** (rate − 1) in ppm. */
  ratePpm: number;
  /** ±2 standard errors of ratePpm. */
  uncertaintyPpm: number;
  /** Seconds of the first clock covered. */
  spanSeconds: number;
  steps: CompareStep[];
}

/** Fewer rows than this, or a shorter span, say nothing about a rate. */
export const MIN_ROWS = 4;
export const MIN_SPAN_SECONDS = 5;

/** Rows Theil–Sen looks at, at most (evenly spaced): its cost grows with the square. */
const THEIL_SEN_ROWS = 200;

/** Median of pairwise slopes of o against x (x strictly increasing pairs only). */
function theilSen(x: readonly number[], o: readonly number[]): number {
  const every = Math.max(1, Math.ceil(x.length / THEIL_SEN_ROWS));
  const slopes: number[] = [];
  for (let i = 0; i < x.length; i += every) {
    for (let j = i + every; j < x.length; j += every) {
      const dx = x[j]! - x[i]!;
      if (dx > 0) slopes.push((o[j]! - o[i]!) / dx);
    }
  }
  return slopes.length === 0 ? 0 : median(slopes);
}

/** Rows where the residual from `slope` jumps by more than `tolerance`: the starts of new segments. */
function stepRows(x: readonly number[], o: readonly number[], slope: number, tolerance: number): CompareStep[] {
  const steps: CompareStep[] = [];
  for (let i = 1; i < x.length; i++) {
    const jump = (o[i]! - o[i - 1]!) - slope * (x[i]! - x[i - 1]!);
    if (Math.abs(jump) > tolerance) steps.push({ row: i, seconds: jump });
  }
  return steps;
}

/** Least-squares slope common to all segments (each its own intercept), with Sxx and residual variance. */
function pooledSlope(x: readonly number[], o: readonly number[], cuts: readonly number[]): { slope: number; sxx: number; rss: number; dof: number } | null {
  const bounds = [0, ...cuts, x.length];
  let sxy = 0;
  let sxx = 0;
  const segs: { from: number; to: number; mx: number; mo: number }[] = [];
  for (let s = 0; s + 1 < bounds.length; s++) {
    const from = bounds[s]!;
    const to = bounds[s + 1]!;
    if (to - from < 2) continue;
    let mx = 0;
    let mo = 0;
    for (let i = from; i < to; i++) { mx += x[i]!; mo += o[i]!; }
    mx /= to - from;
    mo /= to - from;
    for (let i = from; i < to; i++) { sxy += (x[i]! - mx) * (o[i]! - mo); sxx += (x[i]! - mx) ** 2; }
    segs.push({ from, to, mx, mo });
  }
  if (sxx <= 0) return null;
  const slope = sxy / sxx;
  let rss = 0;
  let n = 0;
  for (const g of segs) {
    for (let i = g.from; i < g.to; i++) { rss += (o[i]! - g.mo - slope * (x[i]! - g.mx)) ** 2; n++; }
  }
  return { slope, sxx, rss, dof: n - segs.length - 1 };
}

/** A split must cut the residual sum of squares by this many noise variances (a 4σ step) to be a step. */
const SPLIT_RSS_VARIANCES = 16;
/** Cuts tried at most (each refits): far more than a paste holds steps. */
const MAX_CUTS = 40;

/** Prefix sums of x, o, x², x·o, o², so any segment's centred sums cost O(1). */
interface Prefix { x: Float64Array; o: Float64Array; xx: Float64Array; xo: Float64Array; oo: Float64Array }

function prefix(x: readonly number[], o: readonly number[]): Prefix {
  const n = x.length;
  const p: Prefix = { x: new Float64Array(n + 1), o: new Float64Array(n + 1), xx: new Float64Array(n + 1), xo: new Float64Array(n + 1), oo: new Float64Array(n + 1) };
  for (let i = 0; i < n; i++) {
    p.x[i + 1] = p.x[i]! + x[i]!; p.o[i + 1] = p.o[i]! + o[i]!;
    p.xx[i + 1] = p.xx[i]! + x[i]! * x[i]!; p.xo[i + 1] = p.xo[i]! + x[i]! * o[i]!; p.oo[i + 1] = p.oo[i]! + o[i]! * o[i]!;
  }
  return p;
}

/** Centred sums of a segment [a, b): Sxx, Sxo, Soo. */
function centred(p: Prefix, a: number, b: number): [number, number, number] {
  const n = b - a;
  if (n < 1) return [0, 0, 0];
  const sx = p.x[b]! - p.x[a]!;
  const so = p.o[b]! - p.o[a]!;
  return [p.xx[b]! - p.xx[a]! - (sx * sx) / n, p.xo[b]! - p.xo[a]! - (sx * so) / n, p.oo[b]! - p.oo[a]! - (so * so) / n];
}

/** The residual sum of squares of the pooled fit over these segment totals. */
const rssOf = (xx: number, xo: number, oo: number): number => (xx > 0 ? oo - (xo * xo) / xx : oo);

/**
 * The new cut (row index) that lowers the pooled fit's residual sum of squares the most, the slope
 * refitted, or null when no cut lowers it by a 4σ step's worth (segmented regression).
 */
function bestSplit(p: Prefix, n: number, cuts: readonly number[], quantVar: number): number | null {
  const bounds = [0, ...cuts, n];
  const segs = bounds.slice(0, -1).map((a, i) => centred(p, a, bounds[i + 1]!));
  const tot = segs.reduce((t, g) => [t[0]! + g[0], t[1]! + g[1], t[2]! + g[2]], [0, 0, 0]);
  const rss0 = rssOf(tot[0]!, tot[1]!, tot[2]!);
  let best: { row: number; rss: number } | null = null;
  for (let s = 0; s < segs.length; s++) {
    const [a, b] = [bounds[s]!, bounds[s + 1]!];
    for (let k = a + 2; k <= b - 2; k++) {
      const l = centred(p, a, k);
      const r = centred(p, k, b);
      const rss = rssOf(tot[0]! - segs[s]![0] + l[0] + r[0], tot[1]! - segs[s]![1] + l[1] + r[1], tot[2]! - segs[s]![2] + l[2] + r[2]);
      if (best === null || rss < best.rss) best = { row: k, rss };
    }
  }
  if (best === null) return null;
  const dof = n - bounds.length - 1;
  const variance = Math.max(dof > 0 ? best.rss / dof : 0, quantVar);
  return rss0 - best.rss > SPLIT_RSS_VARIANCES * variance ? best.row : null;
}

/** The step at each cut: the jump of the segments' intercepts under the common slope. */
function jumps(x: readonly number[], o: readonly number[], cuts: readonly number[], slope: number): CompareStep[] {
  const bounds = [0, ...cuts, x.length];
  const level = (from: number, to: number): number => {
    let sum = 0;
    for (let i = from; i < to; i++) sum += o[i]! - slope * x[i]!;
    return sum / (to - from);
  };
  return cuts.map((row, i) => ({ row, seconds: level(row, bounds[i + 2]!) - level(bounds[i]!, row) }));
}

/** Cut points: clear one-row steps first, then splits where the residual mean moves; small ones dropped. */
function findCuts(x: readonly number[], o: readonly number[], tolerance: number, quantVar: number, minStep: number): number[] {
  let cuts = stepRows(x, o, theilSen(x, o), tolerance).map((st) => st.row);
  const p = prefix(x, o);
  for (let i = 0; i < MAX_CUTS; i++) {
    const next = bestSplit(p, x.length, cuts, quantVar);
    if (next === null) break;
    cuts = [...cuts, next].sort((a, b) => a - b);
  }
  for (;;) {
    const fit = pooledSlope(x, o, cuts);
    if (fit === null) return cuts;
    const small = jumps(x, o, cuts, fit.slope).filter((j) => Math.abs(j.seconds) < minStep).map((j) => j.row);
    if (small.length === 0) return cuts;
    cuts = cuts.filter((c) => c !== small[0]);
  }
}

/**
 * The rate of the second clock relative to the first, or null when the rows cannot show one (too few,
 * too short, or the first clock does not advance). `resolution` is the coarser of the two clocks' (1 s
 * for `date`).
 */
export function compareClocks(points: readonly ComparePoint[], resolution: number): CompareFit | null {
  if (points.length < MIN_ROWS) return null;
  const base = points[0]!;
  const x = points.map((p) => p.first - base.first);
  const o = points.map((p) => (p.second - base.second) - (p.first - base.first));
  const span = Math.max(...x) - Math.min(...x);
  if (!(span >= MIN_SPAN_SECONDS)) return null;
  for (let i = 1; i < x.length; i++) if (x[i]! < x[i - 1]!) return null; // the first clock must not go back
  // Two truncated readings differ from the truth by up to one resolution each; ssh adds latency jitter.
  const tolerance = Math.max(2.5 * resolution, 0.5);
  const quantVar = resolution ** 2 / 6;
  const cuts = findCuts(x, o, tolerance, quantVar, Math.max(resolution, 0.2));
  const fit = pooledSlope(x, o, cuts);
  if (fit === null || fit.dof < 1) return null;
  const sigma = Math.sqrt(Math.max(fit.rss / fit.dof, quantVar));
  const se = sigma / Math.sqrt(fit.sxx);
  return {
    rate: 1 + fit.slope,
    ratePpm: fit.slope * 1e6,
    uncertaintyPpm: 2 * se * 1e6,
    spanSeconds: span,
    steps: jumps(x, o, cuts, fit.slope),
  };
}
