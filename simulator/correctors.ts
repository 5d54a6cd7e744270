/**
 * Time-sync daemons as small state machines with their real limits and rhythms (model.md §3).
 *
 * `fire` holds each daemon's decision logic and is shared by the event engine and the fixed-step
 * reference. `plan` is only the engine's shortcut: it returns the next time the daemon can do anything
 * that changes the trajectory, skipping polls that provably change nothing while θ moves linearly.
 */
import { ADJTIME_SLEW_RATE, KERNEL_MAXFREQ, type Assumptions } from './constants.js';
import { fmtSignedSeconds } from '../agent/util/format.js';
import type { CorrectorName, CorrectorSpec } from './model-params.js';
import type { EngineState, Kernel } from './state.js';

export interface CorrectorStats {
  polls: number;
  steps: number;
  slews: number;
}

export interface Corrector {
  readonly name: CorrectorName;
  readonly index: number;
  /** This daemon's reference minus true time. */
  readonly ref: number;
  active: boolean;
  /** Poll period used for the "one poll's drift" bound. */
  readonly pollSeconds: number;
  /** |offset| above which the daemon steps (null: it never steps). */
  readonly stepThresholdSeconds: number | null;
  /** Frequency it can correct by itself, fraction. */
  readonly freqAuthority: number;
  /** Seconds a too-large offset may persist before it steps (ntpd stepout), else 0. */
  readonly stepDelaySeconds: number;
  stats: CorrectorStats;
  /** Next scheduled poll (or internal deadline), no skipping. */
  nextDue(): number;
  /**
   * Engine: next time anything can change, given θ moves at `v` until `horizon` (the next event that is
   * not this daemon's). Polls it skips must be provably without effect on θ's path.
   */
  plan(s: EngineState, v: number, horizon: number): number;
  /** Act at time s.t. */
  fire(k: Kernel): void;
  /** |x| level whose crossings the daemon must hear about (ntpd spike detector), or null. */
  watchLevel(): number | null;
  outside: boolean;
  onCross(t: number, outward: boolean): void;
  /** Short description with its settings, for explanations. */
  describe(): string;
  /** Everything that decides its future, relative to time `t` and the natural clock `n` (for cycle detection). */
  fingerprint(t: number, n: number): string;
  /** Move its internal clock by whole cycles the engine skipped: `dt` seconds, `dn` natural seconds. */
  shift(dt: number, dn: number, cycles: number, perCycle: CorrectorStats): void;
}

const clamp = (x: number, lim: number): number => (x > lim ? lim : x < -lim ? -lim : x);
/** First grid time origin + k·P that is ≥ t (k ≥ 0). */
const gridAtOrAfter = (origin: number, period: number, t: number): number => (t <= origin ? origin : origin + Math.ceil((t - origin) / period - 1e-9) * period);

/**
 * The next poll still to run. Polls skipped as no-ops leave `nextPollAt` behind; a skipped poll that
 * falls exactly on the current event's time ran before it (daemons go first at equal times), so the
 * next one is strictly later.
 */
const nextGridPoll = (origin: number, period: number, nextPollAt: number, t: number): number => {
  if (nextPollAt > t) return gridAtOrAfter(origin, period, nextPollAt);
  // The first poll, not run yet.
  if (t <= origin) return origin;
  // From here a poll due at or before now was skipped; one due exactly now ran before the event being
  // handled now (daemons go first at equal times), so the next one is strictly later.
  const k = (t - origin) / period;
  const kr = Math.round(k);
  // A grid time within a nanosecond of now: run already if it is not after now (rounding cannot be told
  // from a tie there); if it is after now, even by less, it is still to come — an event just before a
  // poll does not cancel it. Otherwise the next grid time.
  if (Math.abs(k - kr) * period < 1e-9) return origin + kr * period <= t ? origin + (kr + 1) * period : origin + kr * period;
  return origin + Math.ceil(k) * period;
};

/**
 * What a daemon's frequency loop converges to: the clock's own rate error, without the passing phase
 * effects of stalls, catch-up and hypervisor re-anchors. Stateless on purpose, so a poll skipped as a
 * no-op cannot change what a later poll learns. The first poll of an untrained daemon has no estimate yet.
 */
/**
 * Decisions on a threshold are taken this far past it (1 ns): θ computed in one jump and θ added up
 * poll by poll differ in the last bits, and a crossing that lands exactly on a poll must not be
 * decided by them.
 */
const TIE_SECONDS = 1e-9;

