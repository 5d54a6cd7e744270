/**
 * What the model tells the rest of clockdoctor. `analyze`, `check` and the agent's
 * `clockdoctor_predicted_drift_ratio` all take their numbers from `predictFromFacts`
 * (simulator/params-from-facts.ts), so the three can never disagree.
 */

/** One tagged contribution to a clock's rate error, so the output can explain itself. */
export interface Contribution {
  /** Stable tag, e.g. `tsc-frequency-claim`, `lost-ticks`, `pit-latch-rounding`, `corrector:chrony`. */
  tag: string;
  ppm: number;
  /** One sentence a person reads, with the numbers in it. */
  text: string;
  /** True when it rests on a number model.md marks [U]. */
  assumption: boolean;
}

/**
 * Drift of one guest clocksource with no corrector running. The numbers are null when no evidence
 * supports one (a rate the evidence does not give, a bare-metal crystal): `unknownBecause` says why.
 */
export interface ClockPrediction {
  clocksource: string;
  driftPpm: number | null;
  /** Seconds gained (+) or lost (−) per day. */
  secondsPerDay: number | null;
  /** What a 300 s stopwatch on the guest shows after 300 s of real time. */
  guestSecondsPer300: number | null;
  /** `m:ss` of guestSecondsPer300, e.g. `4:53`. */
  fiveMinutesReadsAs: string | null;
  /** Why there is no number (null when there is one). */
  unknownBecause: string | null;
  /** True when this clocksource is hit by the diagnosed error. */
  affected: boolean;
  contributions: Contribution[];
}

/** What the running corrector(s) make of the raw error. */
export interface CorrectedPrediction {
  correctors: string[];
  pattern: 'none' | 'linear' | 'sawtooth' | 'bounded' | 'converges';
  periodSeconds: number | null;
  amplitudeSeconds: number | null;
  /** Residual rate the corrector cannot absorb, ppm. */
  residualPpm: number;
  text: string;
}

/** What the time-sync daemons running can absorb, and whether the predicted drift is beyond it. */
export interface Absorb {
  /** The largest steady rate error, ppm, that the correctors running can follow (500 when none is known). */
  ppm: number;
  /** Who sets the limit: `chrony`, `ntpd`, … or `none` (no corrector known: NTP's 500 ppm is the yardstick). */
  by: string;
  /** |driftPpm| > ppm; null when there is no drift figure. */
  beyond: boolean | null;
}

export interface Prediction {
  /** The clocksource the guest uses (or the one the evidence points at), null when unknown. */
  clocksource: string | null;
  /** Rate error of that clocksource: seconds gained per second × 1e6. Null when nothing can be predicted. */
  driftPpm: number | null;
  secondsPerDay: number | null;
  guestSecondsPer300: number | null;
  fiveMinutesReadsAs: string | null;
  perClocksource: ClockPrediction[];
  corrected: CorrectedPrediction | null;
  /**
   * What the correctors can absorb, for the verdict (analyzers/prediction.ts); null when nothing is
   * predicted. Always present in what predictFromFacts returns (optional only for hand-built values).
   */
  absorb?: Absorb | null;
  /** `host-clock`: a VM's clocks are predicted against its host's clock (taken as right); `true-time` on bare metal. */
  reference?: 'host-clock' | 'true-time' | null;
  explanation: string[];
  assumptions: string[];
}
