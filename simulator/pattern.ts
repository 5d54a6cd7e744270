/**
 * Name the shape of θ(t): linear, sawtooth (period, amplitude), bounded, converges, or none.
 */
import { fmtPpm, fmtSeconds, fmtSignedSeconds } from '../agent/util/format.js';
import type { SimResult } from './engine.js';
import { median } from '../agent/util/stats.js';

export interface PatternInfo {
  kind: 'none' | 'linear' | 'sawtooth' | 'bounded' | 'converges';
  periodSeconds: number | null;
  amplitudeSeconds: number | null;
  /** Mean rate of θ over the run, ppm (what a corrector leaves uncorrected in the long run). */
  residualPpm?: number;
  text: string;
}


export function classifyPattern(r: SimResult): PatternInfo {
  const T = r.durationSeconds;
  const net = r.offsetSeconds - r.initialOffsetSeconds;
  const residualPpm = (net / T) * 1e6;
  if (r.boundedBelowResolution) {
    const b = r.boundedBelowResolution;
    return { kind: 'bounded', periodSeconds: b.periodSeconds, amplitudeSeconds: b.amplitudeSeconds, residualPpm: 0, text: `bounded: within ±${fmtSeconds(b.amplitudeSeconds)}, reset every ${fmtSeconds(b.periodSeconds)}` };
  }
  if (r.stepCount >= 2) {
    const late = r.steps.filter((s) => s.t >= T / 2);
    const use = late.length >= 2 ? late : r.steps;
    const iv: number[] = [];
    for (let i = 1; i < use.length; i++) iv.push((use[i]?.t ?? 0) - (use[i - 1]?.t ?? 0));
    const period = iv.length ? median(iv) : T;
    const amp = median(use.map((s) => Math.abs(s.seconds)));
    const sign = median(use.map((s) => s.seconds)) >= 0 ? 1 : -1;
    const by = [...new Set(use.map((s) => s.by))].join(' and ');
    return {
      kind: 'sawtooth', periodSeconds: period, amplitudeSeconds: amp, residualPpm,
      text: `sawtooth: ${by} steps the clock ${fmtSignedSeconds(sign * amp)} every ${fmtSeconds(period)} (${r.stepCount} steps in ${fmtSeconds(T)})`,
    };
  }
  if (r.maxAbsOffsetSeconds - Math.abs(r.initialOffsetSeconds) < 1e-9 && Math.abs(net) < 1e-9 && r.params.correctors.length > 0 && Math.abs(r.driftPpm) > 1e-3) {
    return { kind: 'converges', periodSeconds: null, amplitudeSeconds: 0, residualPpm: 0, text: `converges: the corrector absorbs the ${fmtPpm(r.driftPpm)} completely, offset stays at 0` };
  }
  if (r.maxAbsOffsetSeconds - Math.abs(r.initialOffsetSeconds) < 1e-9 && Math.abs(net) < 1e-9) {
    return { kind: 'none', periodSeconds: null, amplitudeSeconds: null, residualPpm: 0, text: 'no drift: the clock keeps true time' };
  }
  // Slew-only sawtooth: a corrector starts a new slew at a steady rhythm.
  const lateSlews = r.slewStarts.filter((t) => t >= T / 2);
  if (lateSlews.length >= 3) {
    const iv: number[] = [];
    for (let i = 1; i < lateSlews.length; i++) iv.push((lateSlews[i] ?? 0) - (lateSlews[i - 1] ?? 0));
    const period = median(iv);
    const spread = Math.max(...iv) - Math.min(...iv);
    if (spread <= 0.1 * period + 1e-6 && period > 0) {
      let lo = Infinity, hi = -Infinity;
      for (let i = 0; i < r.trace.t.length; i++) {
        if ((r.trace.t[i] ?? 0) < T / 2) continue;
        const o = r.trace.offset[i] ?? 0;
        lo = Math.min(lo, o); hi = Math.max(hi, o);
      }
      return {
        kind: 'sawtooth', periodSeconds: period, amplitudeSeconds: hi - lo, residualPpm,
        text: `sawtooth: offset swings between ${fmtSignedSeconds(lo)} and ${fmtSignedSeconds(hi)}, slewed back every ${fmtSeconds(period)}`,
      };
    }
  }
  // Moving back towards 0 at the end: a corrector is still slewing the offset out.
  if (Math.abs(r.finalRatePpm) > 1e-3 && r.finalRatePpm * r.offsetSeconds < 0 && r.params.correctors.length > 0) {
    const left = Math.abs(r.offsetSeconds) / (Math.abs(r.finalRatePpm) * 1e-6);
    return {
      kind: 'converges', periodSeconds: null, amplitudeSeconds: r.maxAbsOffsetSeconds, residualPpm: 0,
      text: `converges: ${fmtSignedSeconds(r.offsetSeconds)} left, slewed out at ${fmtPpm(r.finalRatePpm)} (≈${fmtSeconds(left)} more)`,
    };
  }
  // Moving at the end, but no bigger in the second half than in the first: correctors hold it in a band.
  if (Math.abs(r.finalRatePpm) > 1e-3 && r.params.correctors.length > 0) {
    let first = 0, lo = Infinity, hi = -Infinity, second = 0;
    for (let i = 0; i < r.trace.t.length; i++) {
      const o = r.trace.offset[i] ?? 0;
      if ((r.trace.t[i] ?? 0) < T / 2) first = Math.max(first, Math.abs(o));
      else { second = Math.max(second, Math.abs(o)); lo = Math.min(lo, o); hi = Math.max(hi, o); }
    }
    if (second <= 1.5 * first + 1e-9 && lo <= hi) {
      return {
        kind: 'bounded', periodSeconds: null, amplitudeSeconds: hi - lo, residualPpm: 0,
        text: `bounded: the offset swings between ${fmtSignedSeconds(lo)} and ${fmtSignedSeconds(hi)} and does not grow`,
      };
    }
  }
  // Still moving at the end: the rate nothing absorbs keeps accumulating.
  if (Math.abs(r.finalRatePpm) > 1e-3) {
    const hasCorrector = r.params.correctors.length > 0;
    return {
      kind: 'linear', periodSeconds: null, amplitudeSeconds: null, residualPpm: r.finalRatePpm,
      text: `linear: ${fmtPpm(r.finalRatePpm)}${hasCorrector ? ' left after correction' : ''}, ${fmtSignedSeconds(net)} after ${fmtSeconds(T)}, unbounded`,
    };
  }
  if (Math.abs(r.offsetSeconds) < 1e-3) {
    return { kind: 'converges', periodSeconds: null, amplitudeSeconds: r.maxAbsOffsetSeconds, residualPpm: 0, text: `converges: offset brought to ${fmtSignedSeconds(r.offsetSeconds)} (largest ${fmtSeconds(r.maxAbsOffsetSeconds)})` };
  }
  const one = r.steps[0];
  const cause = one ? `after a one-off step of ${fmtSignedSeconds(one.seconds)} at ${fmtSeconds(one.t)}` : 'after a one-off loss';
  return { kind: 'bounded', periodSeconds: null, amplitudeSeconds: r.maxAbsOffsetSeconds, residualPpm: 0, text: `constant: offset stays at ${fmtSignedSeconds(r.offsetSeconds)} ${cause}; nothing corrects it` };
}
