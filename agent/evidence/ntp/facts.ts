/** ntpd (reference ntp and ntpsec) as users paste it: `ntpq -p` / `-pn`, `ntpstat`, ntpd's and ntpdate's log lines. */
import type { LineRef, SectionBase } from '../kind.js';

/**
 * `ntpq -p` tally codes (ntpq docs, "peers"): `*` system peer, `o` PPS peer, `+` candidate, `#`
 * backup (selected, not used), `-` outlier, `x` falseticker, `.` excess, ` ` rejected.
 */
export type NtpTally = 'sys.peer' | 'pps.peer' | 'candidate' | 'backup' | 'outlier' | 'falseticker' | 'excess' | 'reject';

/** One row of `ntpq -p`. Delay, offset and jitter are in milliseconds, as ntpq prints them. */
export interface NtpPeer extends LineRef {
  tally: NtpTally;
  remote: string;
  refid: string;
  /** 16 = the peer is not synchronised itself. */
  stratum: number | null;
  /** `u` unicast, `l` local, `b`/`B` broadcast, `m`/`M` multicast, `s` symmetric, `p` pool, `-` … */
  type: string;
  /** Seconds since the last packet, null for `-`. */
  whenSeconds: number | null;
  pollSeconds: number | null;
  /** Reachability register (the octal column as a number: 377 octal = 255 = the last 8 polls answered). */
  reach: number | null;
  delayMs: number | null;
  /** The peer's offset from the local clock, ms: > 0 = the peer is ahead (the local clock is behind). */
  offsetMs: number | null;
  jitterMs: number | null;
}

/** `ntpstat`'s three lines. */
export interface NtpStat extends LineRef {
  synchronised: boolean;
  /** `NTP server (10.0.0.30)`, `local net`, `unspecified (120.25.115.20)`, or null. */
  server: string | null;
  stratum: number | null;
  /** `time correct to within N ms`. */
  withinMs: number | null;
  /** `polling server every N s`. */
  pollSeconds: number | null;
  /** `Unable to talk to NTP daemon. Is it running?` */
  noDaemon: boolean;
}

/** What an ntpd / ntpdate log line says (ntpd/ntp_loopfilter.c, ntp_control.c event strings, ntpd.c, ntpdate). */
export type NtpEventKind =
  | 'start' | 'command-line' | 'exit' | 'frequency-error' | 'time-error' | 'step' | 'slew' | 'sanity-limit'
  | 'synchronised' | 'unsynchronised' | 'no-servers' | 'kernel-status' | 'step-error' | 'spike' | 'freq-set'
  | 'freq-not-set' | 'ntpdate-step' | 'ntpdate-adjust' | 'no-daemon' | 'other';

/** One ntpd or ntpdate log line. */
export interface NtpEvent extends LineRef {
  kind: NtpEventKind;
  /** `ntpd` or `ntpdate`. */
  program: 'ntpd' | 'ntpdate';
  /**
   * Seconds the line states, positive = the clock was behind (ntpd adds the offset to the clock: `time
   * reset +7199.99 s` stepped it forward; `time correction of -7201 seconds exceeds sanity limit` is a
   * clock 2 h ahead). Null when none.
   */
  seconds: number | null;
  /**
   * ppm the line states, as ntpd prints it: its frequency correction, positive = it speeds the clock
   * up (so the clock itself runs slow by that much). Null when none.
   */
  ppm: number | null;
  /** The kernel status word of `TIME_ERROR` / `kernel time sync status` lines (`0x41` → 65), or null. */
  status: number | null;
  /** What else the line names: the server, the event word, the TIME_ERROR text. */
  subject: string | null;
  /** The stamp as printed, or null. */
  stamp: string | null;
  epochSeconds: number | null;
  pid: number | null;
}

export interface NtpFacts extends SectionBase {
  /** `ntpd 4.2.8p15@1.3728-o …: Starting` → `4.2.8p15@1.3728-o`; ntpsec `ntpd ntpsec-1.1.0+419 …`. */
  version: string | null;
  /** ntpd's `Command line:` (the options it runs with), or null. */
  commandLine: string | null;
  /** True when that command line has `-g` (or `--panicgate`), false when it has none, null without one. */
  panicGate: boolean | null;
  /** The rows of the last `ntpq -p` table. */
  peers: NtpPeer[];
  /** `ntpq: read: Connection refused` / `localhost: timed out, nothing received`: no ntpd answered. */
  ntpqNoAnswer: LineRef | null;
  /** The last `ntpstat` output. */
  ntpstat: NtpStat | null;
  /** ntpd / ntpdate log lines in input order; at most 1000 (the first and the last 500). */
  events: NtpEvent[];
  /** `systemctl status ntp` / `ntpd`: `active`, `inactive`, …, or null. */
  unitActive: 'active' | 'inactive' | 'failed' | 'activating' | null;
}
