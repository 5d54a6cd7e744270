/**
 * The typed facts every parser produces and every analyzer, the model and every output reads —
 * derived from the registry of evidence kinds (agent/evidence/index.ts), so a new kind's section
 * appears here without a line changed. The section types live beside their parsers
 * (agent/evidence/<kind>/facts.ts) and are re-exported here for readers.
 *
 * Rules for every section (agent/evidence/kind.ts): a fact the evidence does not state is `null`,
 * never guessed; frequencies are integers in Hz or kHz exactly as named; anything an analyzer may
 * quote keeps its line number and raw excerpt (`LineRef`).
 */
import { KIND_LIST, type FactKey, type Sections } from './evidence/index.js';

export type { FactKey, KindName, Sections } from './evidence/index.js';
export type { LineRef, SectionBase, TimeSyncLogLine } from './evidence/kind.js';
export type * from './evidence/vbox/facts.js';
export type * from './evidence/kernel-log/facts.js';
export type * from './evidence/cpuinfo/facts.js';
export type * from './evidence/timer-list/facts.js';
export type * from './evidence/clocksource/facts.js';
export type * from './evidence/clockevents/facts.js';
export type * from './evidence/cmdline/facts.js';
export type * from './evidence/timesync/facts.js';
export type * from './evidence/rtc/facts.js';
export type * from './evidence/hypervisor/facts.js';
export type * from './evidence/clock-read-cost/facts.js';
export type * from './evidence/chrony/facts.js';
export type * from './evidence/ntp/facts.js';
export type * from './evidence/timedatectl/facts.js';
export type * from './evidence/timesyncd/facts.js';
export type * from './evidence/vboxservice/facts.js';
export { TSC_FLAGS } from './evidence/cpuinfo/facts.js';

/** Numbers the user supplies on the command line (`--host-tsc-hz`). */
export interface UserFacts {
  hostTscHz: number | null;
}

/** Everything known about one machine: one section per kind (null when absent) and what the user said. */
export type Facts = Sections & { user: UserFacts };

/** Every section key, in the order outputs list them (the registry's order). */
export const FACT_KEYS: readonly FactKey[] = KIND_LIST.map((k) => k.key);

/** Facts with every section absent. */
export function emptyFacts(user: Partial<UserFacts> = {}): Facts {
  const facts = Object.fromEntries(FACT_KEYS.map((k) => [k, null])) as unknown as Sections;
  return { ...facts, user: { hostTscHz: user.hostTscHz ?? null } };
}
