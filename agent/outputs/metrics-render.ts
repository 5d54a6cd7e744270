/**
 * Exposition text from metric families, in the two formats Prometheus scrapes: the text format 0.0.4
 * (byte for byte what prom-client writes) and OpenMetrics 1.0.0 (counter families named without
 * `_total`, their samples with it, `# EOF` at the end). prom-client can render either, but switching a
 * registry to OpenMetrics renames its counters in place (`metric.name = standardizeCounterName(...)`),
 * so rendering both from one registry would corrupt the other; rendering here from the families'
 * values leaves the registries untouched.
 *
 * A sample that is not a finite number is left out: Prometheus has no null, and `NaN` or `±Inf` for
 * "unknown" reads as a value in every query (`clockdoctor_predicted_drift_ratio NaN` compares false
 * with every threshold, silently). An unknown value is an absent series; the family's HELP and TYPE
 * stay, so the metric is still discoverable.
 */

/** The exposition formats. */
export type ExpositionFormat = 'prometheus' | 'openmetrics';

export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

/** One sample as prom-client's `metric.get()` gives it. */
export interface FamilySample {
  value: number;
  labels: Readonly<Record<string, string | number | undefined>>;
  /** Histogram/summary parts (`_bucket`, `_sum`, `_count`). */
  metricName?: string;
}

/** One metric family (what prom-client's `getMetricsAsJSON()` returns per metric). */
export interface MetricFamily {
  name: string;
  help: string;
  type: string;
  values: readonly FamilySample[];
}

const escapeHelp = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeHelpOm = (s: string): string => escapeHelp(s).replace(/"/g, '\\"');
const escapeLabel = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function labelText(labels: FamilySample['labels']): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(labels)) {
    if (v === undefined) continue;
    parts.push(`${k}="${escapeLabel(String(v))}"`);
  }
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

/** Counter family name in OpenMetrics: without the `_total` its samples carry. */
const omCounterName = (name: string): string => (name.endsWith('_total') ? name.slice(0, -'_total'.length) : name);

function renderFamily(f: MetricFamily, format: ExpositionFormat, stats: { dropped: number }): string {
  const om = format === 'openmetrics';
  const counter = f.type === 'counter';
  const name = om && counter ? omCounterName(f.name) : f.name;
  const lines = [`# HELP ${name} ${om ? escapeHelpOm(f.help) : escapeHelp(f.help)}`, `# TYPE ${name} ${f.type}`];
  for (const s of f.values) {
    if (!Number.isFinite(s.value)) {
      stats.dropped++;
      continue;
    }
    let sample = s.metricName ?? f.name;
    if (om && counter) sample = `${omCounterName(sample)}_total`;
    lines.push(`${sample}${labelText(s.labels)} ${s.value}`);
  }
  return lines.join('\n');
}

/** Render families; `dropped` counts the non-finite samples left out. */
export function renderFamilies(families: readonly MetricFamily[], format: ExpositionFormat): { text: string; dropped: number } {
  const stats = { dropped: 0 };
  const blocks = families.map((f) => renderFamily(f, format, stats));
  if (format === 'openmetrics') return { text: `${blocks.join('\n')}${blocks.length > 0 ? '\n' : ''}# EOF\n`, dropped: stats.dropped };
  return { text: blocks.length > 0 ? `${blocks.join('\n\n')}\n` : '', dropped: stats.dropped };
}
