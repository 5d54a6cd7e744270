/**
 * VirtualBox Guest Additions (VBoxService) time-sync lines as they reach a guest kernel log through
 * vboxguest (formats.md §4.9): `17:01:19.979820 timesync vgsvcTimeSyncWorker: Radical guest time
 * change: 73 879 510 734 000ns (...)`. 4.3 used `VBoxServiceTimeSync*` function names.
 */
import type { TimeSyncLogLine } from '../facts.js';

/** Cheap test: could this message be a VBoxService time-sync line? */
export const TIMESYNC_GATE = /TimeSync|\btimesync\b/;

const SPACED = '(-?\\d{1,3}(?:[ \\u00a0]\\d{3})+|-?\\d+)';
const RADICAL = new RegExp(`Radical (host|guest) time change: ${SPACED}\\s*ns`);
const ADJTIME = new RegExp(`adjtime by ${SPACED}\\s*ns`);
const DRIFT = new RegExp(`=>\\s*${SPACED}\\s*ns drift`);

function spacedInt(text: string | undefined): number | null {
  if (text === undefined) return null;
  const v = Number(text.replace(/[ \u00a0]/g, ''));
  return Number.isFinite(v) ? v : null;
}

/** Classify one message; null when it is not a time-sync line. */
export function parseTimeSyncMessage(msg: string): Omit<TimeSyncLogLine, 'line' | 'excerpt' | 'atSeconds'> | null {
  if (!TIMESYNC_GATE.test(msg)) return null;
  let m = RADICAL.exec(msg);
  if (m !== null) return { kind: m[1] === 'host' ? 'radical-host-change' : 'radical-guest-change', deltaNs: spacedInt(m[2]) };
  m = ADJTIME.exec(msg);
  if (m !== null) return { kind: 'adjtime', deltaNs: spacedInt(m[1]) };
  if (/\btime set to\b/.test(msg)) return { kind: 'time-set', deltaNs: null };
  if (/session ID changed/.test(msg)) return { kind: 'session-changed', deltaNs: null };
  m = DRIFT.exec(msg);
  if (m !== null) return { kind: 'drift', deltaNs: spacedInt(m[1]) };
  if (/\bfailed\b|\berror\b/i.test(msg)) return { kind: 'error', deltaNs: null };
  if (/vgsvcTimeSync|VBoxServiceTimeSync/.test(msg)) return { kind: 'other', deltaNs: null };
  return null;
}
