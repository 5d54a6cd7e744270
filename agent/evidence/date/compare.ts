/**
 * Two clocks read side by side (a loop printing the host's `date` and the guest's): the rate of the
 * second relative to the first, fitted so that steps do not count, and the steps themselves.
 *
 * Method. Offsets `o = second − first`. A first slope comes from Theil–Sen (the median of pairwise
 * slopes), which a few steps cannot move. Residuals from it that jump between consecutive rows by more
 * than the readings' own noise are steps (a sync that set the clock); the rows are cut there into
 * segments, and the rate is the least-squares slope common to all segments, each with its own
 * intercept — so a clock that runs slow and is stepped back every minute still shows its true rate.
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
  const steps = stepRows(x, o, theilSen(x, o), tolerance);
  const fit = pooledSlope(x, o, steps.map((s) => s.row));
  if (fit === null || fit.dof < 1) return null;
  const quantVar = resolution ** 2 / 6;
  const sigma = Math.sqrt(Math.max(fit.rss / fit.dof, quantVar));
  const se = sigma / Math.sqrt(fit.sxx);
  return {
    rate: 1 + fit.slope,
    ratePpm: fit.slope * 1e6,
    uncertaintyPpm: 2 * se * 1e6,
    spanSeconds: span,
    steps: steps.map((st) => ({ row: st.row, seconds: (o[st.row]! - o[st.row - 1]!) - fit.slope * (x[st.row]! - x[st.row - 1]!) })),
  };
}
