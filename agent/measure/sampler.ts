/**
 * Takes comparisons with one reference, keeps a bounded window of them, watches this clock for steps,
 * and turns the window into a measurement. Shared by `clockdoctor measure` and the agent's
 * BackgroundMeasurer.
 */
import { fitDrift, type FitResult } from './fit.js';
import { median } from '../util/stats.js';
import { LocalClock, type LocalStep } from './local-clock.js';
import { ReferenceFailure, type Reference, type ReferenceSample } from './reference.js';

/** A clock step seen during a run. */
export interface ClockStep {
  /** Seconds since the run started. */
  atSeconds: number;
  /**
   * `local-clock`: this guest's wall clock jumped (a synchroniser stepped it); `sizeSeconds` > 0 = forward.
   * `reference`: the reference's time jumped while ours did not; `sizeSeconds` > 0 = the reference jumped forward.
   */
  kind: 'local-clock' | 'reference';
  sizeSeconds: number;
}

export interface Measurement {
  reference: string;
  /** How the drift was obtained: a fit of offsets, or the reference's own statement (chrony). */
  method: 'fit' | 'stated';
  samples: number;
  spanSeconds: number;
  /** Rate error of this clock vs the reference, ppm (> 0 fast, < 0 slow); null until enough samples. */
  driftPpm: number | null;
  /** 3σ (99.7 %) half-width (fit) or the reference's stated bound (chrony), ppm. */
  uncertaintyPpm: number | null;
  /** Reference − this clock now, seconds (> 0: this clock is behind). */
  offsetNowSeconds: number | null;
  steps: ClockStep[];
  outliers: number;
  noiseSeconds: number | null;
  medianDelaySeconds: number | null;
  /** The last reply's self-description (stratum, ...). */
  referenceDetail: Record<string, string | number> | null;
}

/** Counts of failed comparisons by kind. */
export type FailureCounts = Partial<Record<ReferenceFailure['kind'], number>>;

export type PollResult = { ok: true; sample: ReferenceSample } | { ok: false; failure: ReferenceFailure };

export interface SamplerOptions {
  clock?: LocalClock;
  /** Samples kept (oldest dropped). Default 100 000 (the CLI keeps all; the agent passes its own). */
  window?: number;
}

export class Sampler {
  readonly clock: LocalClock;
  private readonly window: number;
  private samples: ReferenceSample[] = [];
  private localSteps: LocalStep[] = [];
  private origin: bigint | null = null;
  /** Local clock steps seen since the sampler started (never decreases). */
  stepsTotal = 0;
  attempts = 0;
  readonly failures: FailureCounts = {};
  lastFailure: ReferenceFailure | null = null;
  consecutiveFailures = 0;
  private lastDetail: Record<string, string | number> | null = null;

  constructor(
    readonly reference: Reference,
    opts: SamplerOptions = {},
  ) {
    this.clock = opts.clock ?? new LocalClock();
    this.window = Math.max(3, opts.window ?? 100_000);
  }

  get sampleCount(): number {
    return this.samples.length;
  }

  /** Check this clock for a step, then compare once with the reference. Never throws. */
  async poll(signal?: AbortSignal): Promise<PollResult> {
    this.attempts++;
    const step = this.clock.calibrate();
    if (this.origin === null) this.origin = this.clock.monoNs();
    if (step) {
      this.localSteps.push(step);
      this.stepsTotal++;
    }
    try {
      const sample = await this.reference.sample(this.clock, signal);
      this.samples.push(sample);
      if (this.samples.length > this.window) this.samples.splice(0, this.samples.length - this.window);
      this.trimSteps();
      this.consecutiveFailures = 0;
      this.lastDetail = sample.detail ?? null;
      return { ok: true, sample };
    } catch (err) {
      const failure = err instanceof ReferenceFailure ? err : new ReferenceFailure(`reference failed: ${err instanceof Error ? err.message : String(err)}`, 'rejected');
      this.failures[failure.kind] = (this.failures[failure.kind] ?? 0) + 1;
      this.lastFailure = failure;
      this.consecutiveFailures++;
      return { ok: false, failure };
    }
  }

  private trimSteps(): void {
    const first = this.samples[0];
    if (!first) return;
    // Keep a step only while it is inside the window (its count stays in stepsTotal).
    while (this.localSteps.length > 0 && (this.localSteps[0] as LocalStep).monoNs < first.monoNs) this.localSteps.shift();
    if (this.localSteps.length > this.window) this.localSteps.splice(0, this.localSteps.length - this.window);
  }

