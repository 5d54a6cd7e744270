/**
 * The agent's measured-drift metrics, set in collect callbacks from BackgroundMeasurer.state() — no I/O
 * at scrape time, and a callback cannot throw (it only copies numbers).
 *
 * - clockdoctor_measured_drift_ratio — this clock's rate error vs the reference (> 0 fast); absent until measurable
 * - clockdoctor_measured_drift_uncertainty_ratio — its 3σ (99.7 %) half-width; absent until measurable
 * - clockdoctor_reference_offset_seconds{reference} — reference − this clock (> 0: behind); absent unless the last comparison answered
 * - clockdoctor_clock_steps_total — steps of the wall clock seen (counter): visible even when a stepping
 *   synchroniser keeps the offset near zero, which node_exporter's timex metrics cannot show
 * - clockdoctor_reference_up{reference} — 1 when the last comparison got a valid answer
 */
import { Gauge, type Registry } from 'prom-client';
import type { BackgroundMeasurer } from './background.js';
import { guardedGauge, totalCounter } from '../outputs/metrics-guard.js';

export function registerMeasureMetrics(registry: Registry, measurer: BackgroundMeasurer): void {
  // Unknown until enough samples: an absent series, never NaN (docs/metrics.md).
  guardedGauge({
    registry, name: 'clockdoctor_measured_drift_ratio',
    help: 'Rate error of this clock measured against the reference (seconds gained per second; > 0 runs fast). Absent until enough samples.',
    project: (g) => g.set(measurer.state().driftRatio),
  });
  guardedGauge({
    registry, name: 'clockdoctor_measured_drift_uncertainty_ratio',
    help: 'Uncertainty (3σ (99.7 %) half-width) of clockdoctor_measured_drift_ratio. Absent until enough samples.',
    project: (g) => g.set(measurer.state().uncertaintyRatio),
  });
  new Gauge({
    name: 'clockdoctor_reference_offset_seconds',
    help: 'Reference time minus this clock, seconds (> 0: this clock is behind), from the fit over the window.',
    labelNames: ['reference'],
    registers: [registry],
    collect() {
      const s = measurer.state();
      this.reset();
      if (s.offsetSeconds !== null) this.set({ reference: s.reference }, s.offsetSeconds);
    },
  });
  new Gauge({
    name: 'clockdoctor_reference_up',
    help: 'Whether the last comparison with the reference got a valid answer (1) or not (0).',
    labelNames: ['reference'],
    registers: [registry],
    collect() {
      const s = measurer.state();
      this.reset();
      this.set({ reference: s.reference }, s.up ? 1 : 0);
    },
  });
  totalCounter({
    registry, name: 'clockdoctor_clock_steps_total',
    help: 'Steps of this clock (CLOCK_REALTIME jumping against CLOCK_MONOTONIC) seen while measuring.',
    total: () => measurer.state().stepsTotal,
  });
}
