/**
 * Process metrics (prom-client's default set) on our own registry — without the part that would keep
 * an idle guest awake. prom-client's event-loop-lag family samples with perf_hooks'
 * monitorEventLoopDelay at `eventLoopMonitoringPrecision` ms (default 10 ms: ~100 wake-ups a second,
 * measured ~1900 context switches in 20 s). We arm it at one hour instead (measured: 0 switches a
 * minute) and drop the histogram-derived series (min/max/mean/stddev/percentiles), which would only
 * describe hourly samples; `nodejs_eventloop_lag_seconds`, measured at scrape time, stays.
 * `nodejs_active_{handles,requests,resources}_total` are gauges with a counter's suffix, which
 * `promtool check metrics` warns about; the per-type families without the suffix carry the same counts.
 */
import { collectDefaultMetrics, type Registry } from 'prom-client';

const ONE_HOUR_MS = 3_600_000;

const DROPPED_FAMILIES = [
  'nodejs_eventloop_lag_min_seconds',
  'nodejs_eventloop_lag_max_seconds',
  'nodejs_eventloop_lag_mean_seconds',
  'nodejs_eventloop_lag_stddev_seconds',
  'nodejs_eventloop_lag_p50_seconds',
  'nodejs_eventloop_lag_p90_seconds',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export function registerProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: ONE_HOUR_MS });
  for (const name of DROPPED_FAMILIES) registry.removeSingleMetric(name);
}
