/** `timedatectl` (status, its older spellings, `show`), `timedatectl timesync-status` and `show-timesync`. */
import type { SectionBase } from '../kind.js';

/** `timedatectl timesync-status` / `show-timesync`: what systemd-timesyncd last heard from its server. */
export interface TimesyncStatus {
  /** `91.189.89.198 (ntp.ubuntu.com)` as printed, or `ServerAddress`/`ServerName`. */
  server: string | null;
  pollIntervalSeconds: number | null;
  /** `normal`, `not synchronized`, … */
  leap: string | null;
  stratum: number | null;
  reference: string | null;
  rootDistanceSeconds: number | null;
  /** The server's offset from the local clock, seconds: > 0 = the local clock is behind. */
  offsetSeconds: number | null;
  delaySeconds: number | null;
  jitterSeconds: number | null;
  /** NTP replies received; 0 = none yet (timesyncd prints nothing else then). */
  packetCount: number | null;
  /** The kernel's frequency correction timesyncd left (`Frequency: -28.256ppm`; > 0 speeds the clock up). */
  frequencyPpm: number | null;
}

export interface TimedatectlFacts extends SectionBase {
  /** Which output: `status` (systemd ≥ 239 labels), `status-legacy` (`NTP enabled`/`NTP synchronized`, `Network time on`), `show`, or null (only timesync lines). */
  format: 'status' | 'status-legacy' | 'show' | null;
  localTime: string | null;
  universalTime: string | null;
  rtcTime: string | null;
  timeZone: string | null;
  /** `System clock synchronized` / `NTP synchronized` / `NTPSynchronized=`: the kernel's clock is marked synchronised. */
  synchronised: boolean | null;
  /** `NTP service: active|inactive|n/a` (n/a: no NTP service unit timedated knows is installed). */
  ntpService: 'active' | 'inactive' | 'n/a' | null;
  /** `NTP enabled` / `Network time on` / `NTP=` / `systemd-timesyncd.service active` (older systemd). */
  ntpEnabled: boolean | null;
  /** `CanNTP=`: a time-sync unit timedated can control exists. */
  canNtp: boolean | null;
  /** `RTC in local TZ` / `LocalRTC=`. */
  rtcInLocalTz: boolean | null;
  timesync: TimesyncStatus | null;
}
