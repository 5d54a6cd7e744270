/**
 * The event-driven timekeeping model. θ(t) (guest minus true time) is piecewise linear: every rate is
 * constant between events, so the engine jumps from event to event — corrector polls that can change
 * something, slew ends, steps, pvclock re-anchors, stalls and catch-up speed changes, the watchdog —
 * instead of walking second by second. A year with a corrector takes milliseconds.
 */
import type { Contribution } from './prediction.js';
import { assumptionText, type Assumptions } from './constants.js';
import { clockModels, type ClockModel, type ClockSet } from './clocks.js';
import { correctorAssumptions, createCorrectors, type Corrector } from './correctors.js';
import { fmtPpm, fmtSeconds, fmtSignedSeconds } from '../agent/util/format.js';
import { ModelError, type ClockName, type ModelParams } from './model-params.js';
import { classifyPattern, type PatternInfo } from './pattern.js';
import { rateOf } from './state.js';
import type { Trace } from './trace.js';
import { effectiveE, MIN_PV_EVENT_PERIOD, Run, type EventRecord, type StepRecord } from './engine-run.js';

export type { EventRecord, StepRecord } from './engine-run.js';

export interface CorrectorSummary {
  name: string;
  polls: number;
  steps: number;
  slews: number;
  active: boolean;
}

export interface SimResult {
  params: ModelParams;
  durationSeconds: number;
  /** Clocksource at start and at the end (differs when the watchdog demoted the TSC). */
  clocksourceStart: ClockName;
  clocksource: ClockName;
  /** Raw rate error of the starting clocksource, ppm (no corrector). */
  driftPpm: number;
  /** Long-term raw rate (0 for pvclocks re-anchored to host time), ppm. */
  longTermDriftPpm: number;
  initialOffsetSeconds: number;
  offsetSeconds: number;
  /** dθ/dt at the end of the run, ppm (what keeps accumulating). */
  finalRatePpm: number;
  guestElapsedSeconds: number;
  minOffsetSeconds: number;
  maxOffsetSeconds: number;
  maxAbsOffsetSeconds: number;
  steps: StepRecord[];
  stepCount: number;
  /** Times a corrector started a new slew episode (for slew-only sawtooth detection). */
  slewStarts: number[];
  events: EventRecord[];
  correctors: CorrectorSummary[];
  /** Offset accumulated per cause over the run, seconds. */
  budget: { tag: string; seconds: number; text: string }[];
  contributions: Contribution[];
  clockSet: ClockSet;
  pattern: PatternInfo;
  fight: string | null;
  explanation: string[];
  assumptions: string[];
  trace: Trace;
  eventCount: number;
  /** Identical corrector cycles jumped over in one go (cycle skipping). */
  cyclesSkipped: number;
  /** An error below the engine's resolution, reported instead of simulated (Xen 1 s pvclock epoch). */
  boundedBelowResolution: { amplitudeSeconds: number; periodSeconds: number } | null;
}

export interface SimulateOptions {
  traceBuckets?: number;
  /** Steps kept in `steps` (the count is always exact). */
  maxStepRecords?: number;
  /** Step to step without shortcuts: every scheduled poll runs (for cross-checks). */
  noSkip?: boolean;
}

/** Numbers the model cannot run with, named. */
function validate(p: ModelParams): void {
  if (!(p.durationSeconds > 0) || !Number.isFinite(p.durationSeconds)) throw new ModelError(`duration must be a positive number of seconds, got ${p.durationSeconds}`);
  if (p.claimedTscHz !== null && !(p.claimedTscHz > 0)) throw new ModelError('claimed TSC rate must be positive');
  if (p.trueTscHz !== null && !(p.trueTscHz > 0)) throw new ModelError('true TSC rate must be positive');
  if (!(p.hz > 0)) throw new ModelError('HZ must be positive');
  if (p.lostTickFraction < 0 || p.lostTickFraction >= 1) throw new ModelError('lost tick fraction must be in [0, 1)');
}

/** The clock the guest starts on, or a ModelError naming the ones this configuration offers. */
function startingClock(p: ModelParams, cs: ClockSet): ClockModel {
  const clock = cs.clocks.get(p.clocksource);
  if (clock) return clock;
  const avail = [...cs.clocks.keys()].join(', ');
  throw new ModelError(`clocksource ${p.clocksource} is not offered to this guest (${p.hypervisor}${p.hypervisor === 'virtualbox' ? `, paravirt ${p.paravirt}` : ''}); available: ${avail}`);
}

/** A pvclock re-anchored faster than the engine cares to step (Xen, 1 s): the bound, reported analytically. */
function boundOf(clock: ClockModel): SimResult['boundedBelowResolution'] {
  if (clock.pvUpdateSeconds !== null && clock.pvUpdateSeconds < MIN_PV_EVENT_PERIOD && clock.e !== 0) {
    return { amplitudeSeconds: Math.abs(clock.e) * clock.pvUpdateSeconds, periodSeconds: clock.pvUpdateSeconds };
  }
  return null;
}

/** Offset accumulated per cause over the run, seconds. */
function budgetOf(run: Run, start: ClockModel): SimResult['budget'] {
  const b = run.budget;
  const out: SimResult['budget'] = [];
  if (b.clock !== 0) out.push({ tag: 'clock', seconds: b.clock, text: `${start.clock} rate error` });
  if (b.stall !== 0) out.push({ tag: 'stalls', seconds: b.stall, text: 'time standing still in stalls, minus catch-up' });
  if (b.hyper !== 0) out.push({ tag: 'hypervisor', seconds: b.hyper, text: 'hypervisor re-anchors and lost counter wraps' });
  for (let i = 0; i < run.correctors.length; i++) {
    const n = run.names[i] ?? '?';
    if (b.freq[i]) out.push({ tag: `corrector:${n}:frequency`, seconds: b.freq[i] ?? 0, text: `${n} frequency correction` });
    if (b.slew[i]) out.push({ tag: `corrector:${n}:slew`, seconds: b.slew[i] ?? 0, text: `${n} slewing` });
    if (b.step[i]) out.push({ tag: `corrector:${n}:steps`, seconds: b.step[i] ?? 0, text: `${n} steps` });
  }
  return out;
}

