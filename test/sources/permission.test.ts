/**
 * Permission denied on one file fails that collector only. Root reads through chmod 000, so when the
 * tests run as root the collection runs in a child process as nobody (through the built dist/).
 */
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { collectSnapshot } from '../../agent/collect.js';
import { rootsFromCapture } from '../../agent/roots.js';
import type { SourceStatus } from '../../agent/snapshot.js';

const CORPUS = 'test/fixtures/captures/firecracker-kvm-6.18';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-perm-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function sourcesAsUnprivileged(dir: string): Promise<Record<string, SourceStatus>> {
  if (process.geteuid?.() !== 0) return (await collectSnapshot(rootsFromCapture(dir), { live: false })).sources;
  const dist = path.resolve('dist/agent');
  expect(fs.existsSync(path.join(dist, 'collect.js')), 'build first: npx tsc -p tsconfig.build.json').toBe(true);
  const script = `
    const { collectSnapshot } = await import(${JSON.stringify(path.join(dist, 'collect.js'))});
    const { rootsFromCapture } = await import(${JSON.stringify(path.join(dist, 'roots.js'))});
    const s = await collectSnapshot(rootsFromCapture(${JSON.stringify(dir)}), { live: false });
    process.stdout.write(JSON.stringify(s.sources));`;
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, SourceStatus>;
}

describe('permission denied', () => {
  it('a chmod 000 copy of cpuinfo and timer_list fails those collectors, with the reason; the rest is read', async () => {
    const dir = path.join(tmp, 'cap');
    fs.cpSync(CORPUS, dir, { recursive: true });
    fs.chmodSync(tmp, 0o755);
    for (const d of [dir, ...fs.readdirSync(dir, { recursive: true }).map((n) => path.join(dir, String(n)))]) {
      fs.chmodSync(d, fs.statSync(d).isDirectory() ? 0o755 : 0o644);
    }
    fs.chmodSync(path.join(dir, 'proc/cpuinfo'), 0o000);
    fs.chmodSync(path.join(dir, 'proc/timer_list'), 0o000);
    const s = await sourcesAsUnprivileged(dir);
    expect(s.cpuinfo?.state).toBe('failed');
    expect(s.cpuinfo?.error).toMatch(/cpuinfo: permission denied: hidden by ProcSubset=pid/);
    expect(s['timer-list']?.state).toBe('failed');
    expect(s['timer-list']?.error).toMatch(/permission denied: it is readable by root only \(mode 0400\)/);
    for (const name of ['clocksource', 'clockevents', 'kernel-log', 'cmdline']) expect(s[name]?.state, name).toBe('ok');
  });
});
