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

/** A wall-clock step smaller than this is indistinguishable from the W estimate's own noise. */
export const LOCAL_STEP_MIN_NS = 1_000_000n;
/** A millisecond edge is only trusted when the two `Date.now()` calls around it were this close. */
const EDGE_BRACKET_MAX_NS = 20_000n;
const EDGE_TRIES = 5;
/** Slack of the cheap step check around its (−1 ms, 0] window (W's own error, a slow read). */
const QUICK_TOLERANCE_NS = 300_000n;

/** Reads of the local clocks; injectable so tests can simulate steps. */
export interface ClockSource {
  monoNs(): bigint;
  realtimeMs(): number;
}

export const systemClockSource: ClockSource = {
  monoNs: () => process.hrtime.bigint(),
  realtimeMs: () => Date.now(),
};

/** A wall-clock step seen as a jump of W. `sizeNs` > 0: the wall clock jumped forward. */
export interface LocalStep {
  monoNs: bigint;
  sizeNs: bigint;
}

export class LocalClock {
  private w: bigint | null = null;

  constructor(private readonly src: ClockSource = systemClockSource) {}

  monoNs(): bigint {
    return this.src.monoNs();
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
    const w = this.estimateW();
    if (w === null) return null;
    const prev = this.w;
    if (prev === null) {
      this.w = w;
      return null;
    }
    const d = w - prev;
    if (d >= LOCAL_STEP_MIN_NS || d <= -LOCAL_STEP_MIN_NS) {
      this.w = w;
      return { monoNs: this.src.monoNs(), sizeNs: d };
    }
    // Keep the first estimate of a run: W is constant between steps, and re-using it keeps the
    // estimate's µs jitter out of the offsets.
    return null;
  }

  private estimateW(): bigint | null {
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
            const edgeMono = (before + after + b + a) / 4n;
            return BigInt(m) * 1_000_000n - edgeMono;
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
    const mono = this.src.monoNs();
    return BigInt(this.src.realtimeMs()) * 1_000_000n + 500_000n - mono;
  }
}
