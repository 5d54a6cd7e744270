/**
 * One immutable picture of everything read: the facts, and how each source fared.
 */
import type { Facts } from './facts.js';

/** How one source (collector or input file) fared. `absent` is not an error: the thing is not there. */
export interface SourceStatus {
  state: 'ok' | 'absent' | 'failed';
  durationMs: number;
  /** Why it failed or is absent, with the remedy when there is one (e.g. "needs CAP_SYSLOG"). */
  error?: string;
  /** Where it read from (file or command). */
  path?: string;
}

export interface Snapshot {
  /** ISO time the snapshot was taken. */
  takenAt: string;
  facts: Facts;
  /** Keyed by source name (`kernel-log`, `clocksource`, ...). */
  sources: Record<string, SourceStatus>;
}

/** Deep-freeze so no consumer can change what another one reads. */
export function freezeSnapshot(s: Snapshot): Readonly<Snapshot> {
  const freeze = (o: unknown): void => {
    if (o && typeof o === 'object' && !Object.isFrozen(o)) {
      Object.freeze(o);
      for (const v of Object.values(o as Record<string, unknown>)) freeze(v);
    }
  };
  freeze(s);
  return s;
}
