/**
 * The alert rules and the Grafana dashboard, as operators receive them.
 *
 * Rules: `promtool check rules` and `promtool test rules` (the real promtool); every alert tested
 * firing and not firing; summary, description and a runbook_url whose section exists in
 * docs/alerts.md; no hard-coded job and every join/aggregation by (job, instance); no abs() that
 * would hide the sign the text speaks of.
 *
 * Dashboard: valid against Grafana's dashboard JSON model (the JSON schemas of grafana-foundation-sdk
 * in test/fixtures/grafana/, SOURCE.md) — the dashboard, each panel plugin's options and field
 * config, each Prometheus query; job, instance and datasource variables used by every query; every
 * unit a Grafana unit id and the right one for what the query returns (ppm, s, Hz).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, runPromtool } from '../daemon/processes.js';
import { validate, type Schema } from '../helpers/json-schema.js';
import { createMetricsRegistry } from '../../agent/outputs/metrics.js';
import { emptyView } from '../../agent/outputs/metrics-view.js';

const RULES = path.join(ROOT, 'prometheus/clockdoctor.rules.yml');
const RULE_TESTS = path.join(ROOT, 'prometheus/clockdoctor.rules.test.yml');
const DASHBOARD = path.join(ROOT, 'prometheus/grafana-dashboard.json');
const RUNBOOKS = path.join(ROOT, 'docs/alerts.md');
const GRAFANA = path.join(ROOT, 'test/fixtures/grafana');
const REPO = 'https://github.com/clockdoctor/clockdoctor';

interface Rule { alert: string; expr: string; for?: string; labels: Record<string, string>; annotations: Record<string, string> }
interface RuleTest { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }

const rules = (parse(fs.readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const ruleTests = (parse(fs.readFileSync(RULE_TESTS, 'utf8')) as { tests: RuleTest[] }).tests;

describe('alert rules', () => {
  it('promtool check rules', async () => {
    const r = await runPromtool(['check', 'rules', RULES]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toMatch(new RegExp(`SUCCESS: ${rules.length} rules found`));
    expect(rules.length).toBe(8);
  });

  it('promtool test rules', async () => {
    const r = await runPromtool(['test', 'rules', RULE_TESTS]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toContain('SUCCESS');
  });

  it('every alert is tested firing and not firing', () => {
    const cases = ruleTests.flatMap((t) => t.alert_rule_test ?? []);
    for (const { alert } of rules) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect(mine.some((c) => c.exp_alerts.length > 0), `${alert} firing`).toBe(true);
      expect(mine.some((c) => c.exp_alerts.length === 0), `${alert} not firing`).toBe(true);
    }
  });

  it('every alert has a summary, a description and a runbook_url whose section in docs/alerts.md says what, how to confirm, how to fix', () => {
    const doc = fs.readFileSync(RUNBOOKS, 'utf8');
    const sections = new Map(doc.split(/^## /m).slice(1).map((s) => [s.slice(0, s.indexOf('\n')).trim(), s]));
    for (const r of rules) {
      expect(Object.keys(r.annotations).sort(), r.alert).toEqual(['description', 'runbook_url', 'summary']);
      // GitHub's anchor for "## ClockdoctorX" is the lower-cased heading.
      expect(r.annotations.runbook_url).toBe(`${REPO}/blob/main/docs/alerts.md#${r.alert.toLowerCase()}`);
      const section = sections.get(r.alert);
      expect(section, `docs/alerts.md has no "## ${r.alert}"`).toBeDefined();
      for (const part of ['**What it means.**', '**How to confirm.**', '**How to fix.**']) expect(section, `${r.alert}: ${part}`).toContain(part);
      expect(['critical', 'warning', 'info']).toContain(r.labels.severity);
    }
    expect([...sections.keys()].sort()).toEqual(rules.map((r) => r.alert).sort());
  });

  it('no rule names a job, every join and aggregation keeps (job, instance), and no abs() hides a sign', () => {
    for (const r of rules) {
      expect(r.expr, r.alert).not.toMatch(/\bjob\s*=~?/);
      expect(r.expr, r.alert).not.toMatch(/\babs\s*\(/);
      for (const m of r.expr.matchAll(/\b(on|by|ignoring|without)\s*\(([^)]*)\)/g)) {
        expect(m[1], `${r.alert}: ${m[0]}`).toMatch(/^(on|by)$/);
        const labels = m[2]!.split(',').map((l) => l.trim());
        expect(labels, `${r.alert}: ${m[0]}`).toEqual(expect.arrayContaining(['job', 'instance']));
      }
    }
  });
});

interface Target { expr: string; refId: string; datasource: { uid: string } }
interface Panel { id: number; title: string; type: string; datasource: { uid: string }; targets: Target[]; options: unknown; fieldConfig: { defaults: { unit?: string; custom?: unknown } } }
interface Dashboard { panels: Panel[]; templating: { list: { name: string; type: string; query: unknown; datasource?: { uid: string } }[] } }

const schema = (name: string): Schema => JSON.parse(fs.readFileSync(path.join(GRAFANA, `${name}.jsonschema.json`), 'utf8')) as Schema;
/** A definition of a plugin schema, validated with its own file as the root of its $refs. */
const check = (value: unknown, file: string, definition: string, at: string): string[] => {
  const root = schema(file);
  return validate(value, { $ref: `#/definitions/${definition}` }, root, at);
};

