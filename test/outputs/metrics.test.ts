/**
 * The metric families: golden exposition text for real inputs (the Firecracker capture through the
 * real collect → diagnose pipeline; the documented VirtualBox 5.0 KVM case through analyze's reader),
 * label resets between refreshes, and a throwing projection that must not fail the scrape.
 * Regenerate goldens deliberately with UPDATE_GOLDEN=1 and check the diff by hand.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Registry } from 'prom-client';
import { collectSnapshot } from '../../agent/collect.js';
import { diagnose } from '../../agent/diagnose.js';
import { readInputs } from '../../agent/gather/index.js';
import { rootsFromCapture } from '../../agent/roots.js';
import { freezeSnapshot, type Snapshot } from '../../agent/snapshot.js';
import { Exposition, createMetricsRegistry } from '../../agent/outputs/metrics.js';
import { emptyView, type MetricsView } from '../../agent/outputs/metrics-view.js';
import { guardedGauge } from '../../agent/outputs/metrics-guard.js';
import { expectGolden } from '../helpers/golden.js';
import { ROOT } from '../helpers/cli.js';

const GOLDEN = path.join(ROOT, 'test/golden/metrics');
const TAKEN_AT = '2026-11-22T03:00:00.000Z';

/** Durations and the time of day are the only things that differ run to run; pin them. */
function pinned(s: Readonly<Snapshot>): Readonly<Snapshot> {
  const sources = Object.fromEntries(Object.entries(s.sources).map(([k, v], i) => [k, { ...v, durationMs: (i + 1) * 1.5 }]));
  return freezeSnapshot({ takenAt: TAKEN_AT, facts: structuredClone(s.facts), sources });
}

function viewOf(snapshot: Readonly<Snapshot>): MetricsView {
  const result = diagnose(snapshot.facts, { sources: snapshot.sources });
  return {
    snapshot,
    result,
    refresh: { total: 3, failures: 1, lastDurationSeconds: 0.25, intervalSeconds: 60 },
  };
}

async function render(view: MetricsView): Promise<string> {
  const reg = createMetricsRegistry(() => view, { processMetrics: false, version: '0.0.0-golden' });
  return reg.metrics();
}

const golden = (name: string, text: string): void => expectGolden(path.join(GOLDEN, name), text);

const series = (text: string, name: string): string[] => text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

describe('metrics golden', () => {
  it('Firecracker/KVM capture, collected and diagnosed like the agent does', async () => {
    const snap = await collectSnapshot(rootsFromCapture(path.join(ROOT, 'test/fixtures/captures/firecracker-kvm-6.18')), { live: false });
    const text = await render(viewOf(pinned(snap)));
    golden('firecracker-kvm-6.18.prom', text);
    // Same labels as node_exporter's node_time_clocksource_* for this capture (tsc current; tsc, kvm-clock available).
    expect(series(text, 'clockdoctor_clocksource_current_info')).toEqual(['clockdoctor_clocksource_current_info{clocksource="tsc",device="0"} 1']);
    expect(series(text, 'clockdoctor_clocksource_available_info')).toEqual([
      'clockdoctor_clocksource_available_info{clocksource="tsc",device="0"} 1',
      'clockdoctor_clocksource_available_info{clocksource="kvm-clock",device="0"} 1',
    ]);
  });

  it('VirtualBox 5.0 KVM-provider case: the model predicts −22 472 ppm and a finding fires', async () => {
    const { subjects: [first] } = await readInputs(
      [path.join(ROOT, 'test/fixtures/vbox/virtualbox-5.0-kvm-drift.log'), path.join(ROOT, 'test/fixtures/dmesg/vbox-kvm-paravirt-ubuntu-5.4-vagrant.txt')],
      { hostTscHz: 3_400_109_000 },
    );
    const snapshot = freezeSnapshot({ takenAt: TAKEN_AT, facts: first!.facts, sources: {} });
    const text = await render(viewOf(snapshot));
    golden('virtualbox-5.0-kvm-drift.prom', text);
    const ratio = Number(series(text, 'clockdoctor_predicted_drift_ratio')[0]?.split(' ')[1]);
    expect(ratio).toBeCloseTo(3_400_109_000 / 3_478_274_491 - 1, 6);
    expect(series(text, 'clockdoctor_finding').some((l) => l.includes('severity="critical"'))).toBe(true);
  });
});

