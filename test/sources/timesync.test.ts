import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { timesyncSource } from '../../agent/evidence/timesync/source.js';
import { SourceIO } from '../../agent/sources/io.js';
import { parseTimesync } from '../../agent/evidence/timesync/parser.js';
import type { Roots } from '../../agent/roots.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-ts-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function tree(files: Record<string, string>): Roots {
  const d = fs.mkdtempSync(path.join(tmp, 't-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(d, rel)), { recursive: true });
    fs.writeFileSync(path.join(d, rel), text);
  }
  fs.mkdirSync(path.join(d, 'proc'), { recursive: true });
  return { procfs: path.join(d, 'proc'), sysfs: path.join(d, 'sys'), rootfs: d, commands: null };
}

async function read(roots: Roots, live = false, env?: NodeJS.ProcessEnv) {
  const io = new SourceIO(roots, { record: true, ...(env ? { env } : {}) });
  const r = await timesyncSource.read(roots, { io, live, timeoutMs: 3000, signal: new AbortController().signal });
  return { r, io };
}

describe('timesync source', () => {
  it('finds daemons by comm, records only them, and sees hv_utils in /sys/module', async () => {
    const roots = tree({
      'proc/1/comm': 'systemd\n', 'proc/1/cmdline': '/sbin/init\0',
      'proc/300/comm': 'VBoxService\n', 'proc/300/cmdline': '/usr/sbin/VBoxService\0--timesync-set-threshold\0' + '5000\0',
      'proc/412/comm': 'systemd-timesyn\n', 'proc/412/cmdline': '/lib/systemd/systemd-timesyncd\0',
      'proc/self': 'not a pid',
      'sys/module/hv_utils/initstate': 'live\n',
    });
    const { r, io } = await read(roots);
    expect(r.state).toBe('ok');
    if (r.state !== 'ok') return;
    const f = parseTimesync(r.raw, r.path);
    expect(f.daemons.map((d) => d.name)).toEqual(['VBoxService', 'systemd-timesyncd', 'hv_utils']);
    expect(f.daemons[0]?.vboxTimesync?.setThresholdMs).toBe(5000);
    const recorded = (io.recorded ?? []).map((x) => `${x.area}:${x.rel}`);
    expect(recorded).not.toContain('procfs:1/comm');
    expect(recorded).toContain('procfs:300/cmdline');
    expect(recorded).toContain('sysfs:module/hv_utils');
    expect(io.recorded?.find((x) => x.rel === 'timesync-processes')?.content?.toString()).toBe('300 VBoxService\n412 systemd-timesyn\n');
  });

  it('runs chronyc -c tracking only when chronyd runs; a failing chronyc is a note, not a failure', async () => {
    const bin = path.join(tmp, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'chronyc'), '#!/bin/sh\necho "506 Cannot talk to daemon" >&2; exit 1\n', { mode: 0o755 });
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
    const { r } = await read(tree({ 'proc/640/comm': 'chronyd\n', 'proc/640/cmdline': '/usr/sbin/chronyd\0' }), true, env);
    expect(r.state).toBe('ok');
    if (r.state !== 'ok') return;
    expect(r.raw.chronyTracking).toBeNull();
    expect(r.note).toMatch(/chronyd runs, but chronyc -c tracking: 506 Cannot talk to daemon/);
  });

  it('with chronyd running, chronyc -c tracking output reaches the facts and the capture', async () => {
    const bin = path.join(tmp, 'bin-ok');
    fs.mkdirSync(bin);
    const line = fs.readFileSync('test/fixtures/captures/firecracker-kvm-6.18-collected/commands/chronyc-tracking', 'utf8');
    fs.writeFileSync(path.join(bin, 'chronyc'), `#!/bin/sh\n[ "$1 $2" = "-c tracking" ] || exit 9\nprintf '%s' '${line}'\n`, { mode: 0o755 });
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
    const { r, io } = await read(tree({ 'proc/640/comm': 'chronyd\n', 'proc/640/cmdline': '/usr/sbin/chronyd\0' }), true, env);
    expect(r.state).toBe('ok');
    if (r.state !== 'ok') return;
    expect(parseTimesync(r.raw, r.path).chronyTracking).toMatchObject({ referenceId: '7F7F0101', stratum: 8, leapStatus: 'Normal' });
    expect(io.recorded?.find((x) => x.rel === 'chronyc-tracking')?.content?.toString()).toBe(line);
  });

  it('a capture without a process scan is absent (it cannot say no daemon runs)', async () => {
    const d = fs.mkdtempSync(path.join(tmp, 'cap-'));
    fs.mkdirSync(path.join(d, 'proc'));
    const roots: Roots = { procfs: path.join(d, 'proc'), sysfs: path.join(d, 'sys'), rootfs: d, commands: path.join(d, 'commands') };
    const { r } = await read(roots);
    expect(r.state).toBe('absent');
  });

  it('a procfs that hides other users\' processes (no PID 1) fails instead of claiming no daemon runs', async () => {
    const { r } = await read(tree({ 'proc/4242/comm': 'node\n', 'proc/4242/cmdline': 'node\0' }));
    expect(r.state).toBe('failed');
    if (r.state !== 'ok') expect(r.reason).toMatch(/hides other users' processes.*ProtectProc/);
  });

  it('a procfs that does not exist is absent', async () => {
    const roots: Roots = { procfs: path.join(tmp, 'nope'), sysfs: tmp, rootfs: tmp, commands: null };
    const { r } = await read(roots);
    expect(r.state).toBe('absent');
  });
});
