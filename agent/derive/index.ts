/**
 * Values several rules and the model need, derived ONCE per diagnosis from the facts: which platform
 * and role, which clocksource, which TSC rates. Analyzers and the model read these and never re-derive
 * them, so a finding and the prediction can never disagree about what the machine is (issue 11 §4).
 * Pure. Each kind contributes its hints (its descriptor's `hints`); the combiners weigh them.
 */
import type { Facts } from '../facts.js';
import type { Hint } from '../evidence/hints.js';
import { KIND_LIST } from '../evidence/index.js';
import { derivePlatform, type PlatformView } from './platform.js';
import { deriveClocksource, type ClocksourceView } from './clocksource.js';
import { claimedTsc, exposureOf, type ClaimedRate, type Exposure } from './tsc.js';
import { estimateHostTsc, type HostTscEstimate } from './host-tsc.js';
import { checkUserRate, type UserRateCheck } from './user-rate.js';
import { deriveTimeSync, type TimeSyncView } from './time-sync.js';

export type { PlatformView } from './platform.js';
export type { ClocksourceView } from './clocksource.js';
export type { ClaimedRate, Exposure } from './tsc.js';
export type { HostTscEstimate, HostTscCandidate } from './host-tsc.js';
export type { UserRateCheck } from './user-rate.js';
export type { TimeSyncView, TimeSyncDaemonView } from './time-sync.js';

/** The TSC as the evidence shows it. */
export interface TscView {
  /** The rate the hypervisor tells the guest, or null. */
  claimed: ClaimedRate | null;
  /** The host's true rate, from every independent source (strongest first). */
  host: HostTscEstimate;
  /** Which guest clocksources a wrong claim hits; null without a claim. */
  exposure: Exposure | null;
  /** `--host-tsc-hz` held to the evidence (derive/user-rate.ts); a contradicted value is left out of `host`. */
  user: UserRateCheck | null;
}

/** Everything derived for one machine. Serialisable: it is part of the `--json` document. */
export interface Derived {
  platform: PlatformView;
  clocksource: ClocksourceView;
  tsc: TscView;
  /** The time-sync daemons the evidence shows, and what they do. */
  timeSync: TimeSyncView;
}

/** Every hint of every section present. */
export function hintsOf(facts: Facts): Hint[] {
  const out: Hint[] = [];
  for (const k of KIND_LIST) {
    const section = facts[k.key];
    if (section !== null && k.hints !== undefined) out.push(...k.hints(section));
  }
  return out;
}

export function derive(facts: Facts): Derived {
  const hints = hintsOf(facts);
  const platform = derivePlatform(hints);
  const clocksource = deriveClocksource(hints);
  const claimed = claimedTsc(facts);
  const user = checkUserRate(facts, claimed, estimateHostTsc(facts, false), platform.role);
  return {
    platform,
    clocksource,
    tsc: { claimed, host: estimateHostTsc(facts, user?.accepted !== false), exposure: claimed === null ? null : exposureOf(facts, claimed, clocksource.current), user },
    timeSync: deriveTimeSync(hints),
  };
}
