/**
 * Guest Additions (VBoxService) time-sync messages, wherever they appear: forwarded into VBox.log as
 * `VMMDev: Guest Log: …` or into a guest kernel log (formats.md §4.9). Pure.
 */
import type { TimeSyncLogLine } from '../kind.js';
import { groupedInt } from './values.js';

/** One recognised message: its kind and the signed nanoseconds it states. */
export interface TimeSyncMessage {
  kind: TimeSyncLogLine['kind'];
  deltaNs: number | null;
}

// Guest logs are forwarded line by line, but several messages can be glued into one forwarded line
// (real 7.2.2: a host-change and a guest-change message on one line), so every occurrence counts.
const RADICAL = /Radical (host|guest) time change: (-?\d[\d ]*?) ?ns/g;
const ADJTIME = /adjtime by (-?\d[\d ]*?) ?ns/g;
const DRIFT = /=> (-?\d[\d ]*?) ?ns drift/g;

/** Quick test: does this text carry a VBoxService time-sync message (5.x+ or 4.3 names)? */
export function mentionsTimeSync(text: string): boolean {
  return text.includes('TimeSync') || text.includes('timesync');
}

function ns(text: string): number | null {
  return groupedInt(text.trim());
}

/** Every time-sync message in `text` (one line, possibly several glued messages); `other` if none is known. */
export function parseTimeSyncMessages(text: string): TimeSyncMessage[] {
  const out: TimeSyncMessage[] = [];
  for (const m of text.matchAll(RADICAL)) {
    out.push({ kind: m[1] === 'host' ? 'radical-host-change' : 'radical-guest-change', deltaNs: ns(m[2]!) });
  }
  // A line cut before its number (journalctl's ellipsis, a narrow terminal) still says what happened.
  if (out.length === 0) {
    const cut = /Radical (host|guest) time change/.exec(text);
    if (cut !== null) out.push({ kind: cut[1] === 'host' ? 'radical-host-change' : 'radical-guest-change', deltaNs: null });
  }
  for (const m of text.matchAll(ADJTIME)) out.push({ kind: 'adjtime', deltaNs: ns(m[1]!) });
  for (const m of text.matchAll(DRIFT)) out.push({ kind: 'drift', deltaNs: ns(m[1]!) });
  if (text.includes('time set to ')) out.push({ kind: 'time-set', deltaNs: null });
  if (text.includes('session ID changed')) out.push({ kind: 'session-changed', deltaNs: null });
  if (out.length === 0 && /\bfailed\b|\bError\b/.test(text)) out.push({ kind: 'error', deltaNs: null });
  if (out.length === 0) out.push({ kind: 'other', deltaNs: null });
  return out;
}
