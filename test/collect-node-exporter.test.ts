/**
 * Our clocksource facts must say what node_exporter's `time` collector says (same `device` label:
 * the directory index), so dashboards can join clockdoctor_clocksource_* with node_time_clocksource_*.
 * Runs Debian's prometheus-node-exporter on loopback against this machine's sysfs and the captures.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { collectSnapshot } from '../agent/collect.js';
import { DEFAULT_ROOTS, rootsFromCapture, type Roots } from '../agent/roots.js';

const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
let child: ChildProcess | null = null;
afterEach(() => {
  if (child?.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
  child = null;
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr !== null ? addr.port : 0));
    });
  });
}

/** `node_time_clocksource_*_info` series as sorted `kind device clocksource` strings. */
async function nodeExporterSeries(sysfs: string): Promise<string[]> {
  const port = await freePort();
  child = spawn(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${port}`, '--collector.disable-defaults', '--collector.time', `--path.sysfs=${sysfs}`], { stdio: 'ignore' });
  let body = '';
  for (let i = 0; i < 100 && body === ''; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    } catch {
      // not listening yet
    }
  }
  const out: string[] = [];
  for (const m of body.matchAll(/^node_time_clocksource_(current|available)_info\{clocksource="([^"]+)",device="([^"]+)"\} 1$/gm)) {
    out.push(`${m[1]} ${m[3]} ${m[2]}`);
  }
  return out.sort();
}

async function ourSeries(roots: Roots, live: boolean): Promise<string[]> {
  const s = await collectSnapshot(roots, { live, collectors: new Set(['clocksource']) });
  const out: string[] = [];
  for (const d of s.facts.clocksource?.devices ?? []) {
    if (d.current !== null) out.push(`current ${d.device} ${d.current}`);
    for (const a of d.available) out.push(`available ${d.device} ${a}`);
  }
  return out.sort();
}

describe('clocksource facts equal node_exporter time collector', () => {
  it.each([
    ['this machine', DEFAULT_ROOTS.sysfs, DEFAULT_ROOTS, true],
    ['the corpus capture', 'test/fixtures/captures/firecracker-kvm-6.18/sys', rootsFromCapture('test/fixtures/captures/firecracker-kvm-6.18'), false],
  ] as const)('%s', async (_name, sysfs, roots, live) => {
    expect(fs.existsSync(NODE_EXPORTER), 'Debian prometheus-node-exporter is installed in CI').toBe(true);
    const theirs = await nodeExporterSeries(sysfs);
    expect(theirs.length).toBeGreaterThan(1);
    expect(await ourSeries(roots, live)).toEqual(theirs);
  });
});
