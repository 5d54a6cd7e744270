/**
 * Real components, really started: the built agent on a loopback port and Debian's Prometheus
 * scraping it (with our alert rules loaded). Asserted through Prometheus' HTTP API: the series arrive,
 * the target is up, the rules load. `promtool check metrics` on a scrape prints nothing. A collector
 * that fails (an unreadable file) or hangs (a dmesg that never returns) never fails a scrape.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROOTS, sysPath } from '../../agent/roots.js';
import { ROOT, freePort, get, runPromtool, seriesOf, start, startAgent, waitFor, type Started, type StartedAgent } from '../daemon/processes.js';

interface PromVector {
  status: string;
  data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

let tmp: string;
let agent: StartedAgent;
let prom: Started;
let promUrl: string;

async function query(q: string): Promise<PromVector['data']['result']> {
  const r = await get(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = JSON.parse(r.text) as PromVector;
  if (body.status !== 'success') throw new Error(r.text);
  return body.data.result;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-prom-'));
  agent = await startAgent(['--refresh', '2s']);
  const promPort = await freePort();
  promUrl = `http://127.0.0.1:${promPort}`;
  const config = path.join(tmp, 'prometheus.yml');
  fs.writeFileSync(config, [
    'global: {scrape_interval: 1s, evaluation_interval: 1s}',
    `rule_files: ['${path.join(ROOT, 'prometheus/clockdoctor.rules.yml')}']`,
    'scrape_configs:',
    '  - job_name: clockdoctor',
    `    static_configs: [{targets: ['127.0.0.1:${agent.port}']}]`,
    '',
  ].join('\n'));
  prom = start('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${path.join(tmp, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`]);
  await waitFor('Prometheus to be ready', async () => ((await get(`${promUrl}/-/ready`)).status === 200 ? true : null), 60_000, 500);
});

afterAll(async () => {
  await prom?.stop();
  await agent?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('agent scraped by a real Prometheus', () => {
  it('series arrive and the target is up', async () => {
    const build = await waitFor('clockdoctor_build_info in Prometheus', async () => {
      const r = await query('clockdoctor_build_info');
      return r.length > 0 ? r : null;
    }, 60_000, 500);
    expect(build[0]?.metric.job).toBe('clockdoctor');
    const up = await query('up{job="clockdoctor"}');
    expect(up[0]?.value[1]).toBe('1');
    const ok = await query('clockdoctor_collector_success{collector="clocksource"}');
    expect(ok[0]?.value[1]).toBe('1');
    // The snapshot age is a number, and an unknown prediction (this guest has none) is an absent series,
    // not a NaN sample that every comparison reads as false (docs/metrics.md).
    const ts = await query('clockdoctor_snapshot_timestamp_seconds');
    expect(Number(ts[0]?.value[1])).toBeGreaterThan(1.7e9);
    const drift = await query('clockdoctor_predicted_drift_ratio');
    expect(drift).toEqual([]);
    const absent = await query('absent(clockdoctor_predicted_drift_ratio)');
    expect(absent[0]?.value[1]).toBe('1');
  });

  it('the clocksource series are this machine\'s', async () => {
    const current = fs.readFileSync(sysPath(DEFAULT_ROOTS, 'devices/system/clocksource/clocksource0/current_clocksource'), 'utf8').trim();
    const r = await waitFor('clocksource series', async () => {
      const v = await query('clockdoctor_clocksource_current_info');
      return v.length > 0 ? v : null;
    });
    expect(r.map((x) => `${x.metric.clocksource}/${x.metric.device}`)).toEqual([`${current}/0`]);
  });

  it('the alert rules load and evaluate healthy', async () => {
    const r = await waitFor('rules to be evaluated', async () => {
      const body = JSON.parse((await get(`${promUrl}/api/v1/rules`)).text) as { data: { groups: { rules: { name: string; health: string }[] }[] } };
      const rules = body.data.groups.flatMap((g) => g.rules);
      return rules.length > 0 && rules.every((x) => x.health === 'ok') ? rules : null;
    }, 30_000, 500);
    expect(r.map((x) => x.name)).toContain('ClockdoctorSnapshotStale');
  });

  it('promtool check metrics finds nothing to complain about in a scrape', async () => {
    const scrape = await get(`${agent.url}/metrics`);
    expect(scrape.status).toBe(200);
    const r = await runPromtool(['check', 'metrics'], scrape.text);
    expect(r.all).toBe('');
    expect(r.exitCode).toBe(0);
  });
});

describe('a failing or hanging collector never fails a scrape', () => {
  let broken: StartedAgent;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-broken-'));
    const capture = path.join(ROOT, 'test/fixtures/captures/firecracker-kvm-6.18');
    fs.cpSync(path.join(capture, 'proc'), path.join(dir, 'proc'), { recursive: true });
    fs.cpSync(path.join(capture, 'sys'), path.join(dir, 'sys'), { recursive: true });
    // cpuinfo unreadable as a file; a dmesg that never answers; no /dev/kmsg under this root.
    fs.rmSync(path.join(dir, 'proc/cpuinfo'));
    fs.mkdirSync(path.join(dir, 'proc/cpuinfo'));
    fs.mkdirSync(path.join(dir, 'root'));
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.writeFileSync(path.join(dir, 'bin/dmesg'), '#!/bin/sh\nexec sleep 600\n', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'bin/journalctl'), '#!/bin/sh\nexec sleep 600\n', { mode: 0o755 });
    broken = await startAgent(
      ['--refresh', '1h', '--collector.timeout', '12s', `--path.procfs=${path.join(dir, 'proc')}`, `--path.sysfs=${path.join(dir, 'sys')}`, `--path.rootfs=${path.join(dir, 'root')}`],
      { PATH: `${path.join(dir, 'bin')}:${process.env.PATH ?? ''}` },
    );
  });
  afterAll(async () => {
    await broken?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('scrapes answer at once, even while the hung command is running', async () => {
    const early = await get(`${broken.url}/metrics`);
    expect(early.status).toBe(200);
    // Not ready yet after that scrape: the first snapshot (waiting out the 12 s collector timeout on the
    // hung dmesg) was still being taken, so the scrape was served during the hang — no stopwatch needed.
    expect((await get(`${broken.url}/-/ready`)).status).toBe(503);
  });

  it('success is 0 for the failed collectors, 1 for the rest, and the agent is ready', async () => {
    const text = await waitFor('the first snapshot', async () => {
      const r = await get(`${broken.url}/metrics`);
      return seriesOf(r.text, 'clockdoctor_collector_success').length > 0 ? r.text : null;
    }, 90_000);
    const success = Object.fromEntries(seriesOf(text, 'clockdoctor_collector_success').map((l) => [/collector="([^"]+)"/.exec(l)?.[1], l.split(' ')[1]]));
    expect(success['cpuinfo']).toBe('0');
    expect(success['kernel-log']).toBe('0');
    expect(success['clocksource']).toBe('1');
    expect(success['timer-list']).toBe('1');
    expect(seriesOf(text, 'clockdoctor_collector_absent').find((l) => l.includes('"kernel-log"'))).toMatch(/ 0$/);
    expect(seriesOf(text, 'clockdoctor_clocksource_current_info')).toEqual(['clockdoctor_clocksource_current_info{clocksource="tsc",device="0"} 1']);
    expect((await get(`${broken.url}/-/ready`)).status).toBe(200);
    expect(broken.output()).toMatch(/msg="collector failed" collector=kernel-log err="[^"]*timed out/);
  }, 120_000);
});
