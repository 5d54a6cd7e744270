/**
 * The agent's node_exporter-style flags through the built CLI: several --web.listen-address (the same
 * metrics on each), --web.systemd-socket (with systemd-socket-activate, and with an inherited fd),
 * --log.level/--log.format (JSON lines that parse, logfmt by default), and every bad value a usage
 * error (64) with one line.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, freePort, get, seriesOf, start, waitFor } from './processes.js';

const CAPTURE = path.join(ROOT, 'test/fixtures/captures/firecracker-kvm-6.18');
const agentArgs = ['agent', '--from', CAPTURE, '--refresh', '1h'];

/** The clockdoctor_* lines of a scrape (process metrics move between two scrapes). */
const ours = (text: string): string => text.split('\n').filter((l) => l.startsWith('clockdoctor_')).join('\n');

describe('agent flags', () => {
  it('two --web.listen-address: listens on both, the same metrics on each; --log.format=json lines parse', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const a = start(process.execPath, [CLI, ...agentArgs, `--web.listen-address=127.0.0.1:${p1}`, '--web.listen-address', `127.0.0.1:${p2}`, '--log.level=debug', '--log.format=json']);
    try {
      await waitFor('both listeners', () => (a.output().includes(`127.0.0.1:${p2}`) && a.output().includes(`127.0.0.1:${p1}`) ? true : null), 30_000);
      await waitFor('the first refresh', async () => (seriesOf((await get(`http://127.0.0.1:${p1}/metrics`)).text, 'clockdoctor_refreshes_total')[0]?.endsWith(' 1') ? true : null));
      const [t1, t2] = await Promise.all([get(`http://127.0.0.1:${p1}/metrics`), get(`http://127.0.0.1:${p2}/metrics`)]);
      expect(ours(t1.text)).toBe(ours(t2.text));
      expect(ours(t1.text)).toContain('clockdoctor_build_info{');
      const lines = a.output().trim().split('\n');
      const parsed = lines.map((l) => JSON.parse(l) as { ts: string; level: string; msg: string; address?: string });
      expect(parsed.every((p) => /^\d{4}-\d\d-\d\dT/.test(p.ts))).toBe(true);
      expect(parsed.filter((p) => p.msg.startsWith('listening on')).map((p) => p.address).sort()).toEqual([`127.0.0.1:${p1}`, `127.0.0.1:${p2}`].sort());
      expect(parsed.some((p) => p.level === 'debug' && p.msg === 'refreshed')).toBe(true);
    } finally {
      expect(await a.stop()).toBe(0);
    }
  });

  it('logfmt by default: ts=, level=, msg= and fields; --log.level=warn keeps the info lines out', async () => {
    const port = await freePort();
    const a = start(process.execPath, [CLI, ...agentArgs, `--web.listen-address=127.0.0.1:${port}`]);
    try {
      await waitFor('the agent', () => (a.output().includes('listening on') ? true : null), 30_000);
      expect(a.output()).toMatch(new RegExp(`^ts=\\S+Z level=info msg="listening on 127\\.0\\.0\\.1:${port}" address=127\\.0\\.0\\.1:${port} tls=false$`, 'm'));
      expect(a.output()).toMatch(/^ts=\S+ level=info msg="starting clockdoctor" version=\S+ revision=\S+ branch=\S+ nodeversion=v\d/m);
    } finally {
      await a.stop();
    }
    const port2 = await freePort();
    const quiet = start(process.execPath, [CLI, ...agentArgs, `--web.listen-address=127.0.0.1:${port2}`, '--log.level=warn']);
    try {
      await waitFor('the agent', async () => ((await get(`http://127.0.0.1:${port2}/-/healthy`).catch(() => null))?.status === 200 ? true : null), 30_000);
    } finally {
      await quiet.stop();
    }
    expect(quiet.output()).toBe('');
  });

  it('--web.systemd-socket under systemd-socket-activate: serves on the passed socket', async () => {
    const port = await freePort();
    const a = start('systemd-socket-activate', ['-l', `127.0.0.1:${port}`, process.execPath, CLI, ...agentArgs, '--web.systemd-socket']);
    try {
      // The socket is systemd-socket-activate's until the first connection starts the agent.
      const h = await waitFor('the activated agent', async () => {
        const r = await get(`http://127.0.0.1:${port}/-/healthy`).catch(() => null);
        return r?.status === 200 ? r : null;
      }, 30_000, 300);
      expect(h.text).toBe('OK\n');
      await waitFor('its log line', () => (/listening on 127\.0\.0\.1:\d+/.test(a.output()) ? true : null), 10_000);
    } finally {
      await a.stop();
    }
  });

  it('--web.systemd-socket with an inherited listening fd 3 (LISTEN_PID set to the agent itself)', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const handle = (server as unknown as { _handle: { fd: number } })._handle;
    // LISTEN_PID must be the agent's pid: a shell sets it to its own, then execs node.
    const child = spawn('/bin/sh', ['-c', 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"', 'sh', process.execPath, CLI, ...agentArgs, '--web.systemd-socket'], {
      stdio: ['ignore', 'pipe', 'pipe', handle.fd],
    });
    let out = '';
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    server.close();
    try {
      await waitFor('the agent on the inherited socket', async () => ((await get(`http://127.0.0.1:${port}/-/ready`).catch(() => null))?.status === 200 ? true : null), 30_000);
      expect(out).toContain(`listening on 127.0.0.1:${port}`);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });

  it.each([
    [['--log.level', 'verbose'], /Invalid values:[\s\S]*log\.level/],
    [['--log.format', 'xml'], /Invalid values:[\s\S]*log\.format/],
    [['--web.max-requests', '-1'], /--web\.max-requests must be a whole number/],
    [['--web.max-connections', '1'], /--web\.max-connections must be a whole number of at least 2/],
    [['--web.systemd-socket'], /no socket activation file descriptors found/],
    [['--web.systemd-socket', '--web.listen-address', ':0'], /exclude each other/],
    [['--web.listen-address', '127.0.0.1:1', '--web.listen-address', '127.0.0.1:1'], /is given twice/],
    [['--web.listen-address', 'nonsense'], /is not HOST:PORT/],
  ])('%j is a usage error (64) with one clear line', async (args, message) => {
    const r = await execa(process.execPath, [CLI, ...agentArgs, ...args], { reject: false, timeout: 20_000, env: { LISTEN_FDS: '', LISTEN_PID: '' } });
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('measure takes --log.level/--log.format too (a bad value is 64)', async () => {
    const r = await execa(process.execPath, [CLI, 'measure', '--reference', 'ntp://127.0.0.1:1', '--log.format', 'yaml'], { reject: false, timeout: 20_000 });
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toMatch(/log\.format/);
    expect(fs.existsSync(CLI)).toBe(true);
  });
});