class FreqEstimator {
  private seen = false;
  estimate(s: EngineState): number | null {
    const est = this.seen ? s.eClock : null;
    this.seen = true;
    return est;
  }
  fingerprint(): string {
    return this.seen ? '1' : '0';
  }
}

abstract class Base {
  active = true;
  outside = false;
  stats: CorrectorStats = { polls: 0, steps: 0, slews: 0 };
  protected nextPollAt: number;
  constructor(readonly index: number, readonly ref: number, start: number) {
    this.nextPollAt = start;
  }
  nextDue(): number {
    return this.active ? this.nextPollAt : Infinity;
  }
  plan(_s: EngineState, _v: number, _horizon: number): number {
    return this.nextDue();
  }
  watchLevel(): number | null {
    return null;
  }
  onCross(_t: number, _outward: boolean): void {}
  /** Subclasses add what else decides their future. */
  protected extraFingerprint(_t: number, _n: number): string {
    return '';
  }
  protected extraShift(_dt: number, _dn: number, _cycles: number, _perCycle: CorrectorStats): void {}
  fingerprint(t: number, n: number): string {
    return `${this.active ? 1 : 0}|${this.outside ? 1 : 0}|${(this.nextPollAt - t).toFixed(6)}|${this.extraFingerprint(t, n)}`;
  }
  shift(dt: number, dn: number, cycles: number, perCycle: CorrectorStats): void {
    this.nextPollAt += dt;
    this.stats.polls += cycles * perCycle.polls;
    this.stats.steps += cycles * perCycle.steps;
    this.stats.slews += cycles * perCycle.slews;
    this.extraShift(dt, dn, cycles, perCycle);
  }
}

/** ntpd: 500 ppm frequency authority, 0.128 s step threshold held for the stepout, 1000 s panic. */
class Ntpd extends Base implements Corrector {
  readonly name = 'ntpd' as const;
  readonly freqAuthority = KERNEL_MAXFREQ;
  readonly stepThresholdSeconds: number;
  readonly stepDelaySeconds: number;
  private stepAt: number | null = null;
  private readonly est = new FreqEstimator();
  private first = true;
  private readonly origin: number;
  constructor(index: number, spec: CorrectorSpec, readonly pollSeconds: number, private readonly trained: boolean) {
    super(index, spec.referenceOffsetSeconds ?? 0, spec.startAt ?? 0);
    this.origin = spec.startAt ?? 0;
    this.stepThresholdSeconds = spec.stepThresholdSeconds ?? 0.128;
    this.stepDelaySeconds = spec.stepoutSeconds ?? 900;
  }
  override nextDue(): number {
    if (!this.active) return Infinity;
    return this.stepAt !== null ? Math.min(this.stepAt, this.nextPollAt) : this.nextPollAt;
  }
  override plan(s: EngineState): number {
    if (!this.active) return Infinity;
    const poll = nextGridPoll(this.origin, this.pollSeconds, this.nextPollAt, s.t);
    // While a spike persists every poll is a no-op until the stepout expires — except the first, which
    // loads the drift-file frequency.
    if (this.first || this.stepAt === null) return this.stepAt === null ? poll : Math.min(poll, this.stepAt);
    return this.stepAt;
  }
  /** |offset| up to this is a sample ntpd uses (the step threshold, decided past ties). */
  private get inside(): number {
    return this.stepThresholdSeconds + TIE_SECONDS;
  }
  override watchLevel(): number | null {
    return this.active ? this.inside : null;
  }
  protected override extraFingerprint(t: number, n: number): string {
    return `${this.stepAt === null ? 'none' : (this.stepAt - t).toFixed(6)}|${this.first ? 1 : 0}|${this.est.fingerprint()}`;
  }
  protected override extraShift(dt: number): void {
    if (this.stepAt !== null) this.stepAt += dt;
  }
  override onCross(t: number, outward: boolean): void {
    if (outward) {
      if (this.stepAt === null) this.stepAt = t + this.stepDelaySeconds;
    } else {
      this.stepAt = null;
    }
  }
  fire(k: Kernel): void {
    const s = k.s;
    const x = s.theta - this.ref;
    if (Math.abs(x) > 1000) {
      this.active = false;
      k.note(this.index, `ntpd exits: offset ${fmtSignedSeconds(x)} is beyond the 1000 s panic threshold`);
      return;
    }
    if (this.stepAt !== null && s.t >= this.stepAt - 1e-9) {
      this.stepAt = null;
      if (Math.abs(x) > this.inside) {
        this.stats.steps++;
        k.step(this.index, -x, `ntpd steps after the ${this.stepDelaySeconds} s stepout`);
      }
      return;
    }
    this.stats.polls++;
    this.nextPollAt = gridAtOrAfter(this.origin, this.pollSeconds, s.t) + this.pollSeconds;
    const est = this.est.estimate(s);
    if (this.first) {
      this.first = false;
      if (this.trained) k.setFreq(this.index, clamp(-s.eClock, this.freqAuthority));
    } else if (est !== null && Math.abs(x) <= this.inside) {
      k.setFreq(this.index, clamp(-est, this.freqAuthority));
    }
    if (Math.abs(x) <= this.inside && x !== 0) {
      this.stats.slews++;
      k.adjtime(this.index, -x, ADJTIME_SLEW_RATE);
    }
  }
  describe(): string {
    return `ntpd (500 ppm frequency limit, steps after |offset| > ${this.stepThresholdSeconds} s persists ${this.stepDelaySeconds} s, exits above 1000 s)`;
  }
}