describe('Grafana dashboard', () => {
  const dash = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as Dashboard;
  const targets = dash.panels.flatMap((p) => p.targets.map((t) => ({ panel: p, ...t })));

  it('is valid against Grafana\'s dashboard JSON model', () => {
    expect(validate(dash, schema('dashboard'))).toEqual([]);
  });

  it('the validator rejects what Grafana would (an unknown key, a wrong type, a missing required field)', () => {
    const broken = structuredClone(dash) as unknown as Record<string, unknown>;
    broken.colour = 'blue';
    (broken.panels as Record<string, unknown>[])[0]!.gridPos = { x: 0, y: 0, w: 30, h: 8 };
    delete (broken.templating as { list: Record<string, unknown>[] }).list[1]!.type;
    const errors = validate(broken, schema('dashboard'));
    expect(errors.join('\n')).toContain('$.colour: unknown property');
    expect(errors.join('\n')).toContain('$.panels[0]');
    expect(errors.join('\n')).toContain('missing required "type"');
  });

  it('each panel\'s options and field config are valid for its plugin; each query for the Prometheus data source', () => {
    const plugins: Record<string, { options: string; custom: string | null }> = {
      timeseries: { options: 'Options', custom: 'GraphFieldConfig' },
      stat: { options: 'Options', custom: null },
      table: { options: 'Options', custom: 'TableFieldOptions' },
    };
    for (const p of dash.panels) {
      const plugin = plugins[p.type];
      expect(plugin, `panel ${p.title}: type ${p.type}`).toBeDefined();
      expect(check(p.options, p.type, plugin!.options, `${p.title}.options`)).toEqual([]);
      if (plugin!.custom) expect(check(p.fieldConfig.defaults.custom ?? {}, p.type, plugin!.custom, `${p.title}.custom`)).toEqual([]);
      else expect(p.fieldConfig.defaults.custom, p.title).toBeUndefined();
      for (const t of p.targets) expect(check(t, 'prometheus', 'Dataquery', `${p.title}.${t.refId}`)).toEqual([]);
    }
  });

  it('has datasource, job and instance variables, and every query uses all three', () => {
    const vars = new Map(dash.templating.list.map((v) => [v.name, v]));
    expect(vars.get('datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(vars.get('job')).toMatchObject({ type: 'query', query: 'label_values(clockdoctor_build_info, job)', datasource: { uid: '${datasource}' } });
    expect(vars.get('instance')).toMatchObject({ type: 'query', query: 'label_values(clockdoctor_build_info{job=~"$job"}, instance)', datasource: { uid: '${datasource}' } });
    for (const t of targets) {
      expect(t.panel.datasource.uid, t.panel.title).toBe('${datasource}');
      expect(t.datasource.uid, t.panel.title).toBe('${datasource}');
      const selectors = [...t.expr.matchAll(/\bclockdoctor_[a-z_]+(\{[^}]*\})?/g)];
      expect(selectors.length, t.expr).toBeGreaterThan(0);
      for (const s of selectors) expect(s[1] ?? '', `${t.panel.title}: ${s[0]}`).toMatch(/^\{job=~"\$job",instance=~"\$instance"[,}]/);
    }
  });

  it('every unit is a Grafana unit id, and the one the query returns (ratio × 1e6 = ppm, seconds = s, Hz = hertz)', () => {
    const units = new Set([...fs.readFileSync(path.join(GRAFANA, 'units.cue'), 'utf8').matchAll(/^\w+: "([^"]+)"/gm)].map((m) => m[1]));
    expect(units.has('ppm') && units.has('s') && units.has('hertz')).toBe(true);
    const expected = (expr: string): string | null => {
      if (/_ratio\{[^}]*\} \* 1e6$/.test(expr)) return 'ppm';
      if (/_ratio\{[^}]*\} \* 86400$/.test(expr)) return 's';
      if (/_ratio\{[^}]*\}$/.test(expr)) return 'percentunit';
      if (/_seconds\{[^}]*\}$/.test(expr)) return 's';
      if (/_hertz\{[^}]*\}$/.test(expr)) return 'hertz';
      return null;
    };
    for (const p of dash.panels) {
      const unit = p.fieldConfig.defaults.unit;
      expect(unit, p.title).toBeDefined();
      expect(units.has(unit!), `${p.title}: unit ${unit}`).toBe(true);
      for (const t of p.targets) {
        const want = expected(t.expr);
        if (want !== null) expect(unit, `${p.title}: ${t.expr}`).toBe(want);
      }
    }
    // The panels the issue names must each have been checked against a known unit.
    expect(targets.filter((t) => expected(t.expr) !== null).length).toBeGreaterThanOrEqual(8);
  });

  it('queries only metrics the agent exports (or the measure metrics)', async () => {
    const ours = (await createMetricsRegistry(() => emptyView(60), { processMetrics: false }).getMetricsAsJSON()).map((m) => m.name);
    const measure = ['clockdoctor_measured_drift_ratio'];
    for (const t of targets) {
      for (const name of t.expr.match(/\bclockdoctor_[a-z_]+/g) ?? []) expect([...ours, ...measure], `${name} in ${t.expr}`).toContain(name);
    }
    expect(targets.length).toBeGreaterThan(8);
  });

  it('every query and variable is valid PromQL', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-dash-'));
    try {
      const file = path.join(dir, 'dash.rules.yml');
      const exprs = [...targets.map((t) => t.expr), 'clockdoctor_build_info{job=~".*"}'];
      const rulesText = exprs.map((e, i) => `      - record: dashboard:q${i}\n        expr: ${JSON.stringify(e.replaceAll('$job', '.*').replaceAll('$instance', '.*'))}`).join('\n');
      fs.writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rulesText}\n`);
      const r = await runPromtool(['check', 'rules', file]);
      expect(r.exitCode, r.all).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
