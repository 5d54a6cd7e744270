/**
 * VMware Tools in the guest (open-vm-tools / vmtoolsd): its timeSync plugin's log lines (in the
 * journal, syslog or its own log file), `vmware-toolbox-cmd timesync status` and `-v`, and the
 * `[timeSync]` section of tools.conf.
 */
import type { LineRef, SectionBase } from '../kind.js';

/** What a timeSync line says (open-vm-tools services/plugins/timeSync/timeSync.c). */
export type VmtoolsSyncKind =
  /** `One time synchronization: stepping time.` — at start/restart, resume, snapshot revert, vMotion, disk shrink. */
  | 'one-time-step'
  | 'one-time-not-needed'
  /** `Periodic synchronization: stepping time.` (guest behind by more than the host's maxTimeLag). */
  | 'periodic-step'
  | 'periodic-slew'
  /** `Time changed by Nus from a -> b` (debug builds): the step itself. */
  | 'time-changed'
  | 'loop-start'
  | 'loop-stop'
  /** `All time synchronization is disabled.` / `Periodic …` (tools.conf [timeSync]). */
  | 'sync-disabled'
  | 'guest-resync'
  | 'backdoor'
  | 'error'
  | 'other';

export interface VmtoolsSyncEvent extends LineRef {
  kind: VmtoolsSyncKind;
  /** vmtoolsd's pid when the journal or syslog prefix names it. */
  pid: number | null;
  /** The journal's (or syslog's) stamp of the line, as printed. */
  journalStamp: string | null;
  /** vmtoolsd's own stamp of the line, as printed. */
  toolStamp: string | null;
  /**
   * Journal stamp minus vmtoolsd's stamp, seconds, when both are in the same time zone: the clock moved
   * this much between vmtoolsd writing the line and the journal receiving it (a step in between).
   */
  stampDeltaSeconds: number | null;
  /** `Time changed by N us`: the step, microseconds. */
  amountUs: number | null;
}

export interface VmtoolsFacts extends SectionBase {
  /** `vmware-toolbox-cmd -v` (`10.0.5.52125 (build-3227872)`). */
  version: string | null;
  /** Periodic sync as `vmware-toolbox-cmd timesync status` says (Enabled/Disabled), or as the loop start/stop lines show. */
  periodicSync: boolean | null;
  /** tools.conf `[timeSync]` `disable-all` / `disable-periodic` (open-vm-tools 13.0+). */
  disableAll: boolean | null;
  disablePeriodic: boolean | null;
  /** Every timeSync line, in order (capped). */
  events: VmtoolsSyncEvent[];
  oneTimeSteps: number;
  periodicSteps: number;
  /** Distinct vmtoolsd pids seen: more than one is a restart (each start does a one-off sync). */
  pids: number[];
  /** The largest stamp difference of one line (signed), seconds; null when no line has two comparable stamps. */
  clockMovedSeconds: number | null;
}