describe('metric families', () => {
  it('before the first snapshot: scalars are NaN, labelled families are empty, nothing throws', async () => {
    const text = await render(emptyView(60));
    // prom-client spells NaN `Nan`; Prometheus parses floats case-insensitively (the integration test scrapes it).
    expect(series(text, 'clockdoctor_snapshot_timestamp_seconds')).toEqual(['clockdoctor_snapshot_timestamp_seconds Nan']);
    expect(series(text, 'clockdoctor_collector_success')).toEqual([]);
    expect(series(text, 'clockdoctor_build_info')).toEqual(['clockdoctor_build_info{version="0.0.0-golden"} 1']);
  });

  it('labelled gauges are reset: a finding that went away disappears at the next scrape', async () => {
    const snap = await collectSnapshot(rootsFromCapture(path.join(ROOT, 'test/fixtures/captures/firecracker-kvm-6.18')), { live: false });
    const base = viewOf(pinned(snap));
    const finding = { id: 'TEST_FINDING', severity: 'warning' as const, title: 't', evidence: [], fixes: [] };
    let view: MetricsView = { ...base, result: base.result && { ...base.result, findings: [finding] } };
    const reg = createMetricsRegistry(() => view, { processMetrics: false });
    expect(series(await reg.metrics(), 'clockdoctor_finding')).toEqual(['clockdoctor_finding{id="TEST_FINDING",severity="warning"} 1']);
    view = base;
    const after = await reg.metrics();
    expect(series(after, 'clockdoctor_finding')).toEqual([]);
    expect(series(after, 'clockdoctor_findings')).toContain('clockdoctor_findings{severity="warning"} 0');
  });

  it('a throwing projection empties only its own family and is counted', async () => {
    const reg: Registry = createMetricsRegistry(() => emptyView(60), { processMetrics: false });
    guardedGauge({ registry: reg, name: 'clockdoctor_test_broken', labelNames: ['x'], help: 'broken on purpose', project: () => { throw new Error('boom'); } });
    expect(series(await reg.metrics(), 'clockdoctor_test_broken')).toEqual([]);
    // Families render concurrently, so the error counter may show this scrape's error or only the previous one.
    const text = await reg.metrics();
    expect(series(text, 'clockdoctor_test_broken')).toEqual([]);
    const counted = series(text, 'clockdoctor_metric_collect_errors_total');
    expect(counted).toHaveLength(1);
    expect(counted[0]).toMatch(/^clockdoctor_metric_collect_errors_total\{family="clockdoctor_test_broken"\} [12]$/);
    expect(series(text, 'clockdoctor_build_info')).toHaveLength(1);
  });

  it('process metrics are there, without the event-loop histogram that wakes the process', async () => {
    const reg = createMetricsRegistry(() => emptyView(60));
    const text = await reg.metrics();
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).not.toContain('nodejs_eventloop_lag_p99_seconds');
    expect(text).not.toMatch(/^nodejs_active_handles_total/m);
  });
});

describe('Exposition (what the agent serves)', () => {
  it('renders the clockdoctor families once per view and the live ones at most once per TTL', async () => {
    const snap = await collectSnapshot(rootsFromCapture(path.join(ROOT, 'test/fixtures/captures/firecracker-kvm-6.18')), { live: false });
    let view = viewOf(pinned(snap));
    const expo = new Exposition(() => view, { version: '0.0.0-golden', liveTtlMs: 60_000 });
    let renders = 0;
    const orig = expo.registry.metrics.bind(expo.registry);
    expo.registry.metrics = () => {
      renders++;
      return orig();
    };
    const a = await expo.metrics();
    const b = await expo.metrics();
    expect(renders).toBe(1);
    expect(b).toBe(a); // the live part is cached within its TTL too
    expect(a).toContain('process_cpu_seconds_total');
    // The clockdoctor part is exactly what the golden shows.
    expect(a.startsWith(fs.readFileSync(path.join(GOLDEN, 'firecracker-kvm-6.18.prom'), 'utf8'))).toBe(true);
    view = { ...view, refresh: { ...view.refresh, total: view.refresh.total + 1 } };
    const c = await expo.metrics();
    expect(renders).toBe(2);
    expect(series(c, 'clockdoctor_refreshes_total')).toEqual(['clockdoctor_refreshes_total 4']);
  });

  it('with a zero TTL the live part is rendered at every scrape', async () => {
    const expo = new Exposition(() => emptyView(60), { liveTtlMs: 0 });
    let live = 0;
    const orig = expo.live.metrics.bind(expo.live);
    expo.live.metrics = () => {
      live++;
      return orig();
    };
    await expo.metrics();
    await new Promise((r) => setTimeout(r, 2));
    await expo.metrics();
    expect(live).toBe(2);
  });
});
