/**
 * What every reference (NTP server, RTC, PTP hardware clock, chrony) looks like to the sampler.
 */
import type { LocalClock } from './local-clock.js';

/** One comparison of this guest's wall clock with the reference. */
export interface ReferenceSample {
  /** Local monotonic time of the comparison (middle of the exchange), ns. */
  monoNs: bigint;
  /** Reference − local CLOCK_REALTIME, seconds (> 0: this clock is behind the reference). */
  offsetSeconds: number;
  /** Round-trip delay, seconds, when the reference has one. */
  delaySeconds: number | null;
  /**
   * A reference that states the clock's rate itself (chrony): the uncorrected drift in ppm (> 0 fast)
   * and its error bound.
   */
  statedDrift?: { ppm: number; uncertaintyPpm: number };
  /** What the reference says about itself (stratum, reference id, ...), for the report. */
  detail?: Record<string, string | number>;
}

/**
 * Why a comparison failed. `timeout` and `rejected` are per sample (the sampler tries again);
 * `rate-limited` asks the sampler to poll less often; `unavailable` means the reference is not there
 * (no device, no program, refused, cannot resolve); `denied` means the reference told us to go away.
 */
export type ReferenceFailureKind = 'timeout' | 'rejected' | 'rate-limited' | 'unavailable' | 'denied';

export class ReferenceFailure extends Error {
  override readonly name = 'ReferenceFailure';
  constructor(
    message: string,
    readonly kind: ReferenceFailureKind,
  ) {
    super(message);
  }
}

export interface Reference {
  /** Canonical name, used as the `reference` label (e.g. `ntp://127.0.0.1:123`, `rtc`, `chrony`). */
  readonly name: string;
  /** Precision a person should expect, in words (shown in the report). */
  readonly precision: string;
  /** Compare once. Rejects only with ReferenceFailure. */
  sample(clock: LocalClock, signal?: AbortSignal): Promise<ReferenceSample>;
  /** Release sockets; idempotent. */
  close(): void;
}
