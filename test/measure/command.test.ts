import { afterAll, describe, expect, it } from 'vitest';
import { measureOptionsFrom, runMeasureCommand } from '../../agent/commands/measure.js';
import { UsageError } from '../../agent/errors.js';
import { formatReport, MEASURE_EXIT, type MeasureReport } from '../../agent/measure/report.js';
import { startRateServer, type RateServer } from '../../agent/measure/rate-server.js';

const servers: RateServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

function io(tty = false): { out: () => string; err: () => string; io: Parameters<typeof runMeasureCommand>[1] } {
  let o = '';
  let e = '';
  return {
    out: () => o,
    err: () => e,
    io: { stdout: { write: (s: string) => (o += s) }, stderr: { write: (s: string) => (e += s), isTTY: tty } },
  };
}

describe('measure options', () => {
  it('refuses bad command lines with usage errors', () => {
    expect(() => measureOptionsFrom({})).toThrow(/--reference is required/);
    expect(() => measureOptionsFrom({ reference: 'ntp://x', from: '/tmp' })).toThrow(UsageError);
    expect(() => measureOptionsFrom({ reference: 'ntp://x', duration: '1s', interval: '1s' })).toThrow(/at least 3 samples/);
    expect(() => measureOptionsFrom({ reference: 'ntp://x', duration: 'soon' })).toThrow(/not a duration/);
    expect(() => measureOptionsFrom({ reference: 'ntp://x', 'max-drift-ppm': -1 })).toThrow(/max-drift-ppm/);
    expect(() => measureOptionsFrom({ reference: 'ntp://x', interval: '10ms' })).toThrow(/too short: at least 50ms/);
    const o = measureOptionsFrom({ reference: 'ntp://x', duration: '30s', interval: '500ms', json: true, model: false });
    expect(o).toMatchObject({ durationMs: 30_000, intervalMs: 500, json: true, model: false, maxDriftPpm: null });
  });

  it('a malformed reference is a usage error before anything runs', async () => {
    const c = io();
    await expect(runMeasureCommand({ reference: 'udp://x', durationMs: 3000, intervalMs: 1000, json: false, model: false, maxDriftPpm: null }, c.io)).rejects.toThrow(UsageError);
  });
});

