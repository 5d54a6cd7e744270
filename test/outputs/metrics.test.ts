/**
 * The metric families: golden exposition text for real inputs (the Firecracker capture through the
 * real collect → diagnose pipeline; the documented VirtualBox 5.0 KVM case through analyze's reader),
 * label resets between refreshes, and a throwing projection that must not fail the scrape.
 * Regenerate goldens deliberately with UPDATE_GOLDEN=1 and check the diff by hand.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { execa } from 'execa';
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
const GOLDEN_BUILD = { revision: 'abc123', branch: 'main', nodeversion: 'v20.0.0' };

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
    refresh: { total: 3, failures: 1, lastDurationSeconds: 0.25, cpuSecondsTotal: 0.0375, intervalSeconds: 60 },
  };
}

async function render(view: MetricsView): Promise<string> {
  const reg = createMetricsRegistry(() => view, { processMetrics: false, version: '0.0.0-golden', build: GOLDEN_BUILD });
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
  it('before the first snapshot: unknown scalars are absent (never NaN), labelled families are empty, nothing throws', async () => {
    const text = await render(emptyView(60));
    expect(text).not.toMatch(/\b(NaN|Nan|[+-]Inf)$/m);
    // The family is still described, so it can be found; it has no sample until it is known.
    expect(text).toContain('# TYPE clockdoctor_snapshot_timestamp_seconds gauge');
    expect(series(text, 'clockdoctor_snapshot_timestamp_seconds')).toEqual([]);
    expect(series(text, 'clockdoctor_predicted_drift_ratio')).toEqual([]);
    expect(series(text, 'clockdoctor_refresh_interval_seconds')).toEqual(['clockdoctor_refresh_interval_seconds 60']);
    expect(series(text, 'clockdoctor_collector_success')).toEqual([]);
    expect(series(text, 'clockdoctor_build_info')).toEqual(['clockdoctor_build_info{version="0.0.0-golden",revision="abc123",branch="main",nodeversion="v20.0.0"} 1']);
  });

  it('a projection that yields NaN or ±Inf exports no sample for it', async () => {
    const reg = createMetricsRegistry(() => emptyView(60), { processMetrics: false });
    guardedGauge({
      registry: reg, name: 'clockdoctor_test_nonfinite', labelNames: ['k'], help: 'non-finite on purpose',
      project: (g) => {
        g.set({ k: 'nan' }, Number.NaN);
        g.set({ k: 'inf' }, Number.POSITIVE_INFINITY);
        g.set({ k: 'null' }, null);
        g.set({ k: 'ok' }, 2);
      },
    });
    expect(series(await reg.metrics(), 'clockdoctor_test_nonfinite')).toEqual(['clockdoctor_test_nonfinite{k="ok"} 2']);
  });

  it('build_info carries revision and branch from dist/build-info.json, and the Node.js version', async () => {
    const text = await createMetricsRegistry(() => emptyView(60), { processMetrics: false }).metrics();
    const line = series(text, 'clockdoctor_build_info')[0] ?? '';
    expect(line).toMatch(/^clockdoctor_build_info\{version="[^"]+",revision="([0-9a-f]{40}|unknown)",branch="[^"]+",nodeversion="v\d+\.\d+\.\d+"\} 1$/);
    expect(line).toContain(`nodeversion="${process.version}"`);
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
  async function firecrackerView(): Promise<MetricsView> {
    const snap = await collectSnapshot(rootsFromCapture(path.join(ROOT, 'test/fixtures/captures/firecracker-kvm-6.18')), { live: false });
    return viewOf(pinned(snap));
  }

  it('builds one body per snapshot and variant, and hands every scrape that same Buffer', async () => {
    let view = await firecrackerView();
    const expo = new Exposition(() => view, { version: '0.0.0-golden', build: GOLDEN_BUILD, liveTtlMs: 60_000 });
    const bodies = await Promise.all(Array.from({ length: 50 }, () => expo.body('prometheus', false)));
    expect(expo.bodiesBuilt).toBe(1);
    for (const b of bodies) expect(b.body).toBe(bodies[0]!.body);
    const text = bodies[0]!.body.toString('utf8');
    expect(text).toContain('process_cpu_seconds_total');
    // The clockdoctor part is exactly what the golden shows.
    expect(text.startsWith(fs.readFileSync(path.join(GOLDEN, 'firecracker-kvm-6.18.prom'), 'utf8'))).toBe(true);
    expect(await expo.metrics()).toBe(text);
    expect(expo.bodiesBuilt).toBe(1);
    // A new snapshot: one new body.
    view = { ...view, refresh: { ...view.refresh, total: view.refresh.total + 1 } };
    const next = await expo.body('prometheus', false);
    expect(expo.bodiesBuilt).toBe(2);
    expect(series(next.body.toString('utf8'), 'clockdoctor_refreshes_total')).toEqual(['clockdoctor_refreshes_total 4']);
  });

  it('gzip: one compression per snapshot, and it decompresses to the identity body', async () => {
    const view = await firecrackerView();
    const expo = new Exposition(() => view, { liveTtlMs: 60_000 });
    const [a, b] = await Promise.all([expo.body('prometheus', true), expo.body('prometheus', true)]);
    expect(a.encoding).toBe('gzip');
    expect(b.body).toBe(a.body);
    expect(expo.bodiesBuilt).toBe(2); // the identity body, and its gzip
    expect(zlib.gunzipSync(a.body).equals((await expo.body('prometheus', false)).body)).toBe(true);
  });

  it('OpenMetrics: counters named without _total in TYPE, with it in samples, # EOF last, same values', async () => {
    const view = await firecrackerView();
    const expo = new Exposition(() => view, { liveTtlMs: 60_000 });
    const om = (await expo.body('openmetrics', false));
    expect(om.contentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    const text = om.body.toString('utf8');
    expect(text).toContain('# TYPE clockdoctor_refreshes counter\n');
    expect(series(text, 'clockdoctor_refreshes_total')).toEqual(['clockdoctor_refreshes_total 3']);
    expect(text.endsWith('\n# EOF\n')).toBe(true);
    expect(text.match(/# EOF/g)).toHaveLength(1);
    expect(text).not.toMatch(/\n\n/);
    // The text format stays as it was: rendering OpenMetrics did not rename the registry's counters.
    expect(series(await expo.metrics(), 'clockdoctor_refreshes_total')).toEqual(['clockdoctor_refreshes_total 3']);
  });

  it('the live part is collected at most once per TTL (and every time with a zero TTL)', async () => {
    const expo = new Exposition(() => emptyView(60), { liveTtlMs: 0 });
    let live = 0;
    const orig = expo.live.getMetricsAsJSON.bind(expo.live);
    expo.live.getMetricsAsJSON = () => {
      live++;
      return orig();
    };
    await expo.metrics();
    await new Promise((r) => setTimeout(r, 2));
    await expo.metrics();
    expect(live).toBe(2);
  });

  it('promtool check metrics finds nothing to say about either body (text and its gzip, decompressed)', async () => {
    const view = await firecrackerView();
    const expo = new Exposition(() => view);
    for (const body of [(await expo.body('prometheus', false)).body, zlib.gunzipSync((await expo.body('prometheus', true)).body)]) {
      const r = await execa('promtool', ['check', 'metrics'], { input: body, reject: false, all: true });
      expect(r.all, r.all).toBe('');
      expect(r.exitCode).toBe(0);
    }
  });
});
