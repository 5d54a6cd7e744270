/** `timedatectl`: status (all spellings), `show`, `timesync-status`, `show-timesync`, as pasted. */
import { defineKind, identityMerge } from '../kind.js';
import { createTimedatectlParser } from './parser.js';
import type { TimedatectlFacts } from './facts.js';
import type { Hint, TimeSyncState } from '../hints.js';
import { refEvidence } from '../quote.js';

/** timedated's NTP service (systemd-timesyncd, chronyd or ntpd: timedatectl does not say which). */
function serviceState(t: TimedatectlFacts): { state: TimeSyncState; key: string } | null {
  if (t.ntpService === 'active') return { state: 'running', key: 'ntpService' };
  if (t.ntpService === 'inactive') return { state: 'inactive', key: 'ntpService' };
  if (t.ntpService === 'n/a' || t.canNtp === false) return { state: 'absent', key: t.ntpService === 'n/a' ? 'ntpService' : 'canNtp' };
  if (t.ntpEnabled !== null) return { state: t.ntpEnabled ? 'running' : 'inactive', key: 'ntpEnabled' };
  return null;
}

function hints(t: TimedatectlFacts): Hint[] {
  const out: Hint[] = [];
  const svc = serviceState(t);
  if (svc !== null) out.push({ about: 'time-sync', daemon: 'ntp-service', state: svc.state, evidence: refEvidence('timedatectl', t, svc.key) });
  // The kernel clock's STA_UNSYNC bit, whoever clears it: not a daemon of its own.
  if (t.synchronised !== null) out.push({ about: 'time-sync', daemon: 'system-clock', state: t.synchronised ? 'synchronised' : 'unsynchronised', evidence: refEvidence('timedatectl', t, 'synchronised') });
  const ts = t.timesync;
  if (ts !== null) {
    const ev = refEvidence('timedatectl', t, 'timesync.server', 'timesync.packetCount', 'timesync.leap');
    out.push({ about: 'time-sync', daemon: 'systemd-timesyncd', state: 'running', evidence: ev });
    if (ts.packetCount === 0 || ts.leap === 'not synchronized') out.push({ about: 'time-sync', daemon: 'systemd-timesyncd', state: 'unsynchronised', evidence: ev });
    else if (ts.packetCount !== null || ts.offsetSeconds !== null) out.push({ about: 'time-sync', daemon: 'systemd-timesyncd', state: 'synchronised', evidence: ev });
  }
  return out;
}

function keyFacts(t: TimedatectlFacts): string[] {
  const out: string[] = [];
  const parts: string[] = [];
  if (t.synchronised !== null) parts.push(`synchronised ${t.synchronised ? 'yes' : 'no'}`);
  if (t.ntpService !== null) parts.push(`NTP service ${t.ntpService}`);
  else if (t.ntpEnabled !== null) parts.push(`NTP ${t.ntpEnabled ? 'enabled' : 'disabled'}`);
  if (t.rtcInLocalTz !== null) parts.push(`RTC in local TZ ${t.rtcInLocalTz ? 'yes' : 'no'}`);
  if (parts.length > 0) out.push(`timedatectl: ${parts.join(', ')}`);
  const ts = t.timesync;
  if (ts !== null) out.push(`timesync-status: ${ts.server ?? 'server ?'}${ts.offsetSeconds !== null ? `, offset ${(ts.offsetSeconds * 1e3).toFixed(3)} ms` : ''}${ts.packetCount !== null ? `, ${ts.packetCount} packets` : ''}`);
  return out;
}

export const timedatectlKind = defineKind({
  name: 'timedatectl',
  key: 'timedatectl',
  title: 'timedatectl',
  createParser: createTimedatectlParser,
  // Two readings of one machine agree on its time zone and RTC mode.
  merge: identityMerge<TimedatectlFacts>(['timeZone', 'rtcInLocalTz']),
  keyFacts,
  hints,
  collector: null,
});