describe.concurrent('measure exit codes and output', () => {
  it('69 when the reference never answers, with the reason on stderr and in the JSON', async () => {
    const s = await startRateServer({ mode: 'silent' });
    servers.push(s);
    const c = io();
    const code = await runMeasureCommand({ reference: s.url, durationMs: 30_000, intervalMs: 200, timeoutMs: 150, json: true, model: false, maxDriftPpm: null }, c.io);
    expect(code).toBe(MEASURE_EXIT.unavailable);
    const r = JSON.parse(c.out()) as MeasureReport;
    expect(r).toMatchObject({ driftPpm: null, exitCode: 69 });
    expect(r.error).toMatch(/no reply/);
    expect(c.err()).toMatch(/^clockdoctor: measure: no reply from ntp:\/\/127\.0\.0\.1:\d+/);
  });

  it('76 when the reference answers with nothing usable', async () => {
    const s = await startRateServer({ mode: 'wrong-mode' });
    servers.push(s);
    const c = io();
    const code = await runMeasureCommand({ reference: s.url, durationMs: 30_000, intervalMs: 200, timeoutMs: 150, json: false, model: false, maxDriftPpm: null }, c.io);
    expect(code).toBe(MEASURE_EXIT.protocol);
    expect(c.out()).toMatch(/no drift measured: .*wrong mode 3/);
  });

  it('0 within --max-drift-ppm; a text report and a progress bar on a TTY', async () => {
    const s = await startRateServer({ ratePpm: 20 });
    servers.push(s);
    const c = io(true);
    const code = await runMeasureCommand({ reference: s.url, durationMs: 3000, intervalMs: 250, json: false, model: false, maxDriftPpm: 1000 }, c.io);
    expect(code).toBe(0);
    expect(c.err()).toMatch(/\r\[#+-*\] \d+\/3 s {2}\d+ samples/);
    // The bar is erased at the end so the report starts clean.
    expect(c.err().endsWith('\r')).toBe(true);
    expect(c.out()).toMatch(/^clockdoctor measure — ntp:\/\/127\.0\.0\.1:\d+: \d+ sample\(s\)/);
    expect(c.out()).toMatch(/drift +-\d+\.\d+ ± \d+\.\d+ ppm \(3σ\) — this clock runs slow/);
    expect(c.out()).toMatch(/within --max-drift-ppm 1000/);
    expect(c.out()).toMatch(/model +not compared \(--no-model\)/);
  });

  it('130 when interrupted before a drift; a far-off reference gets a note', async () => {
    const s = await startRateServer();
    servers.push(s);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const c = io();
    const code = await runMeasureCommand({ reference: s.url, durationMs: 30_000, intervalMs: 1000, json: false, model: false, maxDriftPpm: null }, { ...c.io, signal: ac.signal });
    expect(code).toBe(MEASURE_EXIT.interrupted);
    expect(c.err()).toMatch(/interrupted after 1 valid sample\(s\): a drift needs 3/);

    const years = await startRateServer({ mode: 'jump', jumpAfter: 0 });
    servers.push(years);
    const d = io();
    await runMeasureCommand({ reference: years.url, durationMs: 1000, intervalMs: 250, json: false, model: false, maxDriftPpm: null }, d.io);
    expect(d.out()).toMatch(/offset now +\+3\.00 years \(this clock is behind the reference\)/);
    expect(d.out()).toMatch(/differ by more than 1000 s: one of them is badly wrong/);
  });

  it('no progress output when stderr is not a TTY', async () => {
    const s = await startRateServer();
    servers.push(s);
    const c = io(false);
    await runMeasureCommand({ reference: s.url, durationMs: 1000, intervalMs: 250, json: true, model: false, maxDriftPpm: null }, c.io);
    expect(c.err()).toBe('');
  });
});

describe('formatReport', () => {
  const base: MeasureReport = {
    schemaVersion: 1, reference: 'ntp://evil\x1b]0;pwned\x07:123', durationSeconds: 60, intervalSeconds: 1, precision: '', method: 'fit',
    samples: 61, attempts: 61, failedPolls: { timeout: 2 }, outliers: 1, spanSeconds: 60, driftPpm: -22_472.5, uncertaintyPpm: 0.8,
    secondsPerDay: -1941.6, offsetNowSeconds: 1.35, steps: [{ atSeconds: 32, kind: 'local-clock', sizeSeconds: 0.7 }, { atSeconds: 40, kind: 'reference', sizeSeconds: 94_608_000 }],
    noiseSeconds: 1e-5, medianDelaySeconds: 2e-4, referenceDetail: null, model: null, modelNote: 'x', absorb: null,
    tscFix: { believedTscHz: 3_478_274_000, errorPpm: -22_472.5, correctedTscTicksPerSecond: 3_400_108_630, commands: [`VM='name of this VM'`, 'VBoxManage setextradata "$VM" VBoxInternal/TM/TSCTicksPerSecond 3400108630'], notes: ['n'] },
    tscFixNote: null, error: null, exitCode: 1,
  };

  it('prints steps, the TSC fix, and never a raw control character from the reference', () => {
    const t = formatReport(base);
    expect(t).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(t).toContain('\\x1b]0;pwned\\x07');
    expect(t).toMatch(/step +at 32\.0 s: this clock was stepped \+700\.000 ms/);
    expect(t).toMatch(/step +at 40\.0 s: the reference jumped \+3\.00 years \(not this clock\)/);
    expect(t).toContain('3478274000 Hz × (1 − 0.0224725) = 3400108630 Hz');
    expect(t).toContain('    VBoxManage setextradata "$VM" VBoxInternal/TM/TSCTicksPerSecond 3400108630');
    expect(t).toMatch(/2 timeout/);
  });
});
