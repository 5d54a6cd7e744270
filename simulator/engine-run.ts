/**
 * One run of the event-driven engine: the state θ(t) and everything that acts on it, advanced from
 * event to event. `simulate` (engine.ts) builds a `Run`, calls `run()` and packs the result.
 *
 * θ is piecewise linear: every rate is constant between events, so the loop finds the next event
 * (a corrector poll that can change something, a slew end, a pvclock re-anchor, a stall edge, a
 * catch-up speed change, the watchdog), moves θ linearly to it and lets it act. Each kind of event is
 * one small method; the arithmetic and its order are the ones the goldens were made with.
 */
import { VBOX_CATCH_UP_GIVE_UP_SECONDS, VBOX_CATCH_UP_STOP_SECONDS, VBOX_CATCH_UP_TABLE } from './constants.js';
import type { ClockModel, ClockSet } from './clocks.js';
import type { Corrector, CorrectorStats } from './correctors.js';
import { fmtSeconds } from '../agent/util/format.js';
import { ModelError, type ModelParams, type StallSpec } from './model-params.js';
import { rateOf, type EngineState, type Kernel } from './state.js';
import { TraceRecorder } from './trace.js';

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

/** pvclocks re-anchored more often than this are reported as a bound instead of stepped (Xen, 1 s). */
export const MIN_PV_EVENT_PERIOD = 10;
/** A runaway guard: far above any real configuration (a year of ntpd is ≈80 000 events). */
const MAX_EVENTS = 50_000_000;

