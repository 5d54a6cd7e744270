/**
 * chronyd's log messages (format strings from mlichvar/chrony reference.c, sources.c, sched.c,
 * local.c, main.c, ntp_sources.c, ntp_core.c; old spellings from chrony 1.x–3.x) → events. Pure.
 *
 * Signs: chronyd prints `System clock wrong by %f` with the correction (−offset): > 0 = the clock was
 * behind; `System clock was stepped by %f` with the step: > 0 = forward; `System's initial offset :
 * %f seconds slow|fast of true` with |offset| and a word. Every event's `seconds` is turned into one
 * convention: > 0 = the clock was behind true time.
 */
import type { ChronyEventKind } from './facts.js';
import type { MessageRule } from '../text/daemon-log.js';
import { num } from '../text/daemon-log.js';

/** What a rule reads from a message. */
export interface ChronyMessage {
  kind: ChronyEventKind;
  seconds?: number | null;
  ppm?: number | null;
  mode?: 'step' | 'slew' | 'ignored' | null;
  subject?: string | null;
  version?: string;
}

const NUMBER = String.raw`(-?\d+(?:\.\d+)?)`;

/** chronyd's messages, most specific first. `alone`: the message proves it is chronyd's without a tag. */
export const CHRONY_MESSAGES: readonly MessageRule<ChronyMessage>[] = [
  { re: /^chronyd version (\S+) starting\b/, alone: true, make: (m) => ({ kind: 'start', version: m[1]! }) },
  { re: /^chronyd exiting\b/, alone: true, make: () => ({ kind: 'exit' }) },
  { re: /^Selected source (\S+)(?: \(([^)]*)\))?/, alone: true, make: (m) => ({ kind: 'selected', subject: m[2] !== undefined ? `${m[1]} (${m[2]})` : m[1]! }) },
  { re: /^Can't synchronise: (.+?)\s*$/, alone: true, make: (m) => ({ kind: 'cant-synchronise', subject: m[1]! }) },
  {
    re: new RegExp(String.raw`^System clock wrong by ${NUMBER} seconds(?:(, adjustment started)| \((step|ignored)\))?`),
    alone: true,
    make: (m) => ({ kind: 'clock-wrong', seconds: num(m[1]), mode: m[2] !== undefined ? 'slew' : (m[3] as 'step' | 'ignored' | undefined) ?? null }),
  },
  {
    re: /^System's initial offset : (\d+(?:\.\d+)?) seconds (fast|slow) of true \((step|slew)\)/,
    alone: true,
    make: (m) => {
      const x = num(m[1]);
      return { kind: 'initial-offset', seconds: x === null ? null : m[2] === 'slow' ? x : -x, mode: m[3] as 'step' | 'slew' };
    },
  },
  { re: new RegExp(String.raw`^System clock was stepped by ${NUMBER} seconds`), alone: true, make: (m) => ({ kind: 'stepped', seconds: num(m[1]), mode: 'step' }) },
  { re: /^Backward time jump detected/, alone: true, make: () => ({ kind: 'backward-jump' }) },
  { re: /^Forward time jump detected/, alone: true, make: () => ({ kind: 'forward-jump' }) },
  { re: /^Source (\S+) replaced with (\S+)/, alone: true, make: (m) => ({ kind: 'source-replaced', subject: `${m[1]} → ${m[2]}` }) },
  { re: /^Source (\S+) (online|offline)$/, alone: false, make: (m) => ({ kind: m[2] === 'online' ? 'source-online' : 'source-offline', subject: m[1]! }) },
  { re: /^Detected falseticker (\S+)/, alone: true, make: (m) => ({ kind: 'falseticker', subject: m[1]! }) },
  { re: new RegExp(String.raw`^Initial frequency ${NUMBER} ppm`), alone: true, make: (m) => ({ kind: 'initial-frequency', ppm: num(m[1]) }) },
  { re: new RegExp(String.raw`^Frequency ${NUMBER} \+/- (\d+(?:\.\d+)?) ppm read from (\S+)`), alone: true, make: (m) => ({ kind: 'frequency-read', ppm: num(m[1]), subject: m[3]! }) },
  { re: /^Could not read valid frequency and skew from driftfile (\S+)/, alone: true, make: (m) => ({ kind: 'no-driftfile', subject: m[1]! }) },
  { re: /^New makestep (\S+) (-?\d+)/, alone: true, make: (m) => ({ kind: 'makestep-set', seconds: num(m[1]), subject: `makestep ${m[1]} ${m[2]}` }) },
  { re: /^System clock interference detected/, alone: true, make: () => ({ kind: 'interference' }) },
  {
    re: new RegExp(String.raw`^Adjustment of ${NUMBER} seconds exceeds the allowed maximum of (\d+(?:\.\d+)?) seconds \((exiting|ignored)\)`),
    alone: true,
    make: (m) => ({ kind: 'max-change', seconds: num(m[1]), subject: m[3]! }),
  },
  { re: new RegExp(String.raw`^Frequency ${NUMBER} ppm exceeds allowed maximum`), alone: true, make: (m) => ({ kind: 'frequency-limit', ppm: num(m[1]) }) },
  { re: /^No suitable source for (initstepslew|synchronisation)/, alone: true, make: (m) => ({ kind: 'no-source', subject: m[1]! }) },
  { re: /^CAP_SYS_TIME not present/, alone: false, make: () => ({ kind: 'no-cap-sys-time' }) },
  { re: /^Could not step system clock/, alone: true, make: () => ({ kind: 'step-failed' }) },
  // chronyc's answer when no chronyd listens (client.c): the daemon is not running, or not reachable.
  { re: /^506 Cannot talk to daemon/, alone: true, make: () => ({ kind: 'cannot-talk' }) },
];

/** The `other` event of a tagged chronyd line no rule knows. */
export const OTHER: ChronyMessage = { kind: 'other' };
