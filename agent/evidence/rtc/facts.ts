/** RTC and /etc/adjtime facts. */
import type { SectionBase } from '../kind.js';

export interface RtcFacts extends SectionBase {
  present: boolean;
  name: string | null;
  /** `/sys/class/rtc/rtc0/since_epoch`. */
  sinceEpoch: number | null;
  hctosys: boolean | null;
  adjtime: {
    driftFactorSecondsPerDay: number;
    lastAdjustTime: number;
    lastCalibrationTime: number | null;
    mode: 'UTC' | 'LOCAL';
  } | null;
}