/** chrony: frequency range 100 000 ppm, slews at up to 83 333 ppm, steps only with makestep. */
class Chrony extends Base implements Corrector {
  readonly name = 'chrony' as const;
  readonly freqAuthority = 0.1;
  readonly stepDelaySeconds = 0;
  readonly stepThresholdSeconds: number | null;
  private readonly est = new FreqEstimator();
  private updates = 0;
  constructor(index: number, private readonly spec: CorrectorSpec, readonly pollSeconds: number, private readonly trained: boolean) {
    super(index, spec.referenceOffsetSeconds ?? 0, spec.startAt ?? 0);
    this.stepThresholdSeconds = spec.makestep ? spec.makestep.thresholdSeconds : null;
  }
  override plan(s: EngineState, v: number, _horizon: number): number {
    if (!this.active) return Infinity;
    // Converged: θ at the reference and not moving — polls change nothing until something else happens.
    if (this.updates > 1 && s.slewR === 0 && Math.abs(v) < 1e-15 && Math.abs(s.theta - this.ref) < 1e-12) return Infinity;
    return nextGridPoll(this.spec.startAt ?? 0, this.pollSeconds, this.nextPollAt, s.t);
  }
  protected override extraFingerprint(t: number, n: number): string {
    // Past the makestep limit the update count no longer matters.
    const ms = this.spec.makestep;
    const counted = ms && ms.limit >= 0 && this.updates <= ms.limit ? this.updates : -1;
    return `${counted}|${this.updates > 1 ? 1 : 0}|${this.est.fingerprint()}`;
  }
  protected override extraShift(_dt: number, _dn: number, cycles: number, perCycle: CorrectorStats): void {
    this.updates += cycles * perCycle.polls;
  }
  fire(k: Kernel): void {
    const s = k.s;
    this.stats.polls++;
    this.updates++;
    this.nextPollAt = s.t + this.pollSeconds;
    const x = s.theta - this.ref;
    const est = this.est.estimate(s);
    if (this.updates === 1 && this.trained) k.setFreq(this.index, clamp(-s.eClock, this.freqAuthority));
    else if (est !== null) k.setFreq(this.index, clamp(-(est), this.freqAuthority));
    const ms = this.spec.makestep;
    if (ms && (ms.limit < 0 || this.updates <= ms.limit) && Math.abs(x) > ms.thresholdSeconds) {
      this.stats.steps++;
      k.step(this.index, -x, `chrony makestep (|offset| > ${ms.thresholdSeconds} s in update ${this.updates})`);
      return;
    }
    if (x !== 0) {
      const room = Math.max(0, this.freqAuthority - Math.abs(s.uFreq));
      const rate = Math.min(1 / 12, room);
      if (rate > 0) {
        this.stats.slews++;
        k.adjtime(this.index, -x, rate);
      }
    }
  }
  describe(): string {
    const ms = this.spec.makestep;
    return `chrony (frequency range ±100 000 ppm, slews up to 83 333 ppm${ms ? `, makestep ${ms.thresholdSeconds} ${ms.limit}` : ', no makestep'})`;
  }
}

