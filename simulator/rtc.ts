/**
 * RTC-side facts the model answers without stepping (model.md §5): local-time RTC offset before the
 * userspace warp, and the kernel's 11-minute mode rhythm.
 */
import { ADJTIME_SLEW_RATE, NTP_PHASE_LIMIT_SECONDS, RTC_SYNC_PERIOD_SECONDS } from './constants.js';

/** θ between boot and the first settimeofday() with a timezone, for an RTC kept in local time. */
export function localRtcOffsetSeconds(tzMinutesWest: number): number {
  return -tzMinutesWest * 60;
}

export interface ElevenMinuteMode {
  /** The kernel rewrites the RTC this often while NTP-synced. */
  rewritePeriodSeconds: number;
  /** It stops this long after the last adjtimex update (STA_UNSYNC once maxerror > 16 s at 500 µs/s). */
  stopsAfterSyncLostSeconds: number;
}

export function elevenMinuteMode(): ElevenMinuteMode {
  return { rewritePeriodSeconds: RTC_SYNC_PERIOD_SECONDS, stopsAfterSyncLostSeconds: NTP_PHASE_LIMIT_SECONDS / ADJTIME_SLEW_RATE };
}
