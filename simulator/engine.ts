/**
 * The event-driven timekeeping model. θ(t) (guest minus true time) is piecewise linear: every rate is
 * constant between events, so the engine jumps from event to event — corrector polls that can change
 * something, slew ends, steps, pvclock re-anchors, stalls and catch-up speed changes, the watchdog —
 * instead of walking second by second. A year with a corrector takes milliseconds.
 */
import type { Contribution } from './prediction.js';
import { VBOX_CATCH_UP_GIVE_UP_SECONDS, VBOX_CATCH_UP_STOP_SECONDS, VBOX_CATCH_UP_TABLE, assumptionText, type Assumptions } from './constants.js';
import { clockModels, type ClockModel, type ClockSet } from './clocks.js';
import { correctorAssumptions, createCorrectors, type Corrector } from './correctors.js';
import { fmtPpm, fmtSeconds, fmtSignedSeconds } from '../agent/util/format.js';
import { ModelError, type ClockName, type ModelParams } from './model-params.js';
import { classifyPattern, type PatternInfo } from './pattern.js';
import { rateOf, type EngineState, type Kernel } from './state.js';
import { TraceRecorder, type Trace } from './trace.js';

/** A discontinuity of θ. `by` is a corrector name or `hypervisor`. */
export interface StepRecord {
  t: number;
  seconds: number;
  by: string;
  reason: string;
}

export interface EventRecord {
  t: number;
  text: string;
}

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

const MIN_PV_EVENT_PERIOD = 10;
/** A runaway guard: far above any real configuration (a year of ntpd is ≈80 000 events). */
const MAX_EVENTS = 50_000_000;
const K_END = 0, K_CORR = 1, K_SLEW = 2, K_PV = 3, K_STALL_START = 4, K_STALL_END = 5, K_CATCHUP = 6, K_WATCHDOG = 7, K_CROSS = 8;

/**
 * When the next pvclock re-anchor of `m` falls, counting from `now`. Infinity for clocks that are never
 * re-anchored or are re-anchored too often to step (their rate counts as 0 instead, see effectiveE).
 */
function nextPvAnchor(m: ClockModel, now: number): number {
  return m.pvUpdateSeconds !== null && m.pvUpdateSeconds >= MIN_PV_EVENT_PERIOD ? now + m.pvUpdateSeconds : Infinity;
}

function catchUpIndex(lag: number): number {
  let i = 0;
  for (let j = 0; j < VBOX_CATCH_UP_TABLE.length; j++) if ((VBOX_CATCH_UP_TABLE[j]?.lagSeconds ?? Infinity) <= lag) i = j;
  return i;
}