/** What the loop does next. */
const Kind = { End: 0, Corrector: 1, SlewEnd: 2, PvAnchor: 3, StallStart: 4, StallEnd: 5, CatchUp: 6, Watchdog: 7, Cross: 8 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

/** The rate a clock contributes between events: 0 for a pvclock re-anchored too often to step. */
export function effectiveE(m: ClockModel): number {
  return m.pvUpdateSeconds !== null && m.pvUpdateSeconds < MIN_PV_EVENT_PERIOD ? 0 : m.e;
}

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

/**
 * Cycle skipping's memory of the last corrector step: when the next step leaves the whole state
 * (relative to now) exactly as this one did, the cycles in between repeat exactly.
 */
interface CycleMark {
  /** Built only when the cheap numeric check matched (strings cost more than a whole event). */
  fp: string | null; theta: number; uFreq: number; slewR: number; due: number; t: number; natural: number; csAccum: number; clockAcc: number; stallAcc: number; hyperAcc: number;
  freqAcc: number; slewAcc: number; stepAcc: number; stepCount: number; stepsLen: number; stats: CorrectorStats;
}

/** Offset accumulated per cause, seconds. */
export interface Budget {
  clock: number;
  stall: number;
  hyper: number;
  freq: Float64Array;
  slew: Float64Array;
  step: Float64Array;
}

export class Run {
  readonly s: EngineState;
  readonly T: number;
  clock: ClockModel;
  readonly steps: StepRecord[] = [];
  stepCount = 0;
  readonly events: EventRecord[] = [];
  readonly slewStarts: number[] = [];
  readonly trace: TraceRecorder;
  minO: number;
  maxO: number;
  readonly budget: Budget;
  freqOwner = -1;
  cyclesSkipped = 0;
  eventCount = 0;
  readonly names: string[];
  readonly kernel: Kernel;

  private readonly maxSteps: number;
  private readonly nC: number;
  private readonly skip: boolean;
  private readonly corrNext: Float64Array;
  // Extremes since the last corrector step, for cycle skipping.
  private cycMin: number;
  private cycMinT = 0;
  private cycMax: number;
  private cycMaxT = 0;
  private mark: CycleMark | null = null;
  // Stalls, sorted; the one in progress ends at stallEnd.
  private readonly stalls: StallSpec[];
  private stallIdx = 0;
  private stallEnd = Infinity;
  private stallKind: 'stall' | 'suspend' = 'stall';
  private stallFrozen = false;
  // Catch-up: lag in seconds, speed, and the lag at which the speed changes next.
  private catching = false;
  private lag = 0;
  private speed = 0;
  private lagLow = 0;
  private cuIndex = -1;
  private nextPv: number;
  private watchdogAt: number;

  constructor(readonly p: ModelParams, readonly cs: ClockSet, start: ClockModel, readonly correctors: Corrector[], opts: { traceBuckets?: number; maxStepRecords?: number; noSkip?: boolean }) {
    this.T = p.durationSeconds;
    this.clock = start;
    this.maxSteps = opts.maxStepRecords ?? 2000;
    this.s = { t: 0, theta: p.initialOffsetSeconds, eClock: effectiveE(start), extra: 0, uFreq: 0, slewR: 0, slewRate: 0, slewOwner: -1, natural: 0, csAccum: 0 };
    this.nC = correctors.length;
    this.names = correctors.map((c) => c.name as string);
    this.trace = new TraceRecorder(this.T, opts.traceBuckets ?? 1000);
    this.minO = this.maxO = this.cycMin = this.cycMax = this.s.theta;
    this.budget = { clock: 0, stall: 0, hyper: 0, freq: new Float64Array(this.nC), slew: new Float64Array(this.nC), step: new Float64Array(this.nC) };
    this.stalls = [...p.stalls].filter((x) => x.durationSeconds > 0).sort((a, b) => a.atSeconds - b.atSeconds);
    this.nextPv = nextPvAnchor(start, 0);
    this.watchdogAt = cs.watchdog?.switchTo && cs.watchdog.verdict.detectedAfterSeconds !== null ? cs.watchdog.verdict.detectedAfterSeconds : Infinity;
    this.corrNext = new Float64Array(this.nC);
    // With several daemons each one's skipped polls could straddle the other's actions: no skipping then.
    this.skip = !opts.noSkip && this.nC === 1;
    this.kernel = this.makeKernel();
  }

  /** Run to the end of the duration. */
  run(): this {
    this.record();
    this.plan();
    this.updateOutside();
    while (this.s.t < this.T) {
      if (++this.eventCount > MAX_EVENTS) throw new ModelError(`more than ${MAX_EVENTS} events before ${fmtSeconds(this.s.t)}: shorten the duration`);
      const { tn, kind, who } = this.nextEvent();
      this.advance(tn);
      this.handle(kind, who);
      this.record();
      this.plan();
    }
    return this;
  }

  private event(text: string): void {
    if (this.events.length < 200) this.events.push({ t: this.s.t, text });
  }

  private record(): void {
    const s = this.s;
    this.trace.add(s.t, s.theta);
    if (s.theta < this.minO) this.minO = s.theta;
    if (s.theta > this.maxO) this.maxO = s.theta;
    if (s.theta < this.cycMin) { this.cycMin = s.theta; this.cycMinT = s.t; }
    if (s.theta > this.cycMax) { this.cycMax = s.theta; this.cycMaxT = s.t; }
  }

  private pushStep(seconds: number, by: string, reason: string): void {
    this.stepCount++;
    if (this.steps.length < this.maxSteps) this.steps.push({ t: this.s.t, seconds, by, reason });
  }

  /**
   * After a jump of θ (a step by anyone) a watcher hears that it is now inside or outside its level,
   * as ntpd would at its next sample.
   */
  private updateOutside(): void {
    for (const c of this.correctors) {
      const L = c.active ? c.watchLevel() : null;
      if (L === null) continue;
      const was = c.outside;
      c.outside = Math.abs(this.s.theta - c.ref) > L;
      if (was !== c.outside) c.onCross(this.s.t, c.outside);
    }
  }

  private hyperStep(amount: number, reason: string): void {
    this.record();
    this.s.theta += amount;
    this.s.natural += amount;
    this.budget.hyper += amount;
    this.pushStep(amount, 'hypervisor', reason);
    this.record();
    this.updateOutside();
  }

  /** What correctors may do to the guest kernel. */
  private makeKernel(): Kernel {
    const s = this.s;
    return {
      s,
      step: (by, amount, reason) => {
        this.record();
        s.theta += amount;
        this.budget.step[by] = (this.budget.step[by] ?? 0) + amount;
        if (s.slewOwner === by) { s.slewR = 0; s.slewOwner = -1; }
        this.pushStep(amount, this.names[by] ?? '?', reason);
        this.record();
        this.updateOutside();
      },
      adjtime: (by, amount, rate) => {
        if (s.slewR === 0 || s.slewOwner !== by) this.slewStarts.length < 100000 && this.slewStarts.push(s.t);
        s.slewR = amount;
        s.slewRate = rate;
        s.slewOwner = amount === 0 ? -1 : by;
      },
      setFreq: (by, u) => {
        s.uFreq = u;
        this.freqOwner = by;
      },
      note: (_by, text) => { this.event(text); },
    };
  }

  /** VirtualBox catch-up at table row `i`: its speed, until the lag falls to the row's floor (the stop lag for row 0). */
  private vboxCatchUpRow(i: number): void {
    this.cuIndex = i;
    this.speed = VBOX_CATCH_UP_TABLE[i]?.speedUp ?? 0;
    this.lagLow = i === 0 ? VBOX_CATCH_UP_STOP_SECONDS : (VBOX_CATCH_UP_TABLE[i]?.lagSeconds ?? 0);
  }

  private startCatchUp(): void {
    const cu = this.clock.stall.catchUp;
    if (!cu) return;
    if (cu === 'vbox') {
      if (this.lag < (VBOX_CATCH_UP_TABLE[0]?.lagSeconds ?? 0)) return;
      this.vboxCatchUpRow(catchUpIndex(this.lag));
    } else {
      this.cuIndex = -1;
      this.speed = cu.speedUp;
      this.lagLow = 0;
    }
    this.catching = true;
    this.s.extra = this.speed;
  }

  /** The next event that is not a corrector's own (the horizon for poll skipping). */
  private nextOtherEvent(): number {
    const s = this.s;
    let h = this.T;
    if (this.nextPv < h) h = this.nextPv;
    if (this.stallEnd === Infinity && this.stallIdx < this.stalls.length) h = Math.min(h, Math.max(s.t, this.stalls[this.stallIdx]?.atSeconds ?? Infinity));
    if (this.stallEnd < h) h = this.stallEnd;
    if (this.catching) h = Math.min(h, s.t + (this.lag - this.lagLow) / this.speed);
    if (this.watchdogAt < h) h = this.watchdogAt;
    return h;
  }

  private fingerprint(c: Corrector): string {
    const s = this.s;
    return `${s.eClock}|${s.extra}|${s.uFreq.toPrecision(15)}|${s.slewR.toPrecision(12)}|${s.slewRate}|${s.slewOwner}|${s.theta.toPrecision(12)}|${this.freqOwner}|${c.fingerprint(s.t, s.natural)}`;
  }

  /**
   * Cycle skipping: when a corrector step leaves the whole state (relative to now) exactly as the
   * previous step did, the next cycles repeat it exactly until some other event; jump over them in one
   * go, adding their steps, budget and trace. Makes a year of steps every 32 s cost a few cycles.
   */
  private tryCycleSkip(c: Corrector): void {
    const s = this.s;
    if (this.catching || this.stallFrozen || this.stallEnd !== Infinity) { this.mark = null; return; }
    const due = c.nextDue() - s.t;
    const m = this.mark;
    const cheap = m !== null && m.theta === s.theta && m.uFreq === s.uFreq && m.slewR === s.slewR && Math.abs(m.due - due) < 1e-6;
    const fp = cheap ? this.fingerprint(c) : null;
    if (m !== null && fp !== null && m.fp === fp && s.t > m.t) {
      const period = s.t - m.t;
      const cycles = Math.floor((this.nextOtherEvent() - s.t) / period) - 1;
      if (cycles >= 1) this.skipCycles(c, m, period, cycles);
    }
    this.markCycle(c, fp, due);
  }

  /** Repeat the cycle since `m` `cycles` times: steps, budget, trace, the corrector's own clock. */
  private skipCycles(c: Corrector, m: CycleMark, period: number, cycles: number): void {
    const s = this.s;
    const b = this.budget;
    const i = c.index;
    const D = cycles * period;
    const dn = s.natural - m.natural;
    const per = { polls: c.stats.polls - m.stats.polls, steps: c.stats.steps - m.stats.steps, slews: c.stats.slews - m.stats.slews };
    // Trace: the cycle's extremes and the step edge, repeated.
    this.trace.addPeriodic(m.t, period, cycles, [[this.cycMinT - m.t, this.cycMin], [this.cycMaxT - m.t, this.cycMax], [period, s.theta]]);
    const cycleSteps = this.steps.slice(m.stepsLen);
    for (let k = 1; k <= cycles && this.steps.length < this.maxSteps && cycleSteps.length > 0; k++) {
      for (const st of cycleSteps) if (this.steps.length < this.maxSteps) this.steps.push({ ...st, t: st.t + k * period });
    }
    this.stepCount += cycles * (this.stepCount - m.stepCount);
    b.clock += cycles * (b.clock - m.clockAcc);
    b.stall += cycles * (b.stall - m.stallAcc);
    b.hyper += cycles * (b.hyper - m.hyperAcc);
    b.freq[i] = (b.freq[i] ?? 0) + cycles * ((b.freq[i] ?? 0) - m.freqAcc);
    b.slew[i] = (b.slew[i] ?? 0) + cycles * ((b.slew[i] ?? 0) - m.slewAcc);
    b.step[i] = (b.step[i] ?? 0) + cycles * ((b.step[i] ?? 0) - m.stepAcc);
    s.csAccum += cycles * (s.csAccum - m.csAccum);
    s.natural += cycles * dn;
    c.shift(D, cycles * dn, cycles, per);
    s.t += D;
    this.cyclesSkipped += cycles;
  }

  private markCycle(c: Corrector, fp: string | null, due: number): void {
    const s = this.s;
    const b = this.budget;
    const i = c.index;
    this.mark = {
      fp, theta: s.theta, uFreq: s.uFreq, slewR: s.slewR, due, t: s.t, natural: s.natural, csAccum: s.csAccum, clockAcc: b.clock, stallAcc: b.stall, hyperAcc: b.hyper,
      freqAcc: b.freq[i] ?? 0, slewAcc: b.slew[i] ?? 0, stepAcc: b.step[i] ?? 0, stepCount: this.stepCount, stepsLen: this.steps.length, stats: { ...c.stats },
    };
    this.cycMin = this.cycMax = s.theta;
    this.cycMinT = this.cycMaxT = s.t;
  }

  private plan(): void {
    const v = rateOf(this.s);
    const horizon = this.skip ? this.nextOtherEvent() : Infinity;
    for (let i = 0; i < this.nC; i++) {
      const c = this.correctors[i]!;
      this.corrNext[i] = this.skip ? c.plan(this.s, v, horizon) : c.nextDue();
    }
  }

  /** The earliest event; on ties the first found wins (correctors before the rest, as the goldens were made). */
  private nextEvent(): { tn: number; kind: Kind; who: number } {
    let ev: { tn: number; kind: Kind; who: number } = { tn: this.T, kind: Kind.End, who: -1 };
    for (let i = 0; i < this.nC; i++) {
      const ti = this.corrNext[i]!;
      if (ti < ev.tn) ev = { tn: ti, kind: Kind.Corrector, who: i };
    }
    ev = this.crossingEvent(ev);
    return this.otherEvent(ev);
  }

  /** Threshold watchers (ntpd's spike detector): when does |θ − ref| cross the level? */
  private crossingEvent(ev: { tn: number; kind: Kind; who: number }): { tn: number; kind: Kind; who: number } {
    const s = this.s;
    const v = rateOf(s);
    for (let i = 0; i < this.nC; i++) {
      const c = this.correctors[i]!;
      const L = c.active ? c.watchLevel() : null;
      if (L === null || v === 0) continue;
      const x = s.theta - c.ref;
      let tc = Infinity;
      if (!c.outside) tc = s.t + ((v > 0 ? L : -L) - x) / v;
      else if (x > 0 && v < 0) tc = s.t + (L - x) / v;
      else if (x < 0 && v > 0) tc = s.t + (-L - x) / v;
      if (tc < s.t) tc = s.t;
      if (tc < ev.tn) ev = { tn: tc, kind: Kind.Cross, who: i };
    }
    return ev;
  }

  private otherEvent(ev: { tn: number; kind: Kind; who: number }): { tn: number; kind: Kind; who: number } {
    const s = this.s;
    let tn = ev.tn;
    let kind: Kind = ev.kind;
    if (s.slewR !== 0) {
      const te = s.t + Math.abs(s.slewR) / s.slewRate;
      if (te < tn) { tn = te; kind = Kind.SlewEnd; }
    }
    if (this.nextPv < tn) { tn = this.nextPv; kind = Kind.PvAnchor; }
    const next = this.stalls[this.stallIdx];
    if (next !== undefined && next.atSeconds < tn && this.stallEnd === Infinity) { tn = Math.max(s.t, next.atSeconds); kind = Kind.StallStart; }
    if (this.stallEnd < tn) { tn = this.stallEnd; kind = Kind.StallEnd; }
    if (this.catching) {
      const tcu = s.t + (this.lag - this.lagLow) / this.speed;
      if (tcu < tn) { tn = tcu; kind = Kind.CatchUp; }
    }
    if (this.watchdogAt < tn) { tn = this.watchdogAt; kind = Kind.Watchdog; }
    return { tn, kind, who: ev.who };
  }

  /** Move θ linearly to `tn`. */
  private advance(tn: number): void {
    const s = this.s;
    const b = this.budget;
    const dt = tn - s.t;
    if (!(dt > 0)) return;
    let slewPart = 0;
    if (s.slewR !== 0) {
      const d = Math.min(Math.abs(s.slewR), s.slewRate * dt);
      slewPart = s.slewR > 0 ? d : -d;
      s.slewR -= slewPart;
      if (Math.abs(s.slewR) < 1e-15) s.slewR = 0;
      if (s.slewOwner >= 0) b.slew[s.slewOwner] = (b.slew[s.slewOwner] ?? 0) + slewPart;
    }
    const clockPart = s.eClock * dt;
    const extraPart = s.extra * dt;
    const freqPart = s.uFreq * dt;
    s.theta += clockPart + extraPart + freqPart + slewPart;
    s.natural += clockPart + extraPart;
    s.csAccum += clockPart;
    b.clock += clockPart;
    b.stall += extraPart;
    if (this.freqOwner >= 0) b.freq[this.freqOwner] = (b.freq[this.freqOwner] ?? 0) + freqPart;
    if (this.stallFrozen) this.lag += dt;
    else if (this.catching) this.lag -= this.speed * dt;
    s.t = tn;
  }

  private handle(kind: Kind, who: number): void {
    switch (kind) {
      case Kind.End: return;
      case Kind.Corrector: this.onCorrector(who); return;
      case Kind.Cross: {
        const c = this.correctors[who]!;
        c.outside = !c.outside;
        c.onCross(this.s.t, c.outside);
        return;
      }
      case Kind.SlewEnd:
        this.s.slewR = 0;
        this.s.slewOwner = -1;
        return;
      // A cycle that contains any other event is not a repeatable one.
      case Kind.PvAnchor: this.mark = null; this.onPvAnchor(); return;
      case Kind.StallStart: this.mark = null; this.onStallStart(); return;
      case Kind.StallEnd: this.mark = null; this.onStallEnd(); return;
      case Kind.CatchUp: this.mark = null; this.onCatchUpStep(); return;
      case Kind.Watchdog: this.mark = null; this.onWatchdog(); return;
    }
  }

  private onCorrector(who: number): void {
    const c = this.correctors[who]!;
    const before = this.stepCount;
    c.fire(this.kernel);
    if (this.skip && this.stepCount > before) this.tryCycleSkip(c);
  }

  private onPvAnchor(): void {
    const amount = -this.s.csAccum;
    this.s.csAccum = 0;
    if (amount !== 0) this.hyperStep(amount, `the hypervisor re-anchors ${this.clock.clock} to host time`);
    this.nextPv += this.clock.pvUpdateSeconds ?? Infinity;
  }

  private onStallStart(): void {
    const st = this.stalls[this.stallIdx]!;
    this.stallIdx++;
    this.stallEnd = this.s.t + st.durationSeconds;
    this.stallKind = st.kind;
    this.stallFrozen = st.kind === 'suspend' || this.clock.stall.frozen;
    if (this.stallFrozen) {
      this.catching = false;
      this.s.extra = -1;
    }
    this.event(`${st.kind === 'suspend' ? 'host suspend' : 'vCPU stalled'} for ${fmtSeconds(st.durationSeconds)}`);
  }

  private onStallEnd(): void {
    const D = this.stalls[this.stallIdx - 1]?.durationSeconds ?? 0;
    this.stallEnd = Infinity;
    if (this.stallFrozen) this.thaw();
    else if (this.clock.stall.wrapSeconds !== null && this.stallKind === 'stall') {
      const w = this.clock.stall.wrapSeconds;
      const wraps = Math.floor(D / w);
      if (wraps > 0) this.hyperStep(-wraps * w, `${this.clock.clock} was not read for ${fmtSeconds(D)}: ${wraps} counter wrap(s) of ${fmtSeconds(w)} lost`);
    }
  }

  /** A frozen clock runs again: its lag is caught up, given up, or lost. */
  private thaw(): void {
    this.stallFrozen = false;
    this.s.extra = 0;
    const cu = this.stallKind === 'suspend' ? null : this.clock.stall.catchUp;
    const giveUp = cu === 'vbox' ? VBOX_CATCH_UP_GIVE_UP_SECONDS : cu ? cu.giveUpSeconds : 0;
    if (!cu) {
      this.event(`${fmtSeconds(this.lag)} lost for good: ${this.clock.clock} stood still and nothing re-injects the time`);
      this.lag = 0;
    } else if (this.lag > giveUp) {
      this.event(`the hypervisor gives up catching up ${fmtSeconds(this.lag)} (> ${giveUp} s give-up threshold): the lag is permanent`);
      this.lag = 0;
    } else {
      this.startCatchUp();
      if (this.catching) this.event(`the hypervisor catches up ${fmtSeconds(this.lag)} at +${Math.round(this.speed * 100)} %`);
    }
  }

  private onCatchUpStep(): void {
    this.lag = this.lagLow;
    if (this.cuIndex > 0) {
      this.vboxCatchUpRow(this.cuIndex - 1);
      this.s.extra = this.speed;
    } else {
      this.catching = false;
      this.s.extra = 0;
      this.event(`catch-up done (${fmtSeconds(this.lag)} lag left)`);
      this.lag = 0;
    }
  }

  private onWatchdog(): void {
    this.watchdogAt = Infinity;
    const wd = this.cs.watchdog;
    const to = wd?.switchTo ? this.cs.clocks.get(wd.switchTo) : undefined;
    if (!to) return;
    this.event(`clocksource watchdog marks tsc unstable (${fmtSeconds(wd?.verdict.skewPerIntervalSeconds ?? 0)} skew per 0.5 s > ${fmtSeconds(wd?.verdict.thresholdSeconds ?? 0)}): switched to ${to.clock}`);
    this.clock = to;
    this.s.eClock = effectiveE(to);
    this.nextPv = nextPvAnchor(to, this.s.t);
  }
}
