/**
 * One measurement run for `clockdoctor measure` and the benchmark: poll the reference every interval
 * for the duration, give up early when the reference is clearly not there, and return the measurement.
 */
import { openReference, type OpenReferenceOptions } from './open-reference.js';
import type { Reference, ReferenceFailure } from './reference.js';
import { Sampler, type FailureCounts, type Measurement } from './sampler.js';
import type { LocalClock } from './local-clock.js';

/** Polls that fail before the first valid answer before we give up on a reference. */
export const GIVE_UP_AFTER = 3;
/** A run needs at least this many valid samples for a drift. */
export const MIN_SAMPLES = 3;

export interface RunOptions {
  reference: string;
  durationMs: number;
  intervalMs: number;
  timeoutMs?: number;
  roots?: OpenReferenceOptions['roots'];
  signal?: AbortSignal;
  /** The clock to measure and to wait on (tests: simulated time). Default: this machine's. */
  clock?: LocalClock;
  /** Turns `reference` into a Reference (tests: a simulated server). Default: openReference. */
  open?: (spec: string, opts: OpenReferenceOptions) => Reference;
  /** Called after every poll. */
  onProgress?: (p: RunProgress) => void;
}

export interface RunProgress {
  elapsedSeconds: number;
  durationSeconds: number;
  /** The measurement so far (its `samples` counts the valid ones). */
  measurement: Measurement;
  lastFailure: string | null;
}

export interface RunOutcome {
  measurement: Measurement;
  attempts: number;
  failures: FailureCounts;
  /** Set when the run stopped early or has too few samples: why, and how bad. */
  failure: { kind: ReferenceFailure['kind']; message: string } | null;
  precision: string;
  /** Effective interval at the end (doubled on each RATE kiss-o'-death). */
  intervalMs: number;
  /** The run was cut short by its signal (Ctrl-C). */
  interrupted: boolean;
}

export async function runMeasurement(opts: RunOptions): Promise<RunOutcome> {
  const ref = (opts.open ?? openReference)(opts.reference, { roots: opts.roots, timeoutMs: opts.timeoutMs ?? Math.min(Math.max(opts.intervalMs, 200), 2000) });
  const sampler = new Sampler(ref, { clock: opts.clock });
  let intervalMs = opts.intervalMs;
  let failure: RunOutcome['failure'] = null;
  try {
    const start = sampler.clock.monoNs();
    const endNs = start + BigInt(Math.round(opts.durationMs * 1e6));
    let next = start;
    for (;;) {
      if (opts.signal?.aborted) break;
      const r = await sampler.poll(opts.signal);
      opts.onProgress?.({
        elapsedSeconds: Number(sampler.clock.monoNs() - start) / 1e9,
        durationSeconds: opts.durationMs / 1000,
        measurement: sampler.measure(),
        lastFailure: r.ok ? null : r.failure.message,
      });
      if (!r.ok) {
        const k = r.failure.kind;
        // DENY/RSTR mean "go away"; a missing reference before any answer will not appear by waiting.
        // Once it has answered, a refusal is taken as transient (a restart) and the run goes on.
        if (k === 'denied' || (k === 'unavailable' && sampler.sampleCount === 0)) {
          failure = { kind: k, message: r.failure.message };
          break;
        }
        if (k === 'rate-limited') intervalMs *= 2;
        if (sampler.sampleCount === 0 && sampler.consecutiveFailures >= GIVE_UP_AFTER) {
          failure = { kind: k, message: `${r.failure.message} (gave up after ${sampler.consecutiveFailures} tries)` };
          break;
        }
      }
      next += BigInt(intervalMs) * 1_000_000n;
      if (next > endNs) break;
      const waitMs = Number(next - sampler.clock.monoNs()) / 1e6;
      if (waitMs > 0) await sampler.clock.sleep(waitMs, { signal: opts.signal });
    }
    const measurement = sampler.measure();
    const interrupted = opts.signal?.aborted === true;
    if (!failure && measurement.samples < MIN_SAMPLES) {
      if (interrupted) {
        failure = { kind: 'timeout', message: `interrupted after ${measurement.samples} valid sample(s): a drift needs ${MIN_SAMPLES}` };
      } else {
        const last = sampler.lastFailure;
        failure = {
          kind: last?.kind ?? 'timeout',
          message: `only ${measurement.samples} valid sample(s) in ${sampler.attempts} tries${last ? `; last failure: ${last.message}` : ''} — measure longer or at a shorter --interval`,
        };
      }
    }
    return { measurement, attempts: sampler.attempts, failures: sampler.failures, failure, precision: ref.precision, intervalMs, interrupted };
  } finally {
    ref.close();
  }
}
