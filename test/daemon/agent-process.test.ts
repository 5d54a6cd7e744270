/**
 * The built `clockdoctor agent` as a process: SIGHUP refreshes now, SIGTERM exits 0, bad flags exit
 * with the usage / no-input codes and one clear line, never a stack trace.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, get, seriesOf, startAgent, waitFor } from './processes.js';

const CAPTURE = path.join(ROOT, 'test/fixtures/captures/firecracker-kvm-6.18');

describe('clockdoctor agent process', () => {
  it('refreshes at start, again on SIGHUP, and exits 0 on SIGTERM', async () => {
    const a = await startAgent(['--refresh', '1h', '--from', CAPTURE]);
    try {
      const count = async (): Promise<number> => Number(seriesOf((await get(`${a.url}/metrics`)).text, 'clockdoctor_refreshes_total')[0]?.split(' ')[1]);
      await waitFor('the first refresh', async () => ((await count()) === 1 ? true : null));
      expect((await get(`${a.url}/-/ready`)).status).toBe(200);
      process.kill(a.pid, 'SIGHUP');
      await waitFor('the SIGHUP refresh', async () => ((await count()) === 2 ? true : null), 15_000);
      expect(a.output()).toContain('SIGHUP: refreshing now');
    } finally {
      expect(await a.stop()).toBe(0);
    }
    expect(a.output()).toContain('SIGTERM: shutting down');
  });

  it('a cron --refresh is accepted and exported as its period', async () => {
    const a = await startAgent(['--refresh', '*/5 * * * *', '--from', CAPTURE]);
    try {
      const text = await waitFor('a snapshot', async () => {
        const t = (await get(`${a.url}/metrics`)).text;
        return seriesOf(t, 'clockdoctor_refreshes_total')[0]?.endsWith(' 1') ? t : null;
      });
      expect(seriesOf(text, 'clockdoctor_refresh_interval_seconds')).toEqual(['clockdoctor_refresh_interval_seconds 300']);
    } finally {
      await a.stop();
    }
  });

  it('bad flags: exit 64 or 66 with one line naming the problem', async () => {
    const run = (args: string[]) => execa(process.execPath, [CLI, 'agent', ...args], { reject: false, timeout: 20_000 });
    const r1 = await run(['--refresh', 'often']);
    expect(r1.exitCode).toBe(64);
    expect(r1.stderr).toMatch(/--refresh: "often" is neither a duration/);
    expect(r1.stderr).not.toMatch(/\n\s+at /);
    const r2 = await run(['--web.listen-address', 'nonsense']);
    expect(r2.exitCode).toBe(64);
    const gone = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cd-gone-')), 'missing');
    const r3 = await run(['--textfile', gone]);
    expect(r3.exitCode).toBe(66);
    expect(r3.stderr).toContain(gone);
  });

  it('a port already in use is a clear error, not a crash', async () => {
    const a = await startAgent(['--refresh', '1h', '--from', CAPTURE]);
    try {
      const r = await execa(process.execPath, [CLI, 'agent', `--web.listen-address=127.0.0.1:${a.port}`, '--from', CAPTURE], { reject: false, timeout: 20_000 });
      expect(r.exitCode).toBe(66);
      expect(r.stderr).toContain('address already in use');
    } finally {
      await a.stop();
    }
  });
});
