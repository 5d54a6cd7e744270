/**
 * prom-client awaits every metric's collect callback inside `registry.metrics()`, so one callback that
 * throws fails the whole scrape. Every clockdoctor gauge projecting the view is built through
 * `guardedGauge`: a throwing projection empties that family for this scrape and counts the error, the
 * rest is served. Counters come from `totalCounter`, whose callback only copies a number.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

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

export interface GuardedGaugeOptions<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
  registry: Registry;
  /** Set the gauge from the current view. Runs after a reset, so only what is set now is exported. */
  project: (g: Gauge<L>) => void;
}

/** A gauge whose collect callback resets it, projects the view, and cannot fail the scrape. */
export function guardedGauge<L extends string>(o: GuardedGaugeOptions<L>): Gauge<L> {
  const errors = collectErrorCounter(o.registry);
  const labelled = (o.labelNames?.length ?? 0) > 0;
  return new Gauge<L>({
    name: o.name,
    help: o.help,
    labelNames: o.labelNames ?? [],
    registers: [o.registry],
    collect() {
      // Labelled gauges are reset so a label set that no longer applies (a finding that went away)
      // disappears instead of keeping its last value.
      this.reset();
      try {
        o.project(this);
      } catch {
        this.reset();
        if (!labelled) this.set(Number.NaN);
        errors.inc({ family: o.name });
      }
    },
  });
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

/** Prometheus has no null: unknown scalars are exported as NaN (as prom-client and the measure metrics do). */
export const orNaN = (v: number | null | undefined): number => (v === null || v === undefined || !Number.isFinite(v) ? Number.NaN : v);
