/** `hwclock` output: the RTC's time, and with `--verbose`/`--debug` the system time beside it. */
import type { LineRef, SectionBase } from '../kind.js';

/** One time `hwclock` printed (also has the keys of LineRef). */
export interface HwclockReading extends LineRef {
  text: string;
  /** The wall-clock value shown, seconds since 1970 as if it were UTC. */
  wallSeconds: number;
  /** The instant, when the zone is printed (`+01:00`, `UTC`); null otherwise (busybox prints none). */
  epochSeconds: number | null;
  zone: string | null;
  /** The prompt's host and command, when pasted under one. */
  host: string | null;
  command: string | null;
}

export interface HwclockFacts extends SectionBase {
  readings: HwclockReading[];
  /** `hwclock from util-linux 2.39.4`. */
  version: string | null;
  /** `--verbose`: `System Time: 1734097906.198299` (when hwclock started). */
  systemTimeSeconds: number | null;
  /** `--verbose`: the RTC as an instant, `Hw clock time : … = N seconds since 1969` (read as UTC or local, per `rtcMode`). */
  rtcSeconds: number | null;
  /**
   * RTC − system clock of one verbose run: its `Hw clock time` (or the time it prints last, the RTC as of
   * its start) minus its `System Time:`. About 0–1 s when the RTC is right (hwclock waits for a tick).
   */
  rtcMinusSystemSeconds: number | null;
  /** How hwclock read the RTC: `Hardware clock is on UTC time` / `…kept in local time`. */
  rtcMode: 'UTC' | 'local' | null;
  /** `Trying to open: /dev/rtc0`. */
  rtcDevice: string | null;
  /** False when hwclock could not reach any RTC (`Cannot access the Hardware Clock via any known method`). */
  accessible: boolean | null;
  /** `select() to /dev/rtc0 to wait for clock tick timed out`: the RTC's update interrupt never came. */
  tickTimedOut: boolean;
  /** hwclock's error lines. */
  errors: LineRef[];
}