export function simulate(p: ModelParams, opts: SimulateOptions = {}): SimResult {
  if (!(p.durationSeconds > 0) || !Number.isFinite(p.durationSeconds)) throw new ModelError(`duration must be a positive number of seconds, got ${p.durationSeconds}`);
  if (p.claimedTscHz !== null && !(p.claimedTscHz > 0)) throw new ModelError('claimed TSC rate must be positive');
  if (p.trueTscHz !== null && !(p.trueTscHz > 0)) throw new ModelError('true TSC rate must be positive');
  if (!(p.hz > 0)) throw new ModelError('HZ must be positive');
  if (p.lostTickFraction < 0 || p.lostTickFraction >= 1) throw new ModelError('lost tick fraction must be in [0, 1)');
  const cs = clockModels(p);
  let clock: ClockModel | undefined = cs.clocks.get(p.clocksource);
  if (!clock) {
    const avail = [...cs.clocks.keys()].join(', ');
    throw new ModelError(`clocksource ${p.clocksource} is not offered to this guest (${p.hypervisor}${p.hypervisor === 'virtualbox' ? `, paravirt ${p.paravirt}` : ''}); available: ${avail}`);
  }
  const startClock = clock;
  const T = p.durationSeconds;
  const maxSteps = opts.maxStepRecords ?? 2000;
  const A = p.assumptions;
  const assumptionsUsed = new Set<keyof Assumptions>([...cs.assumptionsUsed, ...correctorAssumptions(p.correctors)]);

  // A pvclock re-anchored faster than the engine cares to step (Xen, 1 s): report the bound analytically.
  let bounded: SimResult['boundedBelowResolution'] = null;
  const effectiveE = (m: ClockModel): number => (m.pvUpdateSeconds !== null && m.pvUpdateSeconds < MIN_PV_EVENT_PERIOD ? 0 : m.e);
  if (clock.pvUpdateSeconds !== null && clock.pvUpdateSeconds < MIN_PV_EVENT_PERIOD && clock.e !== 0) {
    bounded = { amplitudeSeconds: Math.abs(clock.e) * clock.pvUpdateSeconds, periodSeconds: clock.pvUpdateSeconds };
  }

  const s: EngineState = { t: 0, theta: p.initialOffsetSeconds, eClock: effectiveE(clock), extra: 0, uFreq: 0, slewR: 0, slewRate: 0, slewOwner: -1, natural: 0, csAccum: 0 };
  const correctors = createCorrectors(p.correctors, A);
  const nC = correctors.length;
  const names = correctors.map((c) => c.name as string);
  const steps: StepRecord[] = [];
  let stepCount = 0;
  const events: EventRecord[] = [];
  const slewStarts: number[] = [];
  const trace = new TraceRecorder(T, opts.traceBuckets ?? 1000);
  let minO = s.theta, maxO = s.theta;

  // Offset budget per cause.
  let clockAcc = 0, stallAcc = 0, hyperAcc = 0;
  const freqAcc = new Float64Array(nC), slewAcc = new Float64Array(nC), stepAcc = new Float64Array(nC);
  let freqOwner = -1;

  const event = (text: string): void => { if (events.length < 200) events.push({ t: s.t, text }); };
  // Extremes since the last corrector step, for cycle skipping.
  let cycMin = s.theta, cycMinT = 0, cycMax = s.theta, cycMaxT = 0;
  const record = (): void => {
    trace.add(s.t, s.theta);
    if (s.theta < minO) minO = s.theta;
    if (s.theta > maxO) maxO = s.theta;
    if (s.theta < cycMin) { cycMin = s.theta; cycMinT = s.t; }
    if (s.theta > cycMax) { cycMax = s.theta; cycMaxT = s.t; }
  };
  const pushStep = (seconds: number, by: string, reason: string): void => {
    stepCount++;
    if (steps.length < maxSteps) steps.push({ t: s.t, seconds, by, reason });
  };
  // After a jump of θ (a step by anyone) a watcher hears that it is now inside or outside its level,
  // as ntpd would at its next sample.
  const updateOutside = (): void => {
    for (const c of correctors) {
      const L = c.active ? c.watchLevel() : null;
      if (L === null) continue;
      const was = c.outside;
      c.outside = Math.abs(s.theta - c.ref) > L;
      if (was !== c.outside) c.onCross(s.t, c.outside);
    }
  };
  const hyperStep = (amount: number, reason: string): void => {
    record();
    s.theta += amount;
    s.natural += amount;
    hyperAcc += amount;
    pushStep(amount, 'hypervisor', reason);
    record();
    updateOutside();
  };
  const kernel: Kernel = {
    s,
    step(by, amount, reason) {
      record();
      s.theta += amount;
      stepAcc[by] = (stepAcc[by] ?? 0) + amount;
      if (s.slewOwner === by) { s.slewR = 0; s.slewOwner = -1; }
      pushStep(amount, names[by] ?? '?', reason);
      record();
      updateOutside();
    },
    adjtime(by, amount, rate) {
      if (s.slewR === 0 || s.slewOwner !== by) slewStarts.length < 100000 && slewStarts.push(s.t);
      s.slewR = amount;
      s.slewRate = rate;
      s.slewOwner = amount === 0 ? -1 : by;
    },
    setFreq(by, u) {
      s.uFreq = u;
      freqOwner = by;
    },
    note(_by, text) { event(text); },
  };

  // Stalls, sorted.
  const stalls = [...p.stalls].filter((x) => x.durationSeconds > 0).sort((a, b) => a.atSeconds - b.atSeconds);
  let stallIdx = 0;
  let stallEnd = Infinity;
  let stallKind: 'stall' | 'suspend' = 'stall';
  let stallFrozen = false;
  // Catch-up: lag in seconds, speed, and the lag at which the speed changes next.
  let catching = false, lag = 0, speed = 0, lagLow = 0, cuIndex = -1;

  let nextPv = nextPvAnchor(clock, s.t);
  let watchdogAt = cs.watchdog?.switchTo && cs.watchdog.verdict.detectedAfterSeconds !== null ? cs.watchdog.verdict.detectedAfterSeconds : Infinity;

  /** VirtualBox catch-up at table row `i`: its speed, until the lag falls to the row's floor (the stop lag for row 0). */
  const vboxCatchUpRow = (i: number): void => {
    cuIndex = i;
    speed = VBOX_CATCH_UP_TABLE[i]?.speedUp ?? 0;
    lagLow = i === 0 ? VBOX_CATCH_UP_STOP_SECONDS : (VBOX_CATCH_UP_TABLE[i]?.lagSeconds ?? 0);
  };

  const startCatchUp = (): void => {
    const cu = clock?.stall.catchUp;
    if (!cu) return;
    if (cu === 'vbox') {
      if (lag < (VBOX_CATCH_UP_TABLE[0]?.lagSeconds ?? 0)) return;
      vboxCatchUpRow(catchUpIndex(lag));
    } else {
      cuIndex = -1;
      speed = cu.speedUp;
      lagLow = 0;
    }
    catching = true;
    s.extra = speed;
  };

  /** The next event that is not a corrector's own (the horizon for poll skipping). */
  const nextOtherEvent = (): number => {
    let h = T;
    if (nextPv < h) h = nextPv;
    if (stallEnd === Infinity && stallIdx < stalls.length) h = Math.min(h, Math.max(s.t, stalls[stallIdx]?.atSeconds ?? Infinity));
    if (stallEnd < h) h = stallEnd;
    if (catching) h = Math.min(h, s.t + (lag - lagLow) / speed);
    if (watchdogAt < h) h = watchdogAt;
    return h;
  };

  /**
   * Cycle skipping: when a corrector step leaves the whole state (relative to now) exactly as the
   * previous step did, the next cycles repeat it exactly until some other event; jump over them in one
   * go, adding their steps, budget and trace. Makes a year of steps every 32 s cost a few cycles.
   */
  interface CycleMark {
    /** Built only when the cheap numeric check matched (strings cost more than a whole event). */
    fp: string | null; theta: number; uFreq: number; slewR: number; due: number; t: number; natural: number; csAccum: number; clockAcc: number; stallAcc: number; hyperAcc: number;
    freqAcc: number; slewAcc: number; stepAcc: number; stepCount: number; stepsLen: number; stats: { polls: number; steps: number; slews: number };
  }
  let mark: CycleMark | null = null;
  const fingerprint = (c: Corrector): string =>
    `${s.eClock}|${s.extra}|${s.uFreq.toPrecision(15)}|${s.slewR.toPrecision(12)}|${s.slewRate}|${s.slewOwner}|${s.theta.toPrecision(12)}|${freqOwner}|${c.fingerprint(s.t, s.natural)}`;
  const tryCycleSkip = (c: Corrector): void => {
    if (catching || stallFrozen || stallEnd !== Infinity) { mark = null; return; }
    const i = c.index;
    const due = c.nextDue() - s.t;
    const cheap = mark !== null && mark.theta === s.theta && mark.uFreq === s.uFreq && mark.slewR === s.slewR && Math.abs(mark.due - due) < 1e-6;
    const fp = cheap ? fingerprint(c) : null;
    if (mark !== null && fp !== null && mark.fp === fp && s.t > mark.t) {
      const period = s.t - mark.t;
      const cycles = Math.floor((nextOtherEvent() - s.t) / period) - 1;
      if (cycles >= 1) {
        const D = cycles * period;
        const dn = s.natural - mark.natural;
        const per = { polls: c.stats.polls - mark.stats.polls, steps: c.stats.steps - mark.stats.steps, slews: c.stats.slews - mark.stats.slews };
        // Trace: the cycle's extremes and the step edge, repeated.
        trace.addPeriodic(mark.t, period, cycles, [[cycMinT - mark.t, cycMin], [cycMaxT - mark.t, cycMax], [period, s.theta]]);
        const cycleSteps = steps.slice(mark.stepsLen);
        for (let k = 1; k <= cycles && steps.length < maxSteps && cycleSteps.length > 0; k++) {
          for (const st of cycleSteps) if (steps.length < maxSteps) steps.push({ ...st, t: st.t + k * period });
        }
        stepCount += cycles * (stepCount - mark.stepCount);
        clockAcc += cycles * (clockAcc - mark.clockAcc);
        stallAcc += cycles * (stallAcc - mark.stallAcc);
        hyperAcc += cycles * (hyperAcc - mark.hyperAcc);
        freqAcc[i] = (freqAcc[i] ?? 0) + cycles * ((freqAcc[i] ?? 0) - mark.freqAcc);
        slewAcc[i] = (slewAcc[i] ?? 0) + cycles * ((slewAcc[i] ?? 0) - mark.slewAcc);
        stepAcc[i] = (stepAcc[i] ?? 0) + cycles * ((stepAcc[i] ?? 0) - mark.stepAcc);
        s.csAccum += cycles * (s.csAccum - mark.csAccum);
        s.natural += cycles * dn;
        c.shift(D, cycles * dn, cycles, per);
        s.t += D;
        cyclesSkipped += cycles;
      }
    }
    mark = {
      fp, theta: s.theta, uFreq: s.uFreq, slewR: s.slewR, due, t: s.t, natural: s.natural, csAccum: s.csAccum, clockAcc, stallAcc, hyperAcc,
      freqAcc: freqAcc[i] ?? 0, slewAcc: slewAcc[i] ?? 0, stepAcc: stepAcc[i] ?? 0, stepCount, stepsLen: steps.length, stats: { ...c.stats },
    };
    cycMin = cycMax = s.theta;
    cycMinT = cycMaxT = s.t;
  };
  let cyclesSkipped = 0;

  let eventCount = 0;
  const corrNext = new Float64Array(nC);
  // With several daemons each one's skipped polls could straddle the other's actions: no skipping then.
  const skip = !opts.noSkip && nC === 1;
  const plan = (): void => {
    const v = rateOf(s);
    const horizon = skip ? nextOtherEvent() : Infinity;
    for (let i = 0; i < nC; i++) {
      const c = correctors[i]!;
      corrNext[i] = skip ? c.plan(s, v, horizon) : c.nextDue();
    }
  };
  record();
  plan();
  updateOutside();

  while (s.t < T) {
    if (++eventCount > MAX_EVENTS) throw new ModelError(`more than ${MAX_EVENTS} events before ${fmtSeconds(s.t)}: shorten the duration`);
    let tn = T;
    let kind = K_END;
    let who = -1;
    for (let i = 0; i < nC; i++) {
      const ti = corrNext[i]!;
      if (ti < tn) { tn = ti; kind = K_CORR; who = i; }
    }
    const v = rateOf(s);
    // Threshold watchers (ntpd's spike detector): when does |θ − ref| cross the level?
    for (let i = 0; i < nC; i++) {
      const c = correctors[i]!;
      const L = c.active ? c.watchLevel() : null;
      if (L === null || v === 0) continue;
      const x = s.theta - c.ref;
      let tc = Infinity;
      if (!c.outside) tc = s.t + ((v > 0 ? L : -L) - x) / v;
      else if (x > 0 && v < 0) tc = s.t + (L - x) / v;
      else if (x < 0 && v > 0) tc = s.t + (-L - x) / v;
      if (tc < s.t) tc = s.t;
      if (tc < tn) { tn = tc; kind = K_CROSS; who = i; }
    }
    if (s.slewR !== 0) {
      const te = s.t + Math.abs(s.slewR) / s.slewRate;
      if (te < tn) { tn = te; kind = K_SLEW; }
    }
    if (nextPv < tn) { tn = nextPv; kind = K_PV; }
    if (stallIdx < stalls.length && (stalls[stallIdx]?.atSeconds ?? Infinity) < tn && stallEnd === Infinity) { tn = Math.max(s.t, stalls[stallIdx]!.atSeconds); kind = K_STALL_START; }
    if (stallEnd < tn) { tn = stallEnd; kind = K_STALL_END; }
    if (catching) {
      const tcu = s.t + (lag - lagLow) / speed;
      if (tcu < tn) { tn = tcu; kind = K_CATCHUP; }
    }
    if (watchdogAt < tn) { tn = watchdogAt; kind = K_WATCHDOG; }

    // Advance linearly to tn.
    const dt = tn - s.t;
    if (dt > 0) {
      let slewPart = 0;
      if (s.slewR !== 0) {
        const d = Math.min(Math.abs(s.slewR), s.slewRate * dt);
        slewPart = s.slewR > 0 ? d : -d;
        s.slewR -= slewPart;
        if (Math.abs(s.slewR) < 1e-15) s.slewR = 0;
        if (s.slewOwner >= 0) slewAcc[s.slewOwner] = (slewAcc[s.slewOwner] ?? 0) + slewPart;
      }
      const clockPart = s.eClock * dt;
      const extraPart = s.extra * dt;
      const freqPart = s.uFreq * dt;
      s.theta += clockPart + extraPart + freqPart + slewPart;
      s.natural += clockPart + extraPart;
      s.csAccum += clockPart;
      clockAcc += clockPart;
      stallAcc += extraPart;
      if (freqOwner >= 0) freqAcc[freqOwner] = (freqAcc[freqOwner] ?? 0) + freqPart;
      if (stallFrozen) lag += dt;
      else if (catching) lag -= speed * dt;
      s.t = tn;
    }

    switch (kind) {
      case K_END:
        break;
      case K_CORR: {
        const c = correctors[who]!;
        const before = stepCount;
        c.fire(kernel);
        if (skip && stepCount > before) tryCycleSkip(c);
        break;
      }
      case K_CROSS: {
        const c = correctors[who]!;
        c.outside = !c.outside;
        c.onCross(s.t, c.outside);
        break;
      }
      case K_SLEW:
        s.slewR = 0;
        s.slewOwner = -1;
        break;
      case K_PV: {
        mark = null; // a cycle that contains another event is not a repeatable one
        const amount = -s.csAccum;
        s.csAccum = 0;
        if (amount !== 0) hyperStep(amount, `the hypervisor re-anchors ${clock.clock} to host time`);
        nextPv += clock.pvUpdateSeconds ?? Infinity;
        break;
      }
      case K_STALL_START: {
        mark = null; // a cycle that contains another event is not a repeatable one
        const st = stalls[stallIdx]!;
        stallIdx++;
        stallEnd = s.t + st.durationSeconds;
        stallKind = st.kind;
        stallFrozen = st.kind === 'suspend' || clock.stall.frozen;
        if (stallFrozen) {
          catching = false;
          s.extra = -1;
        }
        event(`${st.kind === 'suspend' ? 'host suspend' : 'vCPU stalled'} for ${fmtSeconds(st.durationSeconds)}`);
        break;
      }
      case K_STALL_END: {
        mark = null; // a cycle that contains another event is not a repeatable one
        const D = stalls[stallIdx - 1]?.durationSeconds ?? 0;
        stallEnd = Infinity;
        if (stallFrozen) {
          stallFrozen = false;
          s.extra = 0;
          const cu = stallKind === 'suspend' ? null : clock.stall.catchUp;
          const giveUp = cu === 'vbox' ? VBOX_CATCH_UP_GIVE_UP_SECONDS : cu ? cu.giveUpSeconds : 0;
          if (!cu) {
            event(`${fmtSeconds(lag)} lost for good: ${clock.clock} stood still and nothing re-injects the time`);
            lag = 0;
          } else if (lag > giveUp) {
            event(`the hypervisor gives up catching up ${fmtSeconds(lag)} (> ${giveUp} s give-up threshold): the lag is permanent`);
            lag = 0;
          } else {
            startCatchUp();
            if (catching) event(`the hypervisor catches up ${fmtSeconds(lag)} at +${Math.round(speed * 100)} %`);
          }
        } else if (clock.stall.wrapSeconds !== null && stallKind === 'stall') {
          const wraps = Math.floor(D / clock.stall.wrapSeconds);
          if (wraps > 0) hyperStep(-wraps * clock.stall.wrapSeconds, `${clock.clock} was not read for ${fmtSeconds(D)}: ${wraps} counter wrap(s) of ${fmtSeconds(clock.stall.wrapSeconds)} lost`);
        }
        break;
      }
      case K_CATCHUP: {
        mark = null; // a cycle that contains another event is not a repeatable one
        lag = lagLow;
        if (cuIndex > 0) {
          vboxCatchUpRow(cuIndex - 1);
          s.extra = speed;
        } else {
          catching = false;
          s.extra = 0;
          event(`catch-up done (${fmtSeconds(lag)} lag left)`);
          lag = 0;
        }
        break;
      }
      case K_WATCHDOG: {
        mark = null; // a cycle that contains another event is not a repeatable one
        watchdogAt = Infinity;
        const to = cs.watchdog?.switchTo ? cs.clocks.get(cs.watchdog.switchTo) : undefined;
        if (to) {
          event(`clocksource watchdog marks tsc unstable (${fmtSeconds(cs.watchdog?.verdict.skewPerIntervalSeconds ?? 0)} skew per 0.5 s > ${fmtSeconds(cs.watchdog?.verdict.thresholdSeconds ?? 0)}): switched to ${to.clock}`);
          clock = to;
          s.eClock = effectiveE(to);
          nextPv = nextPvAnchor(to, s.t);
        }
        break;
      }
    }
    record();
    plan();
  }

  const theta = s.theta;
  const correctorsOut: CorrectorSummary[] = correctors.map((c) => ({ name: c.name, ...c.stats, active: c.active }));
  const contributions = clock === startClock ? [...startClock.contributions] : [...startClock.contributions, ...clock.contributions];
  const budget: SimResult['budget'] = [];
  if (clockAcc !== 0) budget.push({ tag: 'clock', seconds: clockAcc, text: `${startClock.clock} rate error` });
  if (stallAcc !== 0) budget.push({ tag: 'stalls', seconds: stallAcc, text: 'time standing still in stalls, minus catch-up' });
  if (hyperAcc !== 0) budget.push({ tag: 'hypervisor', seconds: hyperAcc, text: 'hypervisor re-anchors and lost counter wraps' });
  for (let i = 0; i < nC; i++) {
    const n = names[i] ?? '?';
    if (freqAcc[i]) budget.push({ tag: `corrector:${n}:frequency`, seconds: freqAcc[i] ?? 0, text: `${n} frequency correction` });
    if (slewAcc[i]) budget.push({ tag: `corrector:${n}:slew`, seconds: slewAcc[i] ?? 0, text: `${n} slewing` });
    if (stepAcc[i]) budget.push({ tag: `corrector:${n}:steps`, seconds: stepAcc[i] ?? 0, text: `${n} steps` });
  }

  // Two correctors fight when both move the clock and at least one pulls against the other.
  let fight: string | null = null;
  const actors = correctors.filter((c) => c.stats.steps + c.stats.slews > 0 || (freqAcc[c.index] ?? 0) !== 0);
  if (actors.length > 1) {
    const parts = correctors.map((c) => `${c.name} ${fmtSignedSeconds((stepAcc[c.index] ?? 0) + (slewAcc[c.index] ?? 0) + (freqAcc[c.index] ?? 0))} (${c.stats.steps} steps, ${c.stats.slews} slews)`);
    fight = `${actors.map((c) => c.name).join(' and ')} both correct the clock: ${parts.join('; ')}. Run one time-sync service only.`;
  }

  const trc = trace.finish();
  const result: SimResult = {
    params: p,
    durationSeconds: T,
    clocksourceStart: startClock.clock,
    clocksource: clock.clock,
    driftPpm: startClock.e * 1e6,
    longTermDriftPpm: effectiveE(startClock) * 1e6 * (startClock.pvUpdateSeconds !== null ? 0 : 1),
    initialOffsetSeconds: p.initialOffsetSeconds,
    offsetSeconds: theta,
    finalRatePpm: rateOf(s) * 1e6,
    guestElapsedSeconds: T + theta - p.initialOffsetSeconds,
    minOffsetSeconds: minO,
    maxOffsetSeconds: maxO,
    maxAbsOffsetSeconds: Math.max(Math.abs(minO), Math.abs(maxO)),
    steps,
    stepCount,
    slewStarts,
    events,
    correctors: correctorsOut,
    budget,
    contributions,
    clockSet: cs,
    pattern: { kind: 'none', periodSeconds: null, amplitudeSeconds: null, text: '' },
    fight,
    explanation: [],
    assumptions: [...assumptionsUsed].map((k) => assumptionText(k, A[k])),
    trace: trc,
    eventCount,
    cyclesSkipped,
    boundedBelowResolution: bounded,
  };
  result.pattern = classifyPattern(result);
  result.explanation = explain(result, correctors);
  return result;
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
