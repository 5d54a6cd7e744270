/** systemd-timesyncd's journal lines (and `systemctl status systemd-timesyncd`), as pasted. */
import type { LineRef, SectionBase } from '../kind.js';

/** What a timesyncd line says (systemd src/timesync/timesyncd-manager.c, timesyncd.c, across versions). */
export type TimesyncdEventKind =
  | 'synchronised' | 'contacted' | 'timeout' | 'network-changed' | 'no-network' | 'clock-restored'
  | 'root-distance' | 'unit-started' | 'unit-stopped' | 'error' | 'other';

export interface TimesyncdEvent extends LineRef {
  kind: TimesyncdEventKind;
  /** The server as printed (`185.125.190.58:123 (ntp.ubuntu.com)`), or the restored timestamp; null when none. */
  subject: string | null;
  /** The stamp as printed, or null. */
  stamp: string | null;
  epochSeconds: number | null;
  pid: number | null;
}

export interface TimesyncdFacts extends SectionBase {
  /** Lines in input order; at most 1000 (the first and the last 500). */
  events: TimesyncdEvent[];
  /** `systemctl status systemd-timesyncd`'s `Active:` word, or null. */
  unitActive: 'active' | 'inactive' | 'failed' | 'activating' | null;
}
