/**
 * Simulated time for the measure code: a ClockSource whose monotonic clock only moves when the test
 * (or the code under test, by reading or waiting) moves it. A whole 30 s measurement runs in
 * milliseconds and gives the same numbers on an idle laptop and on a loaded CI box, because nothing in
 * it depends on how fast the machine is.
 *
 * - Every `monoNs()` read costs `readCostNs` of simulated time, so code that spins on the clock (the
 *   millisecond-edge search of LocalClock, the RTC edge search) ends as it would on real hardware.
 * - `sleep()` registers a simulated timer; `drive(promise)` fires the timers in order of their
 *   deadline, letting every microtask and immediate run in between, until the promise settles — an
 *   auto-advancing fake clock. `runFor(ms)` advances a fixed span (for loops that never end by
 *   themselves, like the agent's background measurer).
 * - `stepWall(seconds)` steps the wall clock (REALTIME − MONOTONIC), as a synchroniser would.
 */
import type { ClockSource, SleepOptions } from '../../agent/measure/local-clock.js';
import { LocalClock } from '../../agent/measure/local-clock.js';

interface Timer {
  at: bigint;
  seq: number;
  fire: () => void;
}

/** Let every pending microtask and immediate run (the code under test reacts to a fired timer). */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

export interface SimClockOptions {
  /** Start of the monotonic clock, ns (as after ~17 min of uptime by default). */
  startMonoNs?: bigint;
  /** REALTIME − MONOTONIC at the start, ns (default: 2023-11-14 22:13:20 UTC at the start). */
  wallOffsetNs?: bigint;
  /** Simulated cost of one monotonic read, ns. Default 1 µs. */
  readCostNs?: bigint;
}

export class SimClock implements ClockSource {
  private mono: bigint;
  private wall: bigint;
  private readonly readCost: bigint;
  private timers: Timer[] = [];
  private seq = 0;
  /** Called whenever simulated time moves (e.g. to rewrite a file that shows the time). */
  onAdvance: ((monoNs: bigint) => void) | null = null;

  constructor(opts: SimClockOptions = {}) {
    this.mono = opts.startMonoNs ?? 1_000_000_000_000n;
    this.wall = opts.wallOffsetNs ?? 1_700_000_000_000_000_000n - this.mono;
    this.readCost = opts.readCostNs ?? 1_000n;
  }

  /** A LocalClock reading this simulated time (calibrated: W is known). */
  localClock(): LocalClock {
    const c = new LocalClock(this);
    c.calibrate();
    return c;
  }

  monoNs(): bigint {
    this.move(this.mono + this.readCost);
    return this.mono;
  }

  realtimeMs(): number {
    return Number((this.mono + this.wall) / 1_000_000n);
  }

  /** Simulated monotonic time now, without the cost of a read. */
  get nowNs(): bigint {
    return this.mono;
  }

  /** True REALTIME − MONOTONIC, ns. */
  get wallOffsetNs(): bigint {
    return this.wall;
  }

  /** Step the wall clock by `seconds` (> 0 forward). */
  stepWall(seconds: number): void {
    this.wall += BigInt(Math.round(seconds * 1e9));
  }

  sleep(ms: number, opts: SleepOptions = {}): Promise<void> {
    return this.sleepNs(BigInt(Math.max(0, Math.round(ms * 1e6))), opts.signal);
  }

  /** Wait `ns` of simulated time; an abort ends the wait at once (it resolves, as Node's does not). */
  sleepNs(ns: bigint, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer: Timer = { at: this.mono + (ns > 0n ? ns : 0n), seq: this.seq++, fire: () => finish() };
      const onAbort = (): void => {
        this.timers = this.timers.filter((t) => t !== timer);
        finish();
      };
      const finish = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
    });
  }

  /** Timers waiting. */
  get pending(): number {
    return this.timers.length;
  }

  /**
   * Run simulated time until `p` settles: let the code run, then fire the earliest timer, and so on.
   * Throws if `p` waits for something no simulated timer will bring (real I/O, a forgotten promise).
   */
  async drive<T>(p: Promise<T>): Promise<T> {
    let settled = false;
    const watched = p.finally(() => {
      settled = true;
    });
    watched.catch(() => undefined);
    for (;;) {
      await settle();
      await settle();
      if (settled) return watched;
      if (!this.fireNext(null)) throw new Error('simulated time is stuck: the run waits for something no simulated timer will bring');
    }
  }

  /** Advance simulated time by `ms`, firing every timer due on the way, in order. */
  async runFor(ms: number): Promise<void> {
    const end = this.mono + BigInt(Math.round(ms * 1e6));
    for (;;) {
      await settle();
      await settle();
      if (!this.fireNext(end)) break;
    }
    if (this.mono < end) this.move(end);
    await settle();
    await settle();
  }

  private fireNext(limit: bigint | null): boolean {
    let next: Timer | null = null;
    for (const t of this.timers) if (next === null || t.at < next.at || (t.at === next.at && t.seq < next.seq)) next = t;
    if (next === null || (limit !== null && next.at > limit)) return false;
    this.timers = this.timers.filter((t) => t !== next);
    if (next.at > this.mono) this.move(next.at);
    next.fire();
    return true;
  }

  private move(to: bigint): void {
    this.mono = to;
    this.onAdvance?.(to);
  }
}

/** Deterministic uniform [0, 1) numbers (mulberry32): the same seed gives the same run everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
