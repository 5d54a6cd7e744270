/**
 * The mutable state the engine (event-driven) and the reference (fixed-step) advance, and the kernel
 * interface correctors act through. Between events every rate is constant, so θ is piecewise linear.
 */

export interface EngineState {
  /** True seconds since start. */
  t: number;
  /** Guest minus true time, seconds. */
  theta: number;
  /** Rate error of the clocksource in use (fraction). */
  eClock: number;
  /** −1 while a frozen clock stands still in a stall, +speed-up while the hypervisor catches up, else 0. */
  extra: number;
  /** Kernel frequency adjustment set by a corrector (fraction). */
  uFreq: number;
  /** Outstanding slew (adjtime) in seconds, signed; delivered at `slewRate` per second. */
  slewR: number;
  slewRate: number;
  /** Index of the corrector owning the slew, −1 none. */
  slewOwner: number;
  /** ∫(eClock + extra) dt plus hypervisor steps: what the clock would show with no corrector. */
  natural: number;
  /** Clock error accumulated since the last pvclock re-anchor. */
  csAccum: number;
}

/** dθ/dt right now. */
export function rateOf(s: EngineState): number {
  return s.eClock + s.extra + s.uFreq + (s.slewR > 0 ? s.slewRate : s.slewR < 0 ? -s.slewRate : 0);
}

/** What a corrector may do to the guest kernel. */
export interface Kernel {
  readonly s: EngineState;
  /** Step the clock by `amount` seconds (settimeofday / ADJ_SETOFFSET). */
  step(by: number, amount: number, reason: string): void;
  /** adjtime-style slew of `amount` seconds at `rate`; replaces any outstanding slew. */
  adjtime(by: number, amount: number, rate: number): void;
  /** Set the kernel frequency correction. */
  setFreq(by: number, u: number): void;
  /** A corrector gave up or exited. */
  note(by: number, text: string): void;
}
