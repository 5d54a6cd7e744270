import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kernelLogSource, kmsgRecordToDmesg } from '../../agent/evidence/kernel-log/source.js';
import { SourceIO } from '../../agent/sources/io.js';
import { DEFAULT_ROOTS, rootsFromCapture, type Roots } from '../../agent/roots.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-kl-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A PATH with fake `dmesg` / `journalctl` scripts first. */
function fakeBin(name: string, scripts: Record<string, string>): NodeJS.ProcessEnv {
  const bin = path.join(tmp, name);
  fs.mkdirSync(bin);
  for (const [cmd, body] of Object.entries(scripts)) fs.writeFileSync(path.join(bin, cmd), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
}

async function read(roots: Roots, live: boolean, env?: NodeJS.ProcessEnv, record = false) {
  const io = new SourceIO(roots, { record, ...(env ? { env } : {}) });
  const r = await kernelLogSource.read(roots, { io, live, timeoutMs: 3000, signal: new AbortController().signal });
  return { r, io };
}

const noKmsg = (): Roots => {
  const d = fs.mkdtempSync(path.join(tmp, 'root-'));
  return { procfs: path.join(d, 'proc'), sysfs: path.join(d, 'sys'), rootfs: d, commands: null };
};

describe('kmsg records as dmesg lines', () => {
  it('formats the timestamp like dmesg and drops the continuation lines', () => {
    expect(kmsgRecordToDmesg('6,339,5140900,-;tsc: Refined TSC clocksource calibration: 2596.101 MHz\n SUBSYSTEM=cpu\n DEVICE=+cpu:0\n'))
      .toBe('[    5.140900] tsc: Refined TSC clocksource calibration: 2596.101 MHz');
    expect(kmsgRecordToDmesg('4,1,0,-,caller=T0;Hypervisor detected: KVM\n')).toBe('[    0.000000] Hypervisor detected: KVM');
    expect(kmsgRecordToDmesg('6,2,123456789012,c;x')).toBe('[123456.789012] x');
    expect(kmsgRecordToDmesg(' SUBSYSTEM=cpu')).toBeNull();
    expect(kmsgRecordToDmesg('6,2,abc,-;x')).toBeNull();
  });
});

describe('kernel-log source', () => {
  it('live as root reads /dev/kmsg without blocking and records it as commands/dmesg', async () => {
    const { r, io } = await read(DEFAULT_ROOTS, true, undefined, true);
    if (process.geteuid?.() !== 0) {
      expect(['ok', 'failed']).toContain(r.state);
      return;
    }
    expect(r.state).toBe('ok');
    if (r.state !== 'ok') return;
    expect(r.raw.via).toBe('kmsg');
    expect(r.raw.text).toMatch(/^\[ {4}0\.000000\] Linux version /);
    expect(io.recorded?.find((f) => f.area === 'commands' && f.rel === 'dmesg')?.content?.toString()).toBe(r.raw.text);
  });

  it('without /dev/kmsg it runs dmesg', async () => {
    const env = fakeBin('ok-dmesg', { dmesg: 'echo "[    0.000000] Hypervisor detected: KVM"' });
    const { r } = await read(noKmsg(), true, env);
    expect(r).toMatchObject({ state: 'ok', raw: { via: 'dmesg', text: '[    0.000000] Hypervisor detected: KVM\n' } });
  });

  it('when dmesg is refused it falls back to journalctl -k -b', async () => {
    const env = fakeBin('journal', {
      dmesg: 'echo "dmesg: read kernel buffer failed: Operation not permitted" >&2; exit 1',
      journalctl: 'echo "$@" > /dev/null; echo "[    0.000000] vm kernel: Hypervisor detected: KVM"',
    });
    const { r } = await read(noKmsg(), true, env);
    expect(r).toMatchObject({ state: 'ok', raw: { via: 'journalctl' } });
  });

  it('permission denied everywhere → failed, naming CAP_SYSLOG and kernel.dmesg_restrict', async () => {
    const env = fakeBin('denied', {
      dmesg: 'echo "dmesg: read kernel buffer failed: Operation not permitted" >&2; exit 1',
      journalctl: 'exit 0',
    });
    const roots = noKmsg();
    fs.mkdirSync(path.join(roots.procfs, 'sys/kernel'), { recursive: true });
    fs.writeFileSync(path.join(roots.procfs, 'sys/kernel/dmesg_restrict'), '1\n');
    const { r } = await read(roots, true, env);
    expect(r.state).toBe('failed');
    if (r.state === 'ok') return;
    expect(r.reason).toMatch(/permission denied reading the kernel log \(kernel\.dmesg_restrict=1\): it needs CAP_SYSLOG/);
    expect(r.reason).toMatch(/Operation not permitted/);
  });

  it('no command at all → failed with every attempt listed (not a crash)', async () => {
    const empty = path.join(tmp, 'emptybin');
    fs.mkdirSync(empty);
    const { r } = await read(noKmsg(), true, { PATH: empty });
    expect(r.state).toBe('failed');
    if (r.state !== 'ok') expect(r.reason).toMatch(/dmesg: command not found.*journalctl: command not found/);
  });

  it('from a capture: commands/dmesg, or absent', async () => {
    const { r } = await read(rootsFromCapture('test/fixtures/captures/firecracker-kvm-6.18'), false);
    expect(r).toMatchObject({ state: 'ok', raw: { via: 'capture' } });
    const { r: none } = await read(rootsFromCapture(tmp), false);
    expect(none.state).toBe('absent');
    const { r: notLive } = await read(noKmsg(), false);
    expect(notLive.state).toBe('absent');
  });
});
