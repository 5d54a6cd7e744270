/**
 * The agent's Prometheus registry: every clockdoctor_* family (one module per family group), set in
 * collect callbacks from the latest MetricsView — a scrape never does I/O and a throwing projection
 * never fails it (metrics-guard.ts). The textfile mode renders the same registry without process
 * metrics (node_exporter exports its own process_* series; ours would collide there).
 */
import { Registry } from 'prom-client';
import { VERSION } from '../version.js';
import type { ViewSource } from './metrics-view.js';
import { guardedGauge } from './metrics-guard.js';
import { registerClockMetrics } from './metrics-clock.js';
import { registerDiagnosisMetrics } from './metrics-diagnosis.js';
import { registerCollectorMetrics } from './metrics-collectors.js';
import { registerProcessMetrics } from './metrics-process.js';

export type { MetricsView, RefreshStats, ViewSource } from './metrics-view.js';
export { emptyView } from './metrics-view.js';

export interface MetricsRegistryOptions {
  /** Add Node process metrics (process_*, nodejs_*). Default true. */
  processMetrics?: boolean;
  /** Version for clockdoctor_build_info (default: the package version). */
  version?: string;
}

/** A fresh registry projecting `view()` at every scrape. */
export function createMetricsRegistry(view: ViewSource, opts: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  const version = opts.version ?? VERSION;
  guardedGauge({
    registry, name: 'clockdoctor_build_info', labelNames: ['version'],
    help: 'clockdoctor version (1); the Node.js version is in nodejs_version_info.',
    project: (g) => g.set({ version }, 1),
  });
  registerClockMetrics(registry, view);
  registerDiagnosisMetrics(registry, view);
  registerCollectorMetrics(registry, view);
  if (opts.processMetrics ?? true) registerProcessMetrics(registry);
  return registry;
}
