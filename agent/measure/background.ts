/**
 * Continuous measurement inside `clockdoctor agent` (`--measure.reference`, `--measure.interval`).
 *
 * One comparison per interval, a sliding window of samples (bounded memory), the fit redone after each
 * sample so `state()` is a cheap read for the metrics' collect callbacks. It never throws: a reference
 * that fails is reported as down (and retried, backing off to at most 64× the interval when it keeps
 * failing or asks us to slow down), never as an agent failure.
 */
import { openReference, type OpenReferenceOptions } from './open-reference.js';
import type { Reference } from './reference.js';
import { Sampler } from './sampler.js';
import type { ClockStep } from './sampler.js';
import type { LocalClock } from './local-clock.js';

/** What the agent exports about the measurement. */
export interface MeasureState {
  reference: string;
  /** The last comparison got a valid answer. */
  up: boolean;
  /** Rate error of this clock vs the reference as a ratio (ppm/1e6; > 0 fast); null until measurable. */
  driftRatio: number | null;
  /** 3σ (99.7 %) half-width of driftRatio (or chrony's skew), ratio; null until measurable. */
  uncertaintyRatio: number | null;
  /** Reference − this clock, seconds (> 0: this clock is behind); null unless the last comparison answered. */
  offsetSeconds: number | null;
  /** Steps of this clock's wall time seen since start (a counter). */
  stepsTotal: number;
  /** Samples in the window. */
  samples: number;
  /** Steps within the window, newest last. */
  recentSteps: ClockStep[];
  /** Why the last comparison failed (already printable), when it did. */
  lastError: string | null;
}

export interface BackgroundMeasurerOptions {
  reference: string;
  intervalMs: number;
  /** Samples in the sliding window. Default 360 (an hour at 10 s). */
  windowSamples?: number;
  /** Per-comparison time limit, ms (default min(interval, 2 s)). */
  timeoutMs?: number;
  roots?: OpenReferenceOptions['roots'];
  /** For tests: a clock to read and to wait on (simulated time). */
  clock?: LocalClock;
  /** For tests: turns `reference` into a Reference (a simulated server). Default: openReference. */
  open?: (spec: string, opts: OpenReferenceOptions) => Reference;
}

const MAX_BACKOFF = 64;

export class BackgroundMeasurer {
  private readonly intervalMs: number;
  private readonly ref: Reference | null;
  private readonly sampler: Sampler | null;
  private readonly openError: string | null;
  private running = false;
  /** Ends the wait between comparisons when stop() is called. */
  private stopper: AbortController | null = null;
  private inFlight: AbortController | null = null;
  private backoff = 1;
  private snapshot: MeasureState;

  constructor(opts: BackgroundMeasurerOptions) {
    this.intervalMs = Math.max(100, Math.floor(opts.intervalMs));
    let ref: Reference | null = null;
    let openError: string | null = null;
    try {
      ref = (opts.open ?? openReference)(opts.reference, { roots: opts.roots, timeoutMs: opts.timeoutMs ?? Math.min(this.intervalMs, 2000) });
    } catch (err) {
      openError = err instanceof Error ? err.message : String(err);
    }
    this.ref = ref;
    this.openError = openError;
    this.sampler = ref ? new Sampler(ref, { window: opts.windowSamples ?? 360, clock: opts.clock }) : null;
    this.snapshot = {
      reference: ref?.name ?? opts.reference,
      up: false,
      driftRatio: null,
      uncertaintyRatio: null,
      offsetSeconds: null,
      stepsTotal: 0,
      samples: 0,
      recentSteps: [],
      lastError: openError,
    };
  }

  /** Begin measuring (idempotent). A reference that could not be understood stays down. */
  start(): void {
    if (this.running || !this.sampler) return;
    this.running = true;
    this.stopper = new AbortController();
    void this.loop(this.sampler, this.stopper.signal);
  }

  /** Stop measuring and release the reference (idempotent). */
  stop(): void {
    this.running = false;
    this.stopper?.abort();
    this.stopper = null;
    this.inFlight?.abort();
    this.ref?.close();
  }

  /** The latest state; no I/O. */
  state(): MeasureState {
    return this.snapshot;
  }

  /**
   * One comparison per interval (times the backoff), measured on the sampler's clock from the start of
   * one comparison to the next. The waits do not keep the process alive: the agent's server does.
   */
  private async loop(sampler: Sampler, stopped: AbortSignal): Promise<void> {
    let delayMs = 0;
    for (;;) {
      await sampler.clock.sleep(delayMs, { signal: stopped, ref: false });
      if (stopped.aborted) return;
      const started = sampler.clock.monoNs();
      await this.tick(sampler);
      if (stopped.aborted) return;
      const elapsedMs = Number(sampler.clock.monoNs() - started) / 1e6;
      delayMs = Math.max(0, this.intervalMs * this.backoff - elapsedMs);
    }
  }

  private async tick(sampler: Sampler): Promise<void> {
    this.inFlight = new AbortController();
    try {
      const r = await sampler.poll(this.inFlight.signal);
      const m = sampler.measure();
      if (r.ok) this.backoff = 1;
      else if (r.failure.kind === 'rate-limited' || sampler.consecutiveFailures >= 3) this.backoff = Math.min(MAX_BACKOFF, this.backoff * 2);
      this.snapshot = {
        reference: m.reference,
        up: r.ok,
        driftRatio: m.driftPpm === null ? null : m.driftPpm / 1e6,
        uncertaintyRatio: m.uncertaintyPpm === null ? null : m.uncertaintyPpm / 1e6,
        // Unknown while the reference does not answer: a stale offset would look current.
        offsetSeconds: r.ok ? m.offsetNowSeconds : null,
        stepsTotal: sampler.stepsTotal,
        samples: m.samples,
        recentSteps: m.steps,
        lastError: r.ok ? null : r.failure.message,
      };
    } catch (err) {
      // poll() and measure() do not throw; this keeps a bug from stopping the loop or the agent.
      this.snapshot = { ...this.snapshot, up: false, lastError: `internal error: ${err instanceof Error ? err.message : String(err)}` };
    } finally {
      this.inFlight = null;
    }
  }

  /** Why the reference could not be opened (bad `--measure.reference`), else null. */
  get configurationError(): string | null {
    return this.openError;
  }
}