/** systemd-timesyncd: steps at ≥ 0.4 s, else kernel PLL; poll 32–2048 s. */
class Timesyncd extends Base implements Corrector {
  readonly name = 'timesyncd' as const;
  readonly freqAuthority = KERNEL_MAXFREQ;
  readonly stepThresholdSeconds = 0.4;
  readonly stepDelaySeconds = 0;
  pollSeconds = 32;
  private readonly est = new FreqEstimator();
  constructor(index: number, spec: CorrectorSpec) {
    super(index, spec.referenceOffsetSeconds ?? 0, spec.startAt ?? 0);
  }
  protected override extraFingerprint(): string {
    return `${this.pollSeconds}|${this.est.fingerprint()}`;
  }
  fire(k: Kernel): void {
    const s = k.s;
    this.stats.polls++;
    const x = s.theta - this.ref;
    const est = this.est.estimate(s);
    if (Math.abs(x) >= this.stepThresholdSeconds) {
      // ADJ_SETOFFSET: a step that never feeds the kernel PLL.
      this.stats.steps++;
      k.step(this.index, -x, 'systemd-timesyncd steps (|offset| ≥ 0.4 s)');
      this.pollSeconds = 32;
    } else {
      if (est !== null) k.setFreq(this.index, clamp(-est, this.freqAuthority));
      if (x !== 0) {
        this.stats.slews++;
        k.adjtime(this.index, -x, ADJTIME_SLEW_RATE);
      }
      const a = Math.abs(x);
      if (a > 0.2) this.pollSeconds = 32;
      else if (a > 0.15) this.pollSeconds = Math.max(32, this.pollSeconds / 2);
      else if (a < 0.05) this.pollSeconds = Math.min(2048, this.pollSeconds * 2);
    }
    this.nextPollAt = s.t + this.pollSeconds;
  }
  describe(): string {
    return 'systemd-timesyncd (steps at |offset| ≥ 0.4 s, kernel PLL below, polls 32–2048 s)';
  }
}

/** VBoxService timesync: every 10 s, adjtime above 100 ms, step above 20 min (model.md §3.5). */
class VBoxService extends Base implements Corrector {
  readonly name = 'vboxservice' as const;
  readonly freqAuthority = 0;
  readonly stepDelaySeconds = 0;
  readonly pollSeconds: number;
  readonly stepThresholdSeconds: number;
  private readonly minAdjust: number;
  private readonly base: number;
  private readonly origin: number;
  constructor(index: number, spec: CorrectorSpec, latencySeconds: number) {
    super(index, spec.referenceOffsetSeconds ?? 0, spec.startAt ?? 0);
    this.origin = spec.startAt ?? 0;
    this.pollSeconds = spec.intervalSeconds ?? 10;
    this.minAdjust = spec.minAdjustSeconds ?? 0.1;
    this.stepThresholdSeconds = spec.setThresholdSeconds ?? 1200;
    this.base = Math.max(this.minAdjust, latencySeconds * (spec.latencyFactor ?? 8));
  }
  /** Guest ahead (x > 0) gets an extra min-adjust of buffer against moving time backwards. */
  private acts(x: number): boolean {
    return x > 0 ? x > this.base + this.minAdjust + TIE_SECONDS : -x > this.base + TIE_SECONDS;
  }
  override plan(s: EngineState, v: number, horizon: number): number {
    if (!this.active) return Infinity;
    // Polls skipped as no-ops leave nextPollAt behind; the next one due is on the grid from now.
    const g = nextGridPoll(this.origin, this.pollSeconds, this.nextPollAt, s.t);
    const xNow = s.theta - this.ref;
    const xg = xNow + v * (g - s.t);
    const P = this.pollSeconds;
    const firstAfter = (te: number): number => (te <= g ? g : gridAtOrAfter(g, P, te));
    if (!this.acts(xg)) {
      if (v === 0) return Infinity;
      const bound = v > 0 ? this.base + this.minAdjust + TIE_SECONDS : -this.base - TIE_SECONDS;
      return firstAfter(s.t + (bound - xNow) / v);
    }
    // Acting at g. If it only re-issues the slew it already owns, in the same direction, with more left
    // than one interval can deliver, θ's path is unchanged: jump to the last such poll.
    const d = -xg;
    const slewing = s.slewOwner === this.index && s.slewR !== 0 && Math.sign(s.slewR) === Math.sign(d) && s.slewRate === ADJTIME_SLEW_RATE;
    const minD = Math.max(this.minAdjustFor(xg), ADJTIME_SLEW_RATE * P);
    if (!slewing || v === 0 || Math.abs(d) > this.stepThresholdSeconds || Math.abs(d) <= minD) return g;
    // Band of x where polls keep re-issuing: sign fixed, minD < |x| ≤ threshold.
    const lo = d > 0 ? -this.stepThresholdSeconds : minD;
    const hi = d > 0 ? -minD : this.stepThresholdSeconds;
    const te = s.t + ((v > 0 ? hi : lo) - xNow) / v;
    const exitPoll = firstAfter(te);
    const slewEnd = s.t + Math.abs(s.slewR) / s.slewRate;
    const lastInside = exitPoll - P;
    // Strictly before the slew would run out, so the re-issue comes first and no tie is left to chance.
    const lastBeforeSlewEnd = g + Math.floor((slewEnd - 1e-6 - g) / P) * P;
    // Stop re-issuing at the last poll before another event, so the outstanding amount is exact then.
    const lastBeforeHorizon = horizon === Infinity ? Infinity : g + Math.floor((horizon - g) / P + 1e-9) * P;
    return Math.max(g, Math.min(lastInside, lastBeforeSlewEnd, lastBeforeHorizon));
  }
  fire(k: Kernel): void {
    const s = k.s;
    this.stats.polls++;
    const g = gridAtOrAfter(this.origin, this.pollSeconds, s.t);
    this.nextPollAt = Math.abs(g - s.t) < 1e-9 ? g + this.pollSeconds : g;
    const x = s.theta - this.ref;
    if (!this.acts(x)) return;
    const drift = -x;
    if (Math.abs(drift) > this.stepThresholdSeconds) {
      this.stats.steps++;
      k.step(this.index, drift, `VBoxService sets the time (|drift| > ${this.stepThresholdSeconds} s set threshold)`);
    } else {
      if (!(s.slewOwner === this.index && s.slewR !== 0)) this.stats.slews++;
      k.adjtime(this.index, drift, ADJTIME_SLEW_RATE);
    }
  }
  minAdjustFor(x: number): number {
    return x > 0 ? this.base + this.minAdjust : this.base;
  }
  describe(): string {
    return `VBoxService timesync (every ${this.pollSeconds} s; adjtime at 500 µs/s above ${this.minAdjust * 1000} ms; sets the time above ${this.stepThresholdSeconds} s)`;
  }
}