  /** The measurement from the samples in the window (only those in the first `untilSeconds`, when given). */
  measure(untilSeconds?: number): Measurement {
    const origin = this.origin ?? 0n;
    const at = (mono: bigint): number => Number(mono - origin) / 1e9;
    const s = untilSeconds === undefined ? this.samples : this.samples.filter((x) => at(x.monoNs) <= untilSeconds);
    const delays = s.map((x) => x.delaySeconds).filter((d): d is number => d !== null);
    const base: Measurement = {
      reference: this.reference.name,
      method: 'fit',
      samples: s.length,
      spanSeconds: s.length > 1 ? at((s[s.length - 1] as ReferenceSample).monoNs) - at((s[0] as ReferenceSample).monoNs) : 0,
      driftPpm: null,
      uncertaintyPpm: null,
      offsetNowSeconds: s.length > 0 ? (s[s.length - 1] as ReferenceSample).offsetSeconds : null,
      steps: this.localSteps.map((st) => ({ atSeconds: at(st.monoNs), kind: 'local-clock' as const, sizeSeconds: Number(st.sizeNs) / 1e9 })),
      outliers: 0,
      noiseSeconds: null,
      medianDelaySeconds: delays.length > 0 ? median(delays) : null,
      referenceDetail: this.lastDetail,
    };
    const stated = [...s].reverse().find((x) => x.statedDrift)?.statedDrift;
    if (stated) {
      return { ...base, method: 'stated', driftPpm: stated.ppm, uncertaintyPpm: stated.uncertaintyPpm };
    }
    const kept = delayFilter(s);
    // A local step between samples i−1 and i is a known break in the offset series.
    const breaks: number[] = [];
    for (const st of this.localSteps) {
      const i = kept.findIndex((x) => x.monoNs >= st.monoNs);
      if (i > 0) breaks.push(i);
    }
    const keptDelays = kept.map((x) => x.delaySeconds).filter((d): d is number => d !== null);
    const dmin = keptDelays.length > 0 ? Math.min(...keptDelays) : null;
    const fit: FitResult | null = fitDrift(
      kept.map((x) => ({
        t: at(x.monoNs),
        offset: x.offsetSeconds,
        ...(x.delaySeconds !== null && dmin !== null ? { asymmetrySeconds: (x.delaySeconds - dmin) / 2 } : {}),
      })),
      { breaks },
    );
    if (!fit) return base;
    const breakSet = new Set(breaks);
    const referenceSteps: ClockStep[] = fit.steps
      .filter((st) => !breakSet.has(st.index))
      .map((st) => ({ atSeconds: st.atSeconds, kind: 'reference', sizeSeconds: st.offsetJumpSeconds }));
    return {
      ...base,
      driftPpm: fit.driftPpm,
      uncertaintyPpm: fit.uncertaintyPpm,
      offsetNowSeconds: fit.offsetNowSeconds,
      steps: [...base.steps, ...referenceSteps].sort((a, b) => a.atSeconds - b.atSeconds),
      outliers: fit.outliers + (s.length - kept.length),
      noiseSeconds: fit.noiseSeconds,
    };
  }
}

/** Queuing error below which a sample is never dropped for its delay, seconds. */
const DELAY_FLOOR_SECONDS = 50e-6;

/**
 * Drop samples whose round trip was much slower than the best one: a reply that waited in a queue (or
 * behind a busy event loop) carries up to (δ − δmin)/2 of error in its offset, and a run of them would
 * look like a step. The cut adapts to the path: 3 robust σ of that excess, at least 50 µs.
 */
export function delayFilter<T extends { delaySeconds: number | null }>(samples: readonly T[]): T[] {
  const delays = samples.map((x) => x.delaySeconds).filter((d): d is number => d !== null);
  if (delays.length < 5) return [...samples];
  const dmin = Math.min(...delays);
  const excess = delays.map((d) => (d - dmin) / 2);
  const med = median(excess);
  const spread = 1.4826 * median(excess.map((e) => Math.abs(e - med)));
  const limit = Math.max(DELAY_FLOOR_SECONDS, med + 3 * spread);
  return samples.filter((x) => x.delaySeconds === null || (x.delaySeconds - dmin) / 2 <= limit);
}
