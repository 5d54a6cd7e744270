/**
 * The rules file passes `promtool check rules` and its unit tests (`promtool test rules`); the Grafana
 * dashboard is valid JSON whose every query names only metrics the agent exports (each checked with
 * `promtool` as a PromQL expression through the rule checker) .
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runPromtool } from '../daemon/processes.js';
import { createMetricsRegistry } from '../../agent/outputs/metrics.js';
import { emptyView } from '../../agent/outputs/metrics-view.js';

const RULES = path.join(ROOT, 'prometheus/clockdoctor.rules.yml');
const RULE_TESTS = path.join(ROOT, 'prometheus/clockdoctor.rules.test.yml');
const DASHBOARD = path.join(ROOT, 'prometheus/grafana-dashboard.json');

interface Dashboard { panels: { title: string; targets: { expr: string }[] }[] }

describe('alert rules', () => {
  it('promtool check rules', async () => {
    const r = await runPromtool(['check', 'rules', RULES]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toMatch(/SUCCESS: 8 rules found/);
  });

  it('promtool test rules', async () => {
    const r = await runPromtool(['test', 'rules', RULE_TESTS]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toContain('SUCCESS');
  });

  it('every alert has a runbook-style description that names a command', () => {
    const text = fs.readFileSync(RULES, 'utf8');
    const alerts = [...text.matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
    const descriptions = text.split('- alert: ').slice(1);
    expect(descriptions).toHaveLength(alerts.length);
    for (const d of descriptions) expect(d, d.slice(0, 60)).toMatch(/Runbook:[\s\S]*`[^`]+`/);
  });
});

describe('Grafana dashboard', () => {
  const dash = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as Dashboard;
  const exprs = dash.panels.flatMap((p) => p.targets.map((t) => t.expr));

  it('queries only metrics the agent exports (or the measure metrics)', async () => {
    const ours = (await createMetricsRegistry(() => emptyView(60), { processMetrics: false }).getMetricsAsJSON()).map((m) => m.name);
    const measure = ['clockdoctor_measured_drift_ratio'];
    for (const e of exprs) {
      for (const name of e.match(/\bclockdoctor_[a-z_]+/g) ?? []) expect([...ours, ...measure], `${name} in ${e}`).toContain(name);
    }
    expect(exprs.length).toBeGreaterThan(8);
  });

  it('every query is valid PromQL', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-dash-'));
    try {
      const file = path.join(dir, 'dash.rules.yml');
      const rules = exprs.map((e, i) => `      - record: dashboard:q${i}\n        expr: ${JSON.stringify(e.replaceAll('$instance', '.*'))}`).join('\n');
      fs.writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules}\n`);
      const r = await runPromtool(['check', 'rules', file]);
      expect(r.exitCode, r.all).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
