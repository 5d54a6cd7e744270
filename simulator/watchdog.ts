/**
 * The clocksource watchdog (model.md §4): when does a drifting TSC get marked unstable and demoted?
 */
import { WATCHDOG_INTERVAL_SECONDS, WATCHDOG_NEW_MARGIN_SECONDS, WATCHDOG_OLD_THRESHOLD_SECONDS } from './constants.js';

export interface WatchdogVerdict {
  unstable: boolean;
  /** |e_cs − e_wd| · 0.5 s. */
  skewPerIntervalSeconds: number;
  thresholdSeconds: number;
  rule: 'old' | 'new';
  /** When the kernel notices (second watchdog pass), s after the clocksource is in use; null if never. */
  detectedAfterSeconds: number | null;
}

/**
 * Old rule: |Δcs − Δwd| > 62.5 ms per 0.5 s (> 125 000 ppm). New rule: > cs.margin + wd.margin, each
 * max(1/freq, 125 µs) ⇒ 250 µs per 0.5 s (500 ppm).
 */
export function watchdogVerdict(eClocksource: number, eWatchdog: number, rule: 'old' | 'new', csHz = 1e9, wdHz = 1e9): WatchdogVerdict {
  const skew = Math.abs(eClocksource - eWatchdog) * WATCHDOG_INTERVAL_SECONDS;
  const threshold =
    rule === 'old' ? WATCHDOG_OLD_THRESHOLD_SECONDS : Math.max(1 / csHz, WATCHDOG_NEW_MARGIN_SECONDS) + Math.max(1 / wdHz, WATCHDOG_NEW_MARGIN_SECONDS);
  const unstable = skew > threshold;
  return { unstable, skewPerIntervalSeconds: skew, thresholdSeconds: threshold, rule, detectedAfterSeconds: unstable ? 2 * WATCHDOG_INTERVAL_SECONDS : null };
}
