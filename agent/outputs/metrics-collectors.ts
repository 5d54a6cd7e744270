/**
 * How the collectors and the refresh loop fare, per collector like node_exporter's
 * `node_scrape_collector_success` / `_duration_seconds`.
 */
import type { Registry } from 'prom-client';
import type { ViewSource } from './metrics-view.js';
import { guardedGauge, totalCounter } from './metrics-guard.js';

export function registerCollectorMetrics(registry: Registry, view: ViewSource): void {
  guardedGauge({
    registry, name: 'clockdoctor_collector_success', labelNames: ['collector'],
    help: 'Whether the collector produced data in the last refresh (1) or not (0: failed, or absent; see clockdoctor_collector_absent).',
    project: (g) => {
      for (const [collector, s] of Object.entries(view().snapshot?.sources ?? {})) g.set({ collector }, s.state === 'ok' ? 1 : 0);
    },
  });
  guardedGauge({
    registry, name: 'clockdoctor_collector_absent', labelNames: ['collector'],
    help: 'The collector found nothing to read (1: e.g. no RTC device, a capture without that file) rather than failing (0).',
    project: (g) => {
      for (const [collector, s] of Object.entries(view().snapshot?.sources ?? {})) g.set({ collector }, s.state === 'absent' ? 1 : 0);
    },
  });
  guardedGauge({
    registry, name: 'clockdoctor_collector_duration_seconds', labelNames: ['collector'],
    help: 'Time the collector took in the last refresh, seconds.',
    project: (g) => {
      for (const [collector, s] of Object.entries(view().snapshot?.sources ?? {})) g.set({ collector }, s.durationMs / 1000);
    },
  });
  guardedGauge({
    registry, name: 'clockdoctor_snapshot_timestamp_seconds',
    help: 'When the snapshot served was taken, seconds since the epoch; absent before the first one.',
    project: (g) => {
      const at = view().snapshot?.takenAt;
      if (at !== undefined) g.set(Date.parse(at) / 1000);
    },
  });
  guardedGauge({
    registry, name: 'clockdoctor_refresh_duration_seconds',
    help: 'Wall time of the last refresh (collect and diagnose), seconds; absent before the first.',
    project: (g) => g.set(view().refresh.lastDurationSeconds),
  });
  totalCounter({
    registry, name: 'clockdoctor_refresh_cpu_seconds_total',
    help: 'Process CPU time (user + system, all threads) spent while refreshes ran since the agent started, seconds; rate() of it is the standing cost of --refresh.',
    total: () => view().refresh.cpuSecondsTotal,
  });
  guardedGauge({
    registry, name: 'clockdoctor_refresh_interval_seconds',
    help: 'Nominal seconds between refreshes (--refresh); the stale-snapshot alert compares the snapshot age with it.',
    project: (g) => g.set(view().refresh.intervalSeconds),
  });
  totalCounter({
    registry, name: 'clockdoctor_refreshes_total',
    help: 'Refreshes that produced a snapshot since the agent started.',
    total: () => view().refresh.total,
  });
  totalCounter({
    registry, name: 'clockdoctor_refresh_failures_total',
    help: 'Refreshes that failed as a whole since the agent started (the previous snapshot stays served).',
    total: () => view().refresh.failures,
  });
}
