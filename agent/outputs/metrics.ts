/**
 * The agent's Prometheus registry: every clockdoctor_* family (one module per family group), set in
 * collect callbacks from the latest MetricsView — a scrape never does I/O and a throwing projection
 * never fails it (metrics-guard.ts). The textfile mode renders the same registry without process
 * metrics (node_exporter exports its own process_* series; ours would collide there).
 */
import { performance } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { VERSION } from '../version.js';
import type { MetricsView, ViewSource } from './metrics-view.js';
import { guardedGauge } from './metrics-guard.js';
import { registerClockMetrics } from './metrics-clock.js';
import { registerDiagnosisMetrics } from './metrics-diagnosis.js';
import { registerCollectorMetrics } from './metrics-collectors.js';
import { registerProcessMetrics } from './metrics-process.js';

export type { MetricsView, RefreshStats, ViewSource } from './metrics-view.js';
export { emptyView } from './metrics-view.js';

/** Anything the HTTP server can render: a prom-client Registry or an Exposition. */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

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

/**
 * What the agent serves: the clockdoctor_* families, rendered once per snapshot (they change only
 * when the view does), followed by the families that change on their own (process metrics, the
 * measure metrics), rendered at most once per `liveTtlMs` and shared by the scrapes in between.
 * prom-client's process metrics allocate a lot per render (one string per active handle, heap
 * statistics, …); under 50 concurrent scrapes rendering them every time grew the young generation and
 * promoted garbage: RSS +22 MB over 10 000 scrapes, against +5 MB with this cache (bench/agent.ts).
 * A second-old process_cpu_seconds_total is as good as a fresh one at any sane scrape interval.
 * A throwing clockdoctor family is therefore counted once per snapshot, not once per scrape.
 */
export class Exposition implements MetricsSource {
  /** clockdoctor_* families projecting the view. */
  readonly registry: Registry;
  /** Families that change on their own; register more on it (e.g. the measure metrics). */
  readonly live: Registry;
  readonly contentType: string;
  private cache: { view: MetricsView; text: string } | null = null;
  private liveCache: { at: number; text: Promise<string> } | null = null;
  private readonly liveTtlMs: number;

  constructor(
    private readonly view: ViewSource,
    opts: MetricsRegistryOptions & { liveTtlMs?: number } = {},
  ) {
    this.liveTtlMs = opts.liveTtlMs ?? 1000;
    this.registry = createMetricsRegistry(view, { ...opts, processMetrics: false });
    this.live = new Registry();
    if (opts.processMetrics ?? true) registerProcessMetrics(this.live);
    this.contentType = this.registry.contentType;
  }

  async metrics(): Promise<string> {
    const v = this.view();
    let text: string;
    if (this.cache !== null && this.cache.view === v) {
      text = this.cache.text;
    } else {
      text = await this.registry.metrics();
      this.cache = { view: v, text };
    }
    const now = performance.now();
    if (this.liveCache === null || now - this.liveCache.at >= this.liveTtlMs) {
      const rendering = this.live.metrics();
      this.liveCache = { at: now, text: rendering };
      // A failed render must not stick for a whole second.
      rendering.catch(() => {
        if (this.liveCache?.text === rendering) this.liveCache = null;
      });
    }
    const live = await this.liveCache.text;
    return live === '' ? text : `${text}${live}`;
  }
}
