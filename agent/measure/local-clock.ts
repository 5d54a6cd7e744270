/**
 * This guest's clocks, read precisely enough to measure ppm.
 *
 * The clock being measured is CLOCK_REALTIME (the wall clock: that is what drifts and what a
 * synchroniser steps), but Node only exposes it in whole milliseconds (`Date.now()`), which would cap
 * precision at ~6 ppm over 30 s. CLOCK_MONOTONIC (`process.hrtime`) has ns resolution and runs at the
 * same rate — the kernel derives both from one clocksource with one frequency correction — and differs
 * from REALTIME only by an offset W that changes when the wall clock is stepped (settimeofday,
 * ADJ_SETOFFSET, a leap second). So we find W to ~1 µs by watching for a millisecond edge of
 * `Date.now()` and bracket it with monotonic reads; then REALTIME = MONOTONIC + W, and every change of
 * W is a step of the wall clock, seen here whatever the reference says.
 */

import { setTimeout as timerSleep } from 'node:timers/promises';

/** A wall-clock step smaller than this is indistinguishable from the W estimate's own noise. */
export const LOCAL_STEP_MIN_NS = 1_000_000n;
/** A millisecond edge is only trusted when the two `Date.now()` calls around it were this close. */
const EDGE_BRACKET_MAX_NS = 20_000n;
const EDGE_TRIES = 5;
/** Slack of the cheap step check around its (−1 ms, 0] window (W's own error, a slow read). */
const QUICK_TOLERANCE_NS = 300_000n;

/** How a wait on a clock may end early, and whether it keeps the process alive. */
export interface SleepOptions {
  /** Ends the wait early (it then resolves; it never rejects). */
  signal?: AbortSignal;
  /** false: the wait alone does not keep Node running (the agent's background loop). Default true. */
  ref?: boolean;
}

/**
 * Reads of the local clocks, and waits measured on them; injectable so tests can step the wall clock
 * or run a whole measurement on simulated time (the reads and the waits must be on one clock, or a
 * simulated run would wait for real).
 */
export interface ClockSource {
  monoNs(): bigint;
  realtimeMs(): number;
  /** Wait `ms` of this clock's monotonic time. Default: Node's timers. */
  sleep?(ms: number, opts?: SleepOptions): Promise<void>;
}

/** Node's timers; an aborted wait resolves at once. */
export function timerWait(ms: number, opts: SleepOptions = {}): Promise<void> {
  return timerSleep(Math.max(0, ms), undefined, { signal: opts.signal, ref: opts.ref ?? true }).catch(() => undefined);
}

export const systemClockSource: ClockSource = {
  monoNs: () => process.hrtime.bigint(),
  realtimeMs: () => Date.now(),
  sleep: timerWait,
};

/** A wall-clock step seen as a jump of W. `sizeNs` > 0: the wall clock jumped forward. */
export interface LocalStep {
  monoNs: bigint;
  sizeNs: bigint;
}

export class LocalClock {
  private w: bigint | null = null;
  private wError: bigint | null = null;

  constructor(private readonly src: ClockSource = systemClockSource) {}

  monoNs(): bigint {
    return this.src.monoNs();
  }

  /** Wait `ms` on this clock (simulated time when the source is simulated). Never rejects. */
  sleep(ms: number, opts: SleepOptions = {}): Promise<void> {
    if (opts.signal?.aborted) return Promise.resolve();
    return this.src.sleep ? this.src.sleep(ms, opts) : timerWait(ms, opts);
  }

  /** CLOCK_REALTIME at a monotonic instant, using the latest W (calibrate() first). */
  realtimeNs(monoNs: bigint): bigint {
    if (this.w === null) this.calibrate();
    return monoNs + (this.w ?? 0n);
  }

  /** The current W = REALTIME − MONOTONIC in ns, or null before the first calibration. */
  get offsetNs(): bigint | null {
    return this.w;
  }

  /**
   * How far W can be off, ns: half the bracket around the millisecond edge it came from (µs), or
   * about a millisecond when no clean edge could be caught (a busy or preempted vCPU); null before
   * the first calibration.
   */
  get offsetErrorNs(): bigint | null {
    return this.wError;
  }

  /**
   * Check W. Returns the wall-clock step since the last calibration when W moved by at least
   * LOCAL_STEP_MIN_NS, else null. The first call (and one after a suspected step) spins for at most
   * ~1 ms per try, waiting for the next ms edge; otherwise it costs two clock reads.
   */
  calibrate(): LocalStep | null {
    if (this.w !== null) {
      // Cheap check first: Date.now() is floor(REALTIME in ms), so with W unchanged it lies within
      // (−1 ms, 0] of monotonic + W. Only when it does not (a step of ≳ 1 ms) spin for a precise W —
      // spinning every sample would block the event loop ~1 ms each time.
      const mono = this.src.monoNs();
      const d = BigInt(this.src.realtimeMs()) * 1_000_000n - (mono + this.w);
      if (d > -QUICK_TOLERANCE_NS - 1_000_000n && d < QUICK_TOLERANCE_NS) return null;
    }
    const est = this.estimateW();
    if (est === null) return null;
    const prev = this.w;
    if (prev === null) {
      this.w = est.w;
      this.wError = est.errorNs;
      return null;
    }
    const d = est.w - prev;
    if (d >= LOCAL_STEP_MIN_NS || d <= -LOCAL_STEP_MIN_NS) {
      this.w = est.w;
      this.wError = est.errorNs;
      return { monoNs: this.src.monoNs(), sizeNs: d };
    }
    // Keep the first estimate of a run: W is constant between steps, and re-using it keeps the
    // estimate's µs jitter out of the offsets.
    return null;
  }

  private estimateW(): { w: bigint; errorNs: bigint } | null {
    for (let attempt = 0; attempt < EDGE_TRIES; attempt++) {
      let before = this.src.monoNs();
      let ms = this.src.realtimeMs();
      let after = this.src.monoNs();
      const deadline = after + 3_000_000n;
      for (;;) {
        const b = this.src.monoNs();
        const m = this.src.realtimeMs();
        const a = this.src.monoNs();
        if (m !== ms) {
          // The edge lies between the previous read and this one.
          if (m - ms === 1 && a - before <= EDGE_BRACKET_MAX_NS) {
            // The edge is somewhere in [before, a]: the estimate is at most half of that away.
            const edgeMono = (before + after + b + a) / 4n;
            return { w: BigInt(m) * 1_000_000n - edgeMono, errorNs: (a - before + 1n) / 2n + 1n };
          }
          break;
        }
        before = b;
        ms = m;
        after = a;
        if (a > deadline) break;
      }
    }
    // Could not catch a clean edge (a busy or preempted vCPU): fall back to a coarse estimate only
    // when nothing better is known, never to replace a good one.
    if (this.w !== null) return null;
    const before = this.src.monoNs();
    const ms = this.src.realtimeMs();
    const after = this.src.monoNs();
    // REALTIME was in [ms, ms + 1) at some instant in [before, after]: ±0.5 ms plus that bracket.
    return { w: BigInt(ms) * 1_000_000n + 500_000n - (before + after) / 2n, errorNs: 500_000n + (after - before + 1n) / 2n + 1n };
  }
}
