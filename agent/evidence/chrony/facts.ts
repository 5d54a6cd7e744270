/** chrony as users paste it: `chronyc tracking` / `sources` / `sourcestats`, chronyd's log lines, chrony.conf directives. */
import type { LineRef, SectionBase } from '../kind.js';

/**
 * `chronyc tracking` (text or `-c` CSV) with chrony's sign conventions kept: `systemTimeOffsetSeconds`
 * > 0 = the clock is behind (slow of) NTP time; `frequencyPpm` > 0 = the clock would run fast without
 * chronyd (client.c: the text prints the magnitude with `slow`/`fast`, the CSV the signed value). A
 * field a cut paste does not show is null.
 */
export interface ChronyTrackingReport {
  format: 'text' | 'csv';
  /** Reference ID as printed: 8 hex digits (`C0A80101`, `50484330` = `PHC0`), or a dotted address in chrony < 3. */
  referenceId: string | null;
  /** The name in parentheses (`ntp1.example.com`, `PHC0`), or null. */
  referenceName: string | null;
  stratum: number | null;
  /** `Ref time (UTC)` as seconds since the epoch. */
  refTimeSeconds: number | null;
  /** "System time": > 0 means the system clock is behind (slow of) NTP time. */
  systemTimeOffsetSeconds: number | null;
  lastOffsetSeconds: number | null;
  rmsOffsetSeconds: number | null;
  /** "Frequency": > 0 means the clock would run fast without chronyd (the raw rate error chronyd cancels). */
  frequencyPpm: number | null;
  residualFrequencyPpm: number | null;
  skewPpm: number | null;
  rootDelaySeconds: number | null;
  rootDispersionSeconds: number | null;
  updateIntervalSeconds: number | null;
  /** `Normal`, `Insert second`, `Delete second`, `Not synchronised`. */
  leapStatus: string | null;
}

/** chronyc's source state column (client.c): `*` selected, `+` combined, `-` not combined, `x` falseticker, `~` too variable, `?` unusable. */
export type ChronySourceState = 'selected' | 'combined' | 'not-combined' | 'falseticker' | 'jittery' | 'unusable' | 'unknown';

/** One row of `chronyc sources` (text or `-c` CSV). */
export interface ChronySource extends LineRef {
  /** `^` server, `=` peer, `#` local reference clock (`PHC0`, `GPS`, `PPS`). */
  mode: 'server' | 'peer' | 'refclock' | 'unknown';
  state: ChronySourceState;
  name: string;
  stratum: number | null;
  /** log2 of the polling interval in seconds. */
  pollLog2: number | null;
  /** Reachability register (the octal column as a number, 0–255; 377 octal = 255 = the last 8 polls answered), null when the table has no Reach column. */
  reach: number | null;
  /** Seconds since the last sample, null for `-` (never). */
  lastRxSeconds: number | null;
  /** `xxxx`: the adjusted offset, seconds (> 0: the source is ahead of the local clock). */
  offsetSeconds: number | null;
  /** `[yyyy]`: the measured offset, seconds. */
  measuredOffsetSeconds: number | null;
  /** `+/- zzzz`: the estimated error, seconds. */
  errorSeconds: number | null;
}

/** One row of `chronyc sourcestats`. */
export interface ChronySourceStats extends LineRef {
  name: string;
  samples: number | null;
  runs: number | null;
  spanSeconds: number | null;
  /** Estimated residual frequency of the source relative to the local clock, ppm. */
  frequencyPpm: number | null;
  skewPpm: number | null;
  offsetSeconds: number | null;
  stdDevSeconds: number | null;
}

/** What a chronyd log line says (chrony's reference.c, sources.c, sched.c, local.c, main.c messages). */
export type ChronyEventKind =
  | 'start' | 'exit' | 'selected' | 'cant-synchronise' | 'clock-wrong' | 'initial-offset' | 'stepped'
  | 'backward-jump' | 'forward-jump' | 'source-replaced' | 'source-online' | 'source-offline' | 'falseticker'
  | 'initial-frequency' | 'frequency-read' | 'no-driftfile' | 'makestep-set' | 'interference'
  | 'max-change' | 'frequency-limit' | 'no-source' | 'no-cap-sys-time' | 'step-failed' | 'cannot-talk' | 'other';

/** One chronyd log line. */
export interface ChronyEvent extends LineRef {
  kind: ChronyEventKind;
  /**
   * The clock error the line states, seconds, positive = the system clock was behind (slow of) true
   * time; for `stepped` the step, positive = forward (so again: it was behind). Null when none.
   */
  seconds: number | null;
  /** A frequency the line states (ppm, chrony's convention: > 0 = the clock runs fast), or null. */
  ppm: number | null;
  /** How chronyd corrects: `step`, `slew` (`adjustment started`), `ignored`, or null when the line does not say. */
  mode: 'step' | 'slew' | 'ignored' | null;
  /** The source the line names (`162.159.200.1`, `PHC0`), or the reason (`no selectable sources`). */
  subject: string | null;
  /** The stamp as printed (`2022-05-07T08:00:43Z`, `May 07 08:00:43`), or null. */
  stamp: string | null;
  /** Seconds since the epoch when the stamp names date, time and zone. */
  epochSeconds: number | null;
  pid: number | null;
}

/** A `refclock` directive of chrony.conf. */
export interface ChronyRefclock extends LineRef {
  /** `PHC`, `SHM`, `SOCK`, `PPS`, `RTC`. */
  driver: string;
  /** `/dev/ptp_hyperv`, `/dev/ptp0`, `0`. */
  parameter: string;
}

/** chrony.conf directives pasted with the rest (under `cat /etc/chrony.conf`, or the distinctive ones alone). */
export interface ChronyConfig {
  /** `makestep threshold limit`: step when off by more than `thresholdSeconds`, in the first `limit` updates (-1 = always). */
  makestep: { thresholdSeconds: number; limit: number; line: number; excerpt: string } | null;
  refclocks: ChronyRefclock[];
  /** `server` / `pool` / `peer` names. */
  servers: string[];
  /** `rtcsync` present (true) — null when no config was pasted. */
  rtcsync: boolean | null;
}

export interface ChronyFacts extends SectionBase {
  /** `chronyd version 4.1 starting` → `4.1`. */
  version: string | null;
  /** The last `chronyc tracking` report pasted. */
  tracking: ChronyTrackingReport | null;
  /** The rows of the last `chronyc sources` table pasted. */
  sources: ChronySource[];
  /** `210 Number of sources = N` (chrony < 4), or null. */
  sourcesCount: number | null;
  /** The rows of the last `chronyc sourcestats` table pasted. */
  sourcestats: ChronySourceStats[];
  config: ChronyConfig;
  /** chronyd log lines (and chronyc's `506 Cannot talk to daemon`), in input order; at most 1000 — the first and the last 500 when there are more. */
  events: ChronyEvent[];
  /** systemd's word on the unit (`systemctl status chronyd`: `Active: active (running)` → `active`), or null. */
  unitActive: 'active' | 'inactive' | 'failed' | 'activating' | null;
}