/** Two correctors fight when both move the clock and at least one pulls against the other. */
function fightOf(run: Run): string | null {
  const b = run.budget;
  const correctors = run.correctors;
  const actors = correctors.filter((c) => c.stats.steps + c.stats.slews > 0 || (b.freq[c.index] ?? 0) !== 0);
  if (actors.length <= 1) return null;
  const parts = correctors.map((c) => `${c.name} ${fmtSignedSeconds((b.step[c.index] ?? 0) + (b.slew[c.index] ?? 0) + (b.freq[c.index] ?? 0))} (${c.stats.steps} steps, ${c.stats.slews} slews)`);
  return `${actors.map((c) => c.name).join(' and ')} both correct the clock: ${parts.join('; ')}. Run one time-sync service only.`;
}

/** Pack a finished run. */
function resultOf(run: Run, start: ClockModel, assumptionsUsed: Set<keyof Assumptions>): SimResult {
  const p = run.p;
  const s = run.s;
  const A = p.assumptions;
  const T = run.T;
  const theta = s.theta;
  const clock = run.clock;
  const result: SimResult = {
    params: p,
    durationSeconds: T,
    clocksourceStart: start.clock,
    clocksource: clock.clock,
    driftPpm: start.e * 1e6,
    longTermDriftPpm: effectiveE(start) * 1e6 * (start.pvUpdateSeconds !== null ? 0 : 1),
    initialOffsetSeconds: p.initialOffsetSeconds,
    offsetSeconds: theta,
    finalRatePpm: rateOf(s) * 1e6,
    guestElapsedSeconds: T + theta - p.initialOffsetSeconds,
    minOffsetSeconds: run.minO,
    maxOffsetSeconds: run.maxO,
    maxAbsOffsetSeconds: Math.max(Math.abs(run.minO), Math.abs(run.maxO)),
    steps: run.steps,
    stepCount: run.stepCount,
    slewStarts: run.slewStarts,
    events: run.events,
    correctors: run.correctors.map((c) => ({ name: c.name, ...c.stats, active: c.active })),
    budget: budgetOf(run, start),
    contributions: clock === start ? [...start.contributions] : [...start.contributions, ...clock.contributions],
    clockSet: run.cs,
    pattern: { kind: 'none', periodSeconds: null, amplitudeSeconds: null, text: '' },
    fight: fightOf(run),
    explanation: [],
    assumptions: [...assumptionsUsed].map((k) => assumptionText(k, A[k])),
    trace: run.trace.finish(),
    eventCount: run.eventCount,
    cyclesSkipped: run.cyclesSkipped,
    boundedBelowResolution: boundOf(start),
  };
  result.pattern = classifyPattern(result);
  result.explanation = explain(result, run.correctors);
  return result;
}

/** Run the model for `p.durationSeconds` of true time. */
export function simulate(p: ModelParams, opts: SimulateOptions = {}): SimResult {
  validate(p);
  const cs = clockModels(p);
  const start = startingClock(p, cs);
  const assumptionsUsed = new Set<keyof Assumptions>([...cs.assumptionsUsed, ...correctorAssumptions(p.correctors)]);
  const run = new Run(p, cs, start, createCorrectors(p.correctors, p.assumptions), opts).run();
  return resultOf(run, start, assumptionsUsed);
}

function explain(r: SimResult, correctors: Corrector[]): string[] {
  const out: string[] = [];
  for (const n of r.clockSet.notes) out.push(n);
  for (const c of r.contributions) out.push(c.assumption ? `${c.text} (assumption)` : c.text);
  if (r.boundedBelowResolution) {
    out.push(`error bounded by ≈${fmtSeconds(r.boundedBelowResolution.amplitudeSeconds)}, reset every ${r.boundedBelowResolution.periodSeconds} s; long-term rate follows the hypervisor's platform timer`);
  }
  const wd = r.clockSet.watchdog;
  if (wd) {
    const v = wd.verdict;
    out.push(v.unstable
      ? `watchdog (${v.rule} rule) against ${wd.clock}: ${fmtSeconds(v.skewPerIntervalSeconds)} per 0.5 s > ${fmtSeconds(v.thresholdSeconds)} ⇒ tsc demoted after ≈${v.detectedAfterSeconds} s, guest switches to ${wd.switchTo}`
      : `watchdog (${v.rule} rule) against ${wd.clock}: ${fmtSeconds(v.skewPerIntervalSeconds)} per 0.5 s ≤ ${fmtSeconds(v.thresholdSeconds)} ⇒ tsc stays`);
  }
  for (const c of correctors) out.push(`corrector: ${c.describe()}`);
  for (const e of r.events.slice(0, 8)) out.push(`at ${fmtSeconds(e.t)}: ${e.text}`);
  if (r.fight) out.push(`fight: ${r.fight}`);
  out.push(`pattern: ${r.pattern.text}`);
  if (r.driftPpm !== 0 && r.params.correctors.length === 0 && !r.boundedBelowResolution) out.push(`uncorrected: ${fmtPpm(r.driftPpm)} is ${fmtSignedSeconds(r.driftPpm * 1e-6 * 86400)} per day`);
  return out;
}
