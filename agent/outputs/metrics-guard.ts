/**
 * The clockdoctor gauges are projections of the current view: computed fresh at every render, never
 * stored. `guardedGauge` builds one as a prom-client-compatible metric object whose `get()` runs the
 * projection — so a family shows exactly the series the projection set now (a finding that went away
 * disappears), an unknown value is simply not set (an absent series, never `NaN`: prom-client's own
 * unlabelled Gauge would export 0 after a reset), and a projection that throws leaves its family empty
 * for that render and counts the error instead of failing the scrape (prom-client awaits every
 * metric inside `registry.metrics()`, so one throwing callback would fail them all). Counters come
 * from `totalCounter`, whose callback only copies a number.
 */
import { Counter, type Metric, type Registry } from 'prom-client';

/** Counts collect callbacks that threw, by metric family, so a bug shows up without failing scrapes. */
export function collectErrorCounter(registry: Registry): Counter<'family'> {
  const existing = registry.getSingleMetric('clockdoctor_metric_collect_errors_total');
  if (existing) return existing as Counter<'family'>;
  return new Counter({
    name: 'clockdoctor_metric_collect_errors_total',
    help: 'Collect callbacks that threw while projecting the snapshot into a metric family (that family was left empty for the scrape).',
    labelNames: ['family'],
    registers: [registry],
  });
}

/** What a projection sets: `set(value)` on an unlabelled gauge, `set(labels, value)` on a labelled one. */
export interface GaugeSetter<L extends string> {
  /** null, undefined and non-finite values set nothing (the series is absent). */
  set(value: number | null | undefined): void;
  set(labels: Readonly<Partial<Record<L, string>>>, value: number | null | undefined): void;
}

export interface GuardedGaugeOptions<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
  registry: Registry;
  /** Set the series that hold now. Unknown values are not set; null/undefined/non-finite values are ignored. */
  project: (g: GaugeSetter<L>) => void;
}

interface Sample {
  value: number;
  labels: Record<string, string>;
}

/** A gauge family computed from the view at every render; see the module comment. */
export class ProjectedGauge<L extends string> {
  readonly type = 'gauge';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];

  constructor(
    private readonly o: GuardedGaugeOptions<L>,
    private readonly errors: Counter<'family'>,
  ) {
    this.name = o.name;
    this.help = o.help;
    this.labelNames = o.labelNames ?? [];
  }

  /** The samples that hold now (what prom-client's registry renders). */
  get(): Promise<{ name: string; help: string; type: 'gauge'; aggregator: 'sum'; values: Sample[] }> {
    const byKey = new Map<string, Sample>();
    const set = (a: number | null | undefined | Readonly<Partial<Record<L, string>>>, b?: number | null): void => {
      const unlabelled = a === null || a === undefined || typeof a === 'number';
      const value = unlabelled ? a : b;
      if (typeof value !== 'number' || !Number.isFinite(value)) return;
      const labels = unlabelled ? {} : Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) as Record<string, string>;
      // Same label set twice: the later value wins, as with prom-client's Gauge.set.
      byKey.set(JSON.stringify(labels), { value, labels });
    };
    let values: Sample[];
    try {
      this.o.project({ set } as GaugeSetter<L>);
      values = [...byKey.values()];
    } catch {
      values = [];
      this.errors.inc({ family: this.name });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  /** Nothing is stored, so there is nothing to reset (Registry.resetMetrics calls this). */
  reset(): void {}
}

/** Register a projected gauge (see ProjectedGauge). */
export function guardedGauge<L extends string>(o: GuardedGaugeOptions<L>): ProjectedGauge<L> {
  const g = new ProjectedGauge(o, collectErrorCounter(o.registry));
  o.registry.registerMetric(g as unknown as Metric);
  return g;
}

export interface TotalCounterOptions {
  name: string;
  help: string;
  registry: Registry;
  /** The running total, kept elsewhere; it never decreases. */
  total: () => number;
}

/** A counter that exports a running total kept elsewhere, read at every scrape. */
export function totalCounter(o: TotalCounterOptions): Counter {
  return new Counter({
    name: o.name,
    help: o.help,
    registers: [o.registry],
    collect() {
      this.reset();
      this.inc(o.total());
    },
  });
}
