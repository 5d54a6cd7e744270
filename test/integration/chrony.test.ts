/**
 * Against a real chronyd (Debian's package) serving NTP on loopback. It is started with -x (never
 * touches the system clock), no sources and `local stratum 8`, so it serves this machine's own clock:
 * the true drift is 0, and `measure` must report a drift whose printed uncertainty covers 0. That, and
 * that the uncertainty is finite and rests on enough samples, is all this run proves on a machine of
 * any load; how tight the interval is on this machine is a bench number (docs/measure.md).
 * Its command port is opened on loopback too, to test the `chrony://` reference against real chronyc.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { runMeasureCommand } from '../../agent/commands/measure.js';
import type { MeasureReport } from '../../agent/measure/report.js';
import { SntpReference } from '../../agent/measure/sntp-client.js';
import { LocalClock } from '../../agent/measure/local-clock.js';
import { ChronyReference } from '../../agent/measure/chrony-reference.js';

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let dir: string;
let chronyd: ResultPromise | null = null;
let ntpPort: number;
let cmdPort: number;
let log = '';

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clockdoctor-chronyd-'));
  ntpPort = await freeUdpPort();
  cmdPort = await freeUdpPort();
  const conf = path.join(dir, 'chrony.conf');
  fs.writeFileSync(
    conf,
    [
      `port ${ntpPort}`,
      'bindaddress 127.0.0.1',
      'allow 127.0.0.1',
      'local stratum 8',
      `cmdport ${cmdPort}`,
      'bindcmdaddress 127.0.0.1',
      // No Unix command socket: it would collide with a system chronyd's /run/chrony.
      'bindcmdaddress /',
      'cmdallow 127.0.0.1',
      `driftfile ${path.join(dir, 'chrony.drift')}`,
      `pidfile ${path.join(dir, 'chronyd.pid')}`,
      '',
    ].join('\n'),
  );
  chronyd = execa('chronyd', ['-x', '-d', '-f', conf], { reject: false, all: true, buffer: false });
  chronyd.all?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  // Wait until it answers NTP.
  const ref = new SntpReference({ host: '127.0.0.1', port: ntpPort, timeoutMs: 300 });
  const clock = new LocalClock();
  // Wait for the event (chronyd answering); the limit only catches a chronyd that never comes up.
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await ref.sample(clock);
      break;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`chronyd did not answer on port ${ntpPort}: ${String(err)}\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  ref.close();
}, 120_000);

afterAll(async () => {
  if (chronyd?.pid) {
    chronyd.kill('SIGTERM');
    await chronyd;
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('measure against a real chronyd on loopback', () => {
  it('reports a drift within the uncertainty it prints (the truth is 0)', async () => {
    let out = '';
    let err = '';
    const code = await runMeasureCommand(
      { reference: `ntp://127.0.0.1:${ntpPort}`, durationMs: 15_000, intervalMs: 500, timeoutMs: 5000, json: true, model: false, maxDriftPpm: null },
      { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } },
    );
    const r = JSON.parse(out) as MeasureReport;
    const seen = `drift ${r.driftPpm} ± ${r.uncertaintyPpm} ppm, ${r.samples}/${r.attempts} samples, ${r.outliers} outliers, offset now ${r.offsetNowSeconds} s, median delay ${r.medianDelaySeconds} s`;
    process.stdout.write(`[chrony] ${seen}\n`);
    expect(err).toBe('');
    expect(Number.isFinite(r.driftPpm), seen).toBe(true);
    expect(Number.isFinite(r.uncertaintyPpm), seen).toBe(true);
    expect(Math.abs(r.driftPpm!), seen).toBeLessThanOrEqual(r.uncertaintyPpm!);
    // Enough samples behind it: most of the 31 polls answered.
    expect(r.samples, seen).toBeGreaterThanOrEqual(Math.max(15, r.attempts / 2));
    expect(r.referenceDetail).toMatchObject({ stratum: 8 });
    expect(Number.isFinite(r.offsetNowSeconds), seen).toBe(true);
    expect(r.steps, seen).toEqual([]);
    // The truth (0) inside the interval means nothing is beyond the 1 ppm floor with no daemon: exit 0.
    expect(code).toBe(0);
  }, 60_000);

  it('reads chronyd’s own estimate through chronyc (chrony:// reference)', async () => {
    const ref = new ChronyReference(3000, { host: '127.0.0.1', port: cmdPort });
    const s = await ref.sample(new LocalClock());
    expect(s.statedDrift).toBeDefined();
    // No sources and an empty drift file: chronyd believes the clock is right.
    expect(Math.abs(s.statedDrift!.ppm)).toBeLessThan(1);
    expect(s.detail).toMatchObject({ stratum: 8 });
  });
});
