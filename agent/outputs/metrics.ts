/**
 * The agent's Prometheus registry: every clockdoctor_* family (one module per family group), set in
 * collect callbacks from the latest MetricsView — a scrape never does I/O and a throwing projection
 * never fails it (metrics-guard.ts). The textfile mode renders the same registry without process
 * metrics (node_exporter exports its own process_* series; ours would collide there).
 */
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { Registry } from 'prom-client';
import { buildInfo, type BuildInfo } from '../daemon/build-info.js';
import type { MetricsView, ViewSource } from './metrics-view.js';
import { guardedGauge } from './metrics-guard.js';
import { registerClockMetrics } from './metrics-clock.js';
import { registerDiagnosisMetrics } from './metrics-diagnosis.js';
import { registerCollectorMetrics } from './metrics-collectors.js';
import { registerProcessMetrics } from './metrics-process.js';
import { CONTENT_TYPES, renderFamilies, type ExpositionFormat, type MetricFamily } from './metrics-render.js';

export type { MetricsView, RefreshStats, ViewSource } from './metrics-view.js';
export { emptyView } from './metrics-view.js';
export type { ExpositionFormat } from './metrics-render.js';

/** Anything that renders exposition text: a prom-client Registry or an Exposition. */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

/** One response body, ready to write: shared by every scrape of the same snapshot and variant. */
export interface ExpositionBody {
  body: Buffer;
  contentType: string;
  /** `gzip` when the body is gzip-compressed. */
  encoding: 'gzip' | 'identity';
}

/** What the HTTP server serves at /metrics. */
export interface BodySource {
  body(format: ExpositionFormat, gzip: boolean): Promise<ExpositionBody>;
}

export interface MetricsRegistryOptions {
  /** Add Node process metrics (process_*, nodejs_*). Default true. */
  processMetrics?: boolean;
  /** Version for clockdoctor_build_info (default: the package version). */
  version?: string;
  /** The rest of clockdoctor_build_info (default: what this build was stamped with). */
  build?: Partial<BuildInfo>;
}

/** A fresh registry projecting `view()` at every scrape. */
export function createMetricsRegistry(view: ViewSource, opts: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  const info: BuildInfo = { ...buildInfo(), ...(opts.build ?? {}), ...(opts.version !== undefined ? { version: opts.version } : {}) };
  guardedGauge({
    registry, name: 'clockdoctor_build_info', labelNames: ['version', 'revision', 'branch', 'nodeversion'],
    help: 'A metric with a constant \'1\' value labeled by version, revision, branch, and nodeversion from which clockdoctor was built.',
    project: (g) => g.set(info, 1),
  });
  registerClockMetrics(registry, view);
  registerDiagnosisMetrics(registry, view);
  registerCollectorMetrics(registry, view);
  if (opts.processMetrics ?? true) registerProcessMetrics(registry);
  return registry;
}

const gzip = promisify(zlib.gzip);

/** prom-client's JSON for one registry, in the shape the renderer takes. */
async function familiesOf(registry: Registry): Promise<MetricFamily[]> {
  return (await registry.getMetricsAsJSON()) as unknown as MetricFamily[];
}

/**
 * What the agent serves: the clockdoctor_* families, projected once per snapshot (they change only
 * when the view does), followed by the families that change on their own (process metrics, the
 * measure metrics), collected at most once per `liveTtlMs` and shared by the scrapes in between.
 * prom-client's process metrics allocate a lot per render (one string per active handle, heap
 * statistics, …); under 50 concurrent scrapes rendering them every time grew the young generation and
 * promoted garbage: RSS +22 MB over 10 000 scrapes, against +5 MB with this cache (bench/agent.ts).
 * A second-old process_cpu_seconds_total is as good as a fresh one at any sane scrape interval.
 *
 * The response bodies are built from those two parts once per (snapshot, live tick, format,
 * encoding) and the same Buffer is handed to every scrape — 256 pipelining clients cost one render
 * and one gzip, not 256 (issue 15: every request rendering its own body took RSS to 1.78 GB).
 */
export class Exposition implements MetricsSource, BodySource {
  /** clockdoctor_* families projecting the view. */
  readonly registry: Registry;
  /** Families that change on their own; register more on it (e.g. the measure metrics). */
  readonly live: Registry;
  readonly contentType = CONTENT_TYPES.prometheus;
  /** Bodies built so far (text renders plus gzips), for tests and the load script. */
  bodiesBuilt = 0;
  private main: { view: MetricsView; families: Promise<MetricFamily[]> } | null = null;
  private liveCache: { at: number; families: Promise<MetricFamily[]> } | null = null;
  private bodies: { main: Promise<MetricFamily[]>; live: Promise<MetricFamily[]>; byVariant: Map<string, Promise<ExpositionBody>> } | null = null;
  private readonly liveTtlMs: number;

  constructor(
    private readonly view: ViewSource,
    opts: MetricsRegistryOptions & { liveTtlMs?: number } = {},
  ) {
    this.liveTtlMs = opts.liveTtlMs ?? 1000;
    this.registry = createMetricsRegistry(view, { ...opts, processMetrics: false });
    this.live = new Registry();
    if (opts.processMetrics ?? true) registerProcessMetrics(this.live);
  }

  private mainFamilies(): Promise<MetricFamily[]> {
    const v = this.view();
    if (this.main === null || this.main.view !== v) {
      const families = familiesOf(this.registry);
      this.main = { view: v, families };
      // A failed projection must not stick for the whole snapshot.
      families.catch(() => {
        if (this.main?.families === families) this.main = null;
      });
    }
    return this.main.families;
  }

  private liveFamilies(): Promise<MetricFamily[]> {
    const now = performance.now();
    if (this.liveCache === null || now - this.liveCache.at >= this.liveTtlMs) {
      const families = familiesOf(this.live);
      this.liveCache = { at: now, families };
      // A failed render must not stick for a whole second.
      families.catch(() => {
        if (this.liveCache?.families === families) this.liveCache = null;
      });
    }
    return this.liveCache.families;
  }

  /** The body for one format and encoding; built once per snapshot and live tick, then shared. */
  body(format: ExpositionFormat, useGzip: boolean): Promise<ExpositionBody> {
    const main = this.mainFamilies();
    const live = this.liveFamilies();
    if (this.bodies === null || this.bodies.main !== main || this.bodies.live !== live) {
      this.bodies = { main, live, byVariant: new Map() };
    }
    const key = `${format}/${useGzip ? 'gzip' : 'identity'}`;
    let p = this.bodies.byVariant.get(key);
    if (p === undefined) {
      p = this.build(format, useGzip, main, live);
      const variants = this.bodies.byVariant;
      variants.set(key, p);
      p.catch(() => variants.delete(key));
    }
    return p;
  }

  private async build(format: ExpositionFormat, useGzip: boolean, main: Promise<MetricFamily[]>, live: Promise<MetricFamily[]>): Promise<ExpositionBody> {
    const contentType = CONTENT_TYPES[format];
    if (useGzip) {
      // The gzip of the identity body (itself shared), compressed once.
      const plain = await this.body(format, false);
      this.bodiesBuilt++;
      return { body: await gzip(plain.body), contentType, encoding: 'gzip' };
    }
    const families = [...(await main), ...(await live)];
    this.bodiesBuilt++;
    return { body: Buffer.from(renderFamilies(families, format).text, 'utf8'), contentType, encoding: 'identity' };
  }

  /** The text format as a string (the textfile mode writes it). */
  async metrics(): Promise<string> {
    return (await this.body('prometheus', false)).body.toString('utf8');
  }
}
