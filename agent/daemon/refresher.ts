/**
 * One refresh = collect a snapshot, diagnose it, project the prediction; the result replaces the
 * agent's MetricsView in one assignment, so a scrape sees either the old picture or the new one.
 * A refresh never throws: a failure is counted and logged, and the previous snapshot stays served.
 */
import { performance } from 'node:perf_hooks';
import { collectSnapshot, type CollectOptions } from '../collect.js';
import { diagnose } from '../diagnose.js';
import type { Roots } from '../roots.js';
import { emptyView, type MetricsView } from '../outputs/metrics-view.js';
import { SILENT, type Logger } from './log.js';
import { CollectMemory } from '../sources/memory.js';

export interface RefresherOptions {
  roots: Roots;
  collect: Omit<CollectOptions, 'signal' | 'memory'>;
  intervalSeconds: number | null;
  /** Called after each successful refresh with the new view (the textfile mode writes it out). */
  onRefreshed?: (view: MetricsView) => Promise<void> | void;
  log?: Logger;
}

export class Refresher {
  private current: MetricsView;
  private readonly abort = new AbortController();
  /** What the sources keep between refreshes (the /dev/kmsg descriptor, readings spread over refreshes). */
  private readonly memory = new CollectMemory();

  constructor(private readonly opts: RefresherOptions) {
    this.current = emptyView(opts.intervalSeconds);
  }

  /** The latest view (cheap; called at every scrape). */
  view = (): MetricsView => this.current;

  /** True once a snapshot has been taken. */
  ready = (): boolean => this.current.snapshot !== null;

  /** Cancel a refresh in flight (shutdown). */
  cancel(): void {
    this.abort.abort(new Error('agent shutting down'));
    this.memory.close();
  }

  /** Take a new snapshot and publish it. Never rejects. */
  refresh = async (): Promise<void> => {
    const log = this.opts.log ?? SILENT;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const prev = this.current;
    const cpuSeconds = (): number => {
      const d = process.cpuUsage(cpu0);
      return prev.refresh.cpuSecondsTotal + (d.user + d.system) / 1e6;
    };
    try {
      const snapshot = await collectSnapshot(this.opts.roots, { ...this.opts.collect, signal: this.abort.signal, memory: this.memory });
      if (this.abort.signal.aborted) return;
      const result = diagnose(snapshot.facts, { sources: snapshot.sources });
      this.current = {
        snapshot,
        result,
        refresh: { ...prev.refresh, total: prev.refresh.total + 1, lastDurationSeconds: (performance.now() - t0) / 1000, cpuSecondsTotal: cpuSeconds() },
      };
      const failed = Object.entries(snapshot.sources).filter(([, s]) => s.state === 'failed');
      for (const [name, s] of failed) log.warn('collector failed', { collector: name, err: s.error ?? 'no reason given' });
      log.debug('refreshed', { duration_seconds: Number(((performance.now() - t0) / 1000).toFixed(3)), findings: result.findings.length });
    } catch (err) {
      this.current = { ...prev, refresh: { ...prev.refresh, failures: prev.refresh.failures + 1, lastDurationSeconds: (performance.now() - t0) / 1000, cpuSecondsTotal: cpuSeconds() } };
      log.error('refresh failed', { err: err instanceof Error ? err.message : String(err) });
      return;
    }
    try {
      await this.opts.onRefreshed?.(this.current);
    } catch (err) {
      log.error('after refresh', { err: err instanceof Error ? err.message : String(err) });
    }
  };
}
