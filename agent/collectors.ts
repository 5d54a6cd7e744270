/**
 * The collectors of `check`, `collect` and the agent: every kind of the registry (agent/evidence/index.ts)
 * that has a collector, in registry order, under the kind's one name end to end (folder ↔ fact key ↔
 * `--[no-]collector.NAME` ↔ `clockdoctor_collector_success{collector="NAME"}`).
 */
import type { Facts, FactKey } from './facts.js';
import type { Source } from './sources/source.js';
import { KIND_LIST } from './evidence/index.js';

/** One collector: a source (I/O) and the pure parser that turns its raw output into one fact section. */
export interface Collector {
  name: string;
  factKey: FactKey;
  /** One line for `--help`. */
  help: string;
  defaultOn: boolean;
  /** Measures the running system; skipped (absent) for a capture. */
  liveOnly: boolean;
  source: Source<unknown>;
  parse(raw: unknown, path: string | null): NonNullable<Facts[FactKey]>;
}

export const COLLECTORS: readonly Collector[] = KIND_LIST.flatMap((k): Collector[] => {
  const c = k.collector;
  if (c === null) return [];
  return [{
    name: k.name, factKey: k.key, help: c.help, defaultOn: c.defaultOn, liveOnly: c.liveOnly,
    source: c.source as Source<unknown>, parse: c.parse as Collector['parse'],
  }];
});

/** Every collector name, in list order. */
export const COLLECTOR_NAMES: readonly string[] = COLLECTORS.map((c) => c.name);

/** Names of the collectors that are on unless switched off. */
export function defaultCollectors(): Set<string> {
  return new Set(COLLECTORS.filter((c) => c.defaultOn).map((c) => c.name));
}
