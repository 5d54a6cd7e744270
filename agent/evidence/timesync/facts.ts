/** Time-sync daemons running on the machine. */
import type { SectionBase } from '../kind.js';

export type TimeSyncDaemonName = 'chronyd' | 'ntpd' | 'systemd-timesyncd' | 'VBoxService' | 'vmtoolsd' | 'hv_utils' | 'ptp_kvm' | 'openntpd';

export interface TimeSyncDaemon {
  name: TimeSyncDaemonName;
  pid: number | null;
  /** Raw command line (NUL → space), when read from procfs. */
  cmdline: string | null;
  /** VBoxService only: is its time-sync service enabled, and its `--timesync-*` options (ms). */
  vboxTimesync?: {
    enabled: boolean;
    intervalMs: number | null;
    minAdjustMs: number | null;
    setThresholdMs: number | null;
    setStart: boolean | null;
    setOnRestore: boolean | null;
  };
}

/** `chronyc -c tracking` fields, with chrony's sign conventions kept (frequency > 0 = clock would run fast). */
export interface ChronyTracking {
  referenceId: string;
  referenceName: string;
  stratum: number;
  refTimeSeconds: number;
  /** "System time": > 0 means the system clock is behind (slow of) NTP time. */
  systemTimeOffsetSeconds: number;
  lastOffsetSeconds: number;
  rmsOffsetSeconds: number;
  frequencyPpm: number;
  residualFrequencyPpm: number;
  skewPpm: number;
  rootDelaySeconds: number;
  rootDispersionSeconds: number;
  updateIntervalSeconds: number;
  leapStatus: string;
}

export interface TimesyncFacts extends SectionBase {
  daemons: TimeSyncDaemon[];
  chronyTracking: ChronyTracking | null;
}
