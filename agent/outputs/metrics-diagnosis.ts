/**
 * The diagnosis: drift the model predicts (the same numbers `analyze` and `check` print) and one
 * series per active finding.
 */
import type { Registry } from 'prom-client';
import type { Severity } from '../findings.js';
import { predictedDriftRatio } from '../../simulator/params-from-facts.js';
import type { ViewSource } from './metrics-view.js';
import { guardedGauge } from './metrics-guard.js';

const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];

export function registerDiagnosisMetrics(registry: Registry, view: ViewSource): void {
  guardedGauge({
    registry, name: 'clockdoctor_predicted_drift_ratio',
    help: 'Predicted rate error of the clocksource in use with no corrector: seconds gained per second (negative = slow; -0.022472 = 300 s read as 293.26 s); absent when nothing can be predicted.',
    project: (g) => {
      const p = view().result?.prediction;
      if (p) g.set(predictedDriftRatio(p));
    },
  });
  guardedGauge({
    registry, name: 'clockdoctor_predicted_clocksource_drift_ratio', labelNames: ['clocksource'],
    help: 'Predicted rate error of each clocksource the model covers (seconds gained per second, negative = slow).',
    project: (g) => {
      for (const c of view().result?.prediction?.perClocksource ?? []) {
        if (c.driftPpm !== null && Number.isFinite(c.driftPpm)) g.set({ clocksource: c.clocksource }, c.driftPpm / 1e6);
      }
    },
  });
  guardedGauge({
    registry, name: 'clockdoctor_predicted_residual_drift_ratio',
    help: 'Rate error the running time-sync daemon(s) cannot absorb, per the model (seconds per second); absent when not predicted.',
    project: (g) => {
      const c = view().result?.prediction?.corrected;
      if (c) g.set(c.residualPpm / 1e6);
    },
  });
  guardedGauge({
    registry, name: 'clockdoctor_finding', labelNames: ['id', 'severity'],
    help: 'One series (1) per active finding; id is the stable finding id (e.g. VBOX_TSC_FREQUENCY_MISMATCH). `clockdoctor check` explains it and names the fix.',
    project: (g) => {
      for (const f of view().result?.findings ?? []) g.set({ id: f.id, severity: f.severity }, 1);
    },
  });
  guardedGauge({
    registry, name: 'clockdoctor_findings', labelNames: ['severity'],
    help: 'Number of active findings by severity (critical, warning, info).',
    project: (g) => {
      const r = view().result;
      if (!r) return;
      for (const s of SEVERITIES) g.set({ severity: s }, r.findings.filter((f) => f.severity === s).length);
    },
  });
}
