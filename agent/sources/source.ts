/**
 * The shape of a source: I/O only, one data source, one name. It returns the raw material a parser
 * turns into facts, or says why there is none — it never throws past the runner (agent/collect.ts).
 */
import type { Roots } from '../roots.js';
import type { SourceContext } from './io.js';

/** What a source hands back. `absent` means "not there" (not an error); `failed` says why and what would fix it. */
export type SourceOutcome<R> =
  | { state: 'ok'; raw: R; path: string | null; /** Partial trouble worth telling (e.g. chronyc failed). */ note?: string }
  | { state: 'absent' | 'failed'; reason: string; path: string | null };

export interface Source<R> {
  /** kebab-case source name, the same as the collector and the metric label. */
  name: string;
  read(roots: Roots, ctx: SourceContext): Promise<SourceOutcome<R>>;
}

/** Turn a failed/absent read into the outcome of a source. */
export function notOk<R>(r: { state: 'absent' | 'failed'; reason: string; path: string }): SourceOutcome<R> {
  return { state: r.state, reason: r.reason, path: r.path };
}