/** VMware Tools periodic sync: every 60 s, slews 50 % of the error, steps forward when behind > maxTimeLag. */
class VmwareTools extends Base implements Corrector {
  readonly name = 'vmware-tools' as const;
  readonly freqAuthority = 0.1;
  readonly stepDelaySeconds = 0;
  readonly pollSeconds = 60;
  readonly stepThresholdSeconds: number;
  constructor(index: number, spec: CorrectorSpec, maxLag: number) {
    super(index, spec.referenceOffsetSeconds ?? 0, spec.startAt ?? 0);
    this.stepThresholdSeconds = maxLag;
  }
  fire(k: Kernel): void {
    const s = k.s;
    this.stats.polls++;
    this.nextPollAt = s.t + this.pollSeconds;
    const x = s.theta - this.ref;
    if (x < -this.stepThresholdSeconds) {
      this.stats.steps++;
      k.step(this.index, -x, `VMware Tools steps forward (behind by more than ${this.stepThresholdSeconds} s)`);
      return;
    }
    if (x !== 0) {
      // ADJ_TICK slew of half the error over the next period, tick length clamped to ±10 %.
      const rate = Math.min(Math.abs(0.5 * x) / this.pollSeconds, 0.1);
      this.stats.slews++;
      k.adjtime(this.index, -0.5 * x, rate);
    }
  }
  describe(): string {
    return `VMware Tools timesync (every 60 s; slews 50 % of the error; steps forward when behind by more than ${this.stepThresholdSeconds} s)`;
  }
}

export function createCorrectors(specs: readonly CorrectorSpec[], a: Assumptions): Corrector[] {
  return specs.map((spec, i): Corrector => {
    switch (spec.name) {
      case 'ntpd': return new Ntpd(i, spec, a.ntpdPollSeconds, spec.trained ?? true);
      case 'chrony': return new Chrony(i, spec, a.chronyPollSeconds, spec.trained ?? true);
      case 'timesyncd': return new Timesyncd(i, spec);
      case 'vboxservice': return new VBoxService(i, spec, a.vboxServiceLatencySeconds);
      case 'vmware-tools': return new VmwareTools(i, spec, a.vmwareToolsMaxTimeLagSeconds);
    }
  });
}

/** Which [U] assumptions a corrector set depends on. */
export function correctorAssumptions(specs: readonly CorrectorSpec[]): (keyof Assumptions)[] {
  const out: (keyof Assumptions)[] = [];
  for (const s of specs) {
    if (s.name === 'ntpd') out.push('ntpdPollSeconds');
    if (s.name === 'chrony') out.push('chronyPollSeconds');
    if (s.name === 'vboxservice') out.push('vboxServiceLatencySeconds');
    if (s.name === 'vmware-tools') out.push('vmwareToolsMaxTimeLagSeconds');
  }
  return out;
}
