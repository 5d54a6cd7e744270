/**
 * ntpd's and ntpdate's log messages → events. Format strings from ntp-project/ntp (ntp_loopfilter.c,
 * ntpd.c, libntp/systime.c, ntp_control.c's `report_event` `"%s %04x %02x %s"` lines with the event
 * names of libntp/statestr.c), ntp 4.2.4's older wording (`synchronized to …`, `time reset …`,
 * `kernel time sync status change`), ntpsec's (`time stepped by …`, categories stripped by
 * daemon-log.ts) and ntpdate's. Pure.
 */
import type { NtpEventKind } from './facts.js';
import type { MessageRule } from '../text/daemon-log.js';
import { num } from '../text/daemon-log.js';

export interface NtpMessage {
  kind: NtpEventKind;
  seconds?: number | null;
  ppm?: number | null;
  status?: number | null;
  subject?: string | null;
  version?: string;
  commandLine?: string;
}

const SIGNED = String.raw`([+-]?\d+(?:\.\d+)?)`;

const hexOrDec = (t: string): number | null => {
  const v = /^0x/i.test(t) ? Number.parseInt(t, 16) : Number.parseInt(t, 10);
  return Number.isFinite(v) ? v : null;
};

/** The `report_event` system and peer events that say something about the clock (statestr.c names). */
function event(m: RegExpExecArray): NtpMessage {
  const name = m[2]!;
  const rest = m[3] ?? '';
  const lead = num(/^([+-]?\d+(?:\.\d+)?)/.exec(rest)?.[1]);
  switch (name) {
    case 'clock_step': return { kind: 'step', seconds: lead, subject: name };
    case 'panic_stop': return { kind: 'sanity-limit', seconds: lead, subject: name };
    case 'spike_detect': return { kind: 'spike', seconds: lead, subject: name };
    case 'clock_sync': case 'sys_peer': return { kind: 'synchronised', subject: name === 'sys_peer' ? m[1]! : name };
    case 'no_sys_peer': return { kind: 'unsynchronised', subject: name };
    case 'freq_set': return { kind: 'freq-set', ppm: num(/([+-]?\d+(?:\.\d+)?) PPM/.exec(rest)?.[1]), subject: name };
    case 'freq_not_set': return { kind: 'freq-not-set', subject: name };
    case 'restart': return { kind: 'start', subject: name };
    case 'kern': return { kind: 'kernel-status', subject: rest || name };
    default: return { kind: 'other', subject: name };
  }
}

/** ntpd's messages, most specific first. `alone`: the message alone proves it is ntpd's. */
export const NTP_MESSAGES: readonly MessageRule<NtpMessage>[] = [
  { re: /^frequency error (-?\d+(?:\.\d+)?) PPM exceeds tolerance (\d+) PPM/, alone: true, make: (m) => ({ kind: 'frequency-error', ppm: num(m[1]), subject: `${m[2]} PPM` }) },
  { re: /^kernel reports TIME_ERROR: (0x[0-9a-fA-F]+|\d+)(?:: ?(.*))?$/, alone: true, make: (m) => ({ kind: 'time-error', status: hexOrDec(m[1]!), subject: m[2]?.trim() || null }) },
  { re: /^time correction of (-?\d+(?:\.\d+)?) seconds exceeds sanity limit \((\d+)\)/, alone: true, make: (m) => ({ kind: 'sanity-limit', seconds: num(m[1]), subject: `sanity limit ${m[2]} s` }) },
  { re: new RegExp(String.raw`^(?:ntpd: )?time reset ${SIGNED} ?s\b`), alone: true, make: (m) => ({ kind: 'step', seconds: num(m[1]) }) },
  { re: new RegExp(String.raw`^(?:ntpd: )?time set ${SIGNED} ?s\b`), alone: true, make: (m) => ({ kind: 'step', seconds: num(m[1]) }) },
  { re: new RegExp(String.raw`^(?:ntpd: )?time slew ${SIGNED} ?s\b`), alone: true, make: (m) => ({ kind: 'slew', seconds: num(m[1]) }) },
  { re: new RegExp(String.raw`^time stepped by ${SIGNED}`), alone: false, make: (m) => ({ kind: 'step', seconds: num(m[1]) }) },
  { re: /^(\S+) [0-9a-f]{4} [0-9a-f]{2} ([a-z_.]+|TAI)(?: (.*))?$/, alone: true, make: event },
  { re: /^synchronized to (\S+?),? stratum[ =](\d+)/, alone: true, make: (m) => ({ kind: 'synchronised', subject: m[1]! }) },
  { re: /^synchronisation lost/, alone: false, make: () => ({ kind: 'unsynchronised' }) },
  { re: /^no servers reachable/, alone: true, make: () => ({ kind: 'no-servers' }) },
  { re: /^kernel time sync (status change|enabled|disabled)\s*([0-9a-fA-Fx]*)/, alone: true, make: (m) => ({ kind: 'kernel-status', status: m[2] ? hexOrDec(m[2].startsWith('0x') ? m[2] : `0x${m[2]}`) : null, subject: m[1]! }) },
  { re: /^step-systime: (.+)$/, alone: true, make: (m) => ({ kind: 'step-error', subject: m[1]! }) },
  { re: /^(?:ntpd )?exiting on signal (\d+)/, alone: true, make: (m) => ({ kind: 'exit', subject: `signal ${m[1]}` }) },
  { re: /^ntpd (\S+)(?: .*)?: Starting/, alone: true, make: (m) => ({ kind: 'start', version: m[1]! }) },
  { re: /^ntpd (\S+ ?.*?)\s*$/, alone: false, make: (m) => ({ kind: 'start', version: m[1]!.split(' ')[0]! }) },
  { re: /^Command line: (.+)$/, alone: false, make: (m) => ({ kind: 'command-line', commandLine: m[1]!.trim() }) },
];

/** ntpdate's messages (`ntpdate[3544]: adjust time server … offset 0.002725 sec`). */
export const NTPDATE_MESSAGES: readonly MessageRule<NtpMessage>[] = [
  { re: new RegExp(String.raw`^step time server (\S+) offset ${SIGNED} sec`), alone: true, make: (m) => ({ kind: 'ntpdate-step', seconds: num(m[2]), subject: m[1]! }) },
  { re: new RegExp(String.raw`^adjust time server (\S+) offset ${SIGNED} sec`), alone: true, make: (m) => ({ kind: 'ntpdate-adjust', seconds: num(m[2]), subject: m[1]! }) },
  { re: /^no server suitable for synchronization found/, alone: true, make: () => ({ kind: 'no-servers' }) },
];

/** Does a command line give ntpd `-g` (allow one big first step)? Bundled short options count (`-gq`). */
export function hasPanicGate(commandLine: string): boolean {
  return /(?:^|\s)(?:-[A-Za-z]*g[A-Za-z]*|--panicgate)(?=\s|$)/.test(commandLine);
}
