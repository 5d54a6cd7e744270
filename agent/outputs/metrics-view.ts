/**
 * What the metrics project: the latest snapshot, its diagnosis and how refreshing fares. The agent
 * replaces the whole view after each refresh; collect callbacks only read it, so a scrape does no I/O
 * and always sees one consistent picture.
 */
import type { Snapshot } from '../snapshot.js';
import type { AnalysisResult } from '../result.js';

/** How the refresh loop is doing (counters since the agent started). */
export interface RefreshStats {
  /** Refreshes that produced a snapshot. */
  total: number;
  /** Refreshes that threw (the previous snapshot stays served). */
  failures: number;
  /** Wall time of the last refresh, seconds; null before the first. */
  lastDurationSeconds: number | null;
  /**
   * Process CPU (user + system, every thread) consumed while refreshes ran, seconds, summed since the
   * agent started: process.cpuUsage() read before and after each refresh. A scrape answered while a
   * refresh awaits I/O is counted in too (one process, one counter); at a 10 s refresh that is noise.
   */
  cpuSecondsTotal: number;
  /** Nominal seconds between refreshes (for the stale-snapshot alert); null when unknown. */
  intervalSeconds: number | null;
}

/** Everything the clockdoctor_* metric families read. Immutable once handed over. */
export interface MetricsView {
  snapshot: Readonly<Snapshot> | null;
  result: AnalysisResult | null;
  refresh: RefreshStats;
}

/** A view before the first refresh: nothing known yet. */
export function emptyView(intervalSeconds: number | null = null): MetricsView {
  return { snapshot: null, result: null, refresh: { total: 0, failures: 0, lastDurationSeconds: null, cpuSecondsTotal: 0, intervalSeconds } };
}

/** Returns the current view; called at every scrape. */
export type ViewSource = () => MetricsView;
