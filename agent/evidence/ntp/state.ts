/**
 * What ntpd's evidence says about synchronisation, read once for the kind's hints and the rules:
 * its latest word from the log, `ntpq -p` (a `*` or `o` peer) or `ntpstat`, whichever comes last. Pure.
 */
import type { LineRef } from '../kind.js';
import type { NtpEvent, NtpFacts, NtpPeer } from './facts.js';

export interface NtpSyncState {
  state: 'synchronised' | 'unsynchronised';
  ref: LineRef;
  from: 'log' | 'peers' | 'ntpstat';
  /** Why, in a few words (`no servers reachable`, `no peer selected`). */
  why: string;
  order: number;
}

/** Kernel status bit STA_UNSYNC (timex.h): the kernel clock is marked unsynchronised. */
export const STA_UNSYNC = 0x40;

const LOG_KINDS = new Set<NtpEvent['kind']>(['synchronised', 'unsynchronised', 'no-servers', 'time-error', 'sanity-limit']);

function fromLog(f: NtpFacts): NtpSyncState | null {
  const last = f.events.filter((e) => e.program === 'ntpd' && LOG_KINDS.has(e.kind)).at(-1);
  if (last === undefined) return null;
  const synced = last.kind === 'synchronised' || (last.kind === 'time-error' && last.status !== null && (last.status & STA_UNSYNC) === 0);
  const why = last.kind === 'time-error' ? `the kernel reports TIME_ERROR${last.subject !== null ? ` (${last.subject})` : ''}`
    : last.kind === 'no-servers' ? 'no servers reachable' : last.kind === 'sanity-limit' ? 'the offset exceeds the sanity limit' : last.subject ?? last.kind;
  return { state: synced ? 'synchronised' : 'unsynchronised', ref: last, from: 'log', why, order: last.line };
}

/** The peer ntpd synchronises to (`*` system peer, or `o` PPS peer), or null. */
export function systemPeer(f: NtpFacts): NtpPeer | null {
  return f.peers.find((p) => p.tally === 'sys.peer' || p.tally === 'pps.peer') ?? null;
}

function fromPeers(f: NtpFacts): NtpSyncState | null {
  if (f.peers.length === 0) return null;
  const peer = systemPeer(f);
  const last = f.peers.at(-1)!;
  if (peer !== null) return { state: 'synchronised', ref: peer, from: 'peers', why: `system peer ${peer.remote}`, order: last.line };
  const unreachable = f.peers.every((p) => p.reach === 0);
  return { state: 'unsynchronised', ref: last, from: 'peers', why: unreachable ? 'no peer has answered (reach 0)' : 'no peer is selected (no `*`)', order: last.line };
}

function fromNtpstat(f: NtpFacts): NtpSyncState | null {
  const n = f.ntpstat;
  if (n === null) return null;
  return { state: n.synchronised ? 'synchronised' : 'unsynchronised', ref: n, from: 'ntpstat', why: n.noDaemon ? 'ntpstat cannot talk to ntpd' : n.synchronised ? `synchronised to ${n.server ?? '?'}` : 'ntpstat: unsynchronised', order: n.line };
}

/** The latest word, or null when the evidence says nothing about synchronisation. */
export function ntpSyncState(f: NtpFacts): NtpSyncState | null {
  let best: NtpSyncState | null = null;
  for (const c of [fromLog(f), fromPeers(f), fromNtpstat(f)]) if (c !== null && (best === null || c.order >= best.order)) best = c;
  return best;
}

/** Steps ntpd or ntpdate made (`time reset`, `clock_step`, `time stepped by`, ntpdate's `step time server`). */
export function ntpSteps(f: NtpFacts): NtpEvent[] {
  return f.events.filter((e) => e.kind === 'step' || e.kind === 'ntpdate-step');
}

/** True when the evidence shows no ntpd runs (ntpq or ntpstat got no answer, the unit is stopped, its last line is its exit). */
export function ntpInactive(f: NtpFacts): boolean {
  if (f.unitActive === 'inactive' || f.unitActive === 'failed' || f.ntpqNoAnswer !== null || f.ntpstat?.noDaemon === true) return true;
  const last = f.events.filter((e) => e.program === 'ntpd').at(-1);
  return last?.kind === 'exit' || last?.kind === 'sanity-limit';
}

/**
 * ntpd's `frequency error N PPM exceeds tolerance 500 PPM`, read one of two ways. ntpd computes the
 * frequency directly from the offset it sees at the end of its stepout interval (ntp_loopfilter.c
 * `direct_freq`: offset ÷ time), so a clock that was already far off when ntpd started shows up as an
 * absurd frequency (7200 s over a ~900 s stepout ≈ 8 000 ppm) — while a clock that started right and
 * drifted shows its true rate the same way (32 s built up over 775 s = 41 699 ppm). The log tells them
 * apart only by context: a step ntpd took, a message that recurs, or a value a real clock can have
 * (below 1000 ppm) point to a rate; a single absurd value with no step, to an offset never stepped.
 */
export interface NtpFrequencyReading {
  event: NtpEvent;
  /** ntpd's correction as printed (> 0 = it speeds the clock up: the clock runs slow). */
  ppm: number;
  /** True when ntpd stepped the clock in this log (before or after the line). */
  stepped: boolean;
  /** How many frequency-error lines the log has. */
  count: number;
  /** The reading: the clock's own rate error, or an offset ntpd never stepped. */
  reading: 'rate' | 'unstepped-offset';
}

/** Below this a frequency error is one real clocks have (a bad crystal, a miscalibrated TSC). */
export const PLAUSIBLE_RATE_PPM = 1000;

/** The largest frequency error ntpd reported, and how to read it; null without one. */
export function ntpFrequencyError(f: NtpFacts): NtpFrequencyReading | null {
  const all = f.events.filter((e) => e.kind === 'frequency-error' && e.ppm !== null);
  let worst: NtpEvent | null = null;
  for (const e of all) if (worst === null || Math.abs(e.ppm!) > Math.abs(worst.ppm!)) worst = e;
  if (worst === null) return null;
  const stepped = f.events.some((e) => e.kind === 'step' && e.program === 'ntpd');
  const rate = stepped || all.length >= 2 || Math.abs(worst.ppm!) < PLAUSIBLE_RATE_PPM;
  return { event: worst, ppm: worst.ppm!, stepped, count: all.length, reading: rate ? 'rate' : 'unstepped-offset' };
}
