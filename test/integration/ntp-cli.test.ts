/**
 * The real command line (dist/agent/cli.js, built by `npm test`) against loopback NTP servers: flags,
 * JSON, exit codes, and no stack trace whatever the reference does.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { startRateServer, type RateServer } from '../../agent/measure/rate-server.js';
import type { MeasureReport } from '../../agent/measure/report.js';
import { CLI } from '../helpers/cli.js';

const servers: RateServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const cli = (args: string[]) => execa('node', [CLI, 'measure', ...args], { reject: false, timeout: 60_000 });

describe.concurrent('clockdoctor measure (CLI)', () => {
  it('measures a server 250 ppm fast and prints JSON', async () => {
    const s = await startRateServer({ ratePpm: 250 });
    servers.push(s);
    // --timeout 5s: a reply this machine was slow to read is noise to the fit, not a lost sample.
    const r = await cli(['--reference', s.url, '--duration', '4s', '--interval', '250ms', '--timeout', '5s', '--json', '--no-model', '--max-drift-ppm', '1000']);
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout) as MeasureReport;
    const truth = (1 / (1 + 250e-6) - 1) * 1e6;
    // What this real run proves: the truth inside the interval it prints, from enough samples.
    expect(Number.isFinite(j.uncertaintyPpm)).toBe(true);
    expect(Math.abs(j.driftPpm! - truth), JSON.stringify(j)).toBeLessThanOrEqual(j.uncertaintyPpm!);
    expect(j.samples).toBeGreaterThanOrEqual(j.attempts / 2);
    expect(j.exitCode).toBe(0);
    expect(r.exitCode).toBe(0);
  });

  it('exit 64 for a reference it does not understand, with the forms it does', async () => {
    const r = await cli(['--reference', 'gopher://x']);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toMatch(/is not one of: ntp:\/\/HOST\[:PORT\]/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exit 69 for a server that never answers, with one clear line', async () => {
    const s = await startRateServer({ mode: 'silent' });
    servers.push(s);
    const r = await cli(['--reference', s.url, '--interval', '200ms', '--timeout', '150ms', '--no-model']);
    expect(r.exitCode).toBe(69);
    expect(r.stderr).toMatch(/clockdoctor: measure: no reply from ntp:\/\/127\.0\.0\.1:\d+ within 150 ms/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exit 69 for kiss-o-death DENY', async () => {
    const s = await startRateServer({ mode: 'kod-deny' });
    servers.push(s);
    const r = await cli(['--reference', s.url, '--timeout', '10s', '--no-model']);
    expect(r.exitCode).toBe(69);
    expect(r.stderr).toMatch(/kiss-o'-death DENY: the server refuses to serve us/);
  });

  it('exit 69 for an RTC this machine does not have', async () => {
    const r = await cli(['--reference', 'rtc', '--path.sysfs', '/nonexistent-sysfs', '--no-model', '--duration', '3s']);
    expect(r.exitCode).toBe(69);
    expect(r.stderr).toMatch(/no RTC: \/nonexistent-sysfs\/class\/rtc\/rtc0\/since_epoch does not exist/);
  });
});
