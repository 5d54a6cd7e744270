/** VirtualBox Guest Additions' VBoxService, from the guest: its journal/syslog lines and its own log lines. */
import type { SectionBase, TimeSyncLogLine } from '../kind.js';

export interface VboxserviceFacts extends SectionBase {
  /** `VBoxService 6.1.16 r140961 (verbosity: 0) …` → `6.1.16`. */
  version: string | null;
  /** Its time-sync lines (the `timesync` thread, `vgsvcTimeSync…` functions), read as VBox.log's forwarded ones are; at most 1000. */
  timeSync: TimeSyncLogLine[];
  /** Lines of VBoxService seen in all (any thread). */
  lines: number;
}
