import { describe, expect, it } from 'vitest';
import { measureOptionsFrom, runMeasureCommand, type MeasureOptions } from '../../agent/commands/measure.js';
import { UsageError } from '../../agent/errors.js';
import { formatReport, MEASURE_EXIT, type MeasureReport } from '../../agent/measure/report.js';
import { SimClock } from '../helpers/sim-clock.js';
import { SimReference, truthPpm, type SimServerOptions } from '../helpers/sim-reference.js';

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

/** Run the command on simulated time against a simulated server (the command's logic, not the network). */
async function simCommand(server: SimServerOptions, opts: Partial<MeasureOptions> & { durationMs: number; intervalMs: number }, c: ReturnType<typeof io>, abortAtMs?: number): Promise<number> {
  const sim = new SimClock();
  const ref = new SimReference(sim, { timeoutMs: opts.timeoutMs ?? 150, ...server });
  const ac = new AbortController();
  if (abortAtMs !== undefined) void sim.sleep(abortAtMs).then(() => ac.abort());
  return sim.drive(
    runMeasureCommand(
      { reference: ref.name, json: false, model: false, maxDriftPpm: null, ...opts },
      { ...c.io, signal: ac.signal, run: { clock: sim.localClock(), open: () => ref } },
    ),
  );
}

describe('measure exit codes and output (simulated time)', () => {
  it('69 when the reference never answers, with the reason on stderr and in the JSON', async () => {
    const c = io();
    const code = await simCommand({ behaviour: () => 'silent' }, { durationMs: 30_000, intervalMs: 200, timeoutMs: 150, json: true }, c);
    expect(code).toBe(MEASURE_EXIT.unavailable);
    const r = JSON.parse(c.out()) as MeasureReport;
    expect(r).toMatchObject({ driftPpm: null, exitCode: 69, attempts: 3, failedPolls: { timeout: 3 } });
    expect(r.error).toMatch(/no reply/);
    expect(c.err()).toMatch(/^clockdoctor: measure: no reply from ntp:\/\/sim\.invalid:123 within 150 ms/);
  });

  it('76 when the reference answers with nothing usable', async () => {
    const c = io();
    const code = await simCommand({ behaviour: () => 'reject' }, { durationMs: 30_000, intervalMs: 200, timeoutMs: 150 }, c);
    expect(code).toBe(MEASURE_EXIT.protocol);
    expect(c.out()).toMatch(/no drift measured: .*wrong mode 3/);
  });

  it('1 for a drift beyond what is absorbed, 0 within --max-drift-ppm; the JSON agrees with itself', async () => {
    const c = io();
    const code = await simCommand({ ratePpm: 37, seed: 9 }, { durationMs: 30_000, intervalMs: 500, json: true }, c);
    const r = JSON.parse(c.out()) as MeasureReport;
    expect(Math.abs(r.driftPpm! - truthPpm(37))).toBeLessThanOrEqual(r.uncertaintyPpm!);
    expect(r).toMatchObject({ samples: 61, attempts: 61, failedPolls: {}, steps: [], error: null });
    // −37 ppm with nothing correcting it (--no-model: no daemon known) is beyond → exit 1.
    expect(code).toBe(1);
    expect(r.exitCode).toBe(1);
    expect(r.secondsPerDay!).toBeCloseTo((r.driftPpm! * 86400) / 1e6, 9);
    expect(c.err()).toBe('');
    const within = io();
    expect(await simCommand({ ratePpm: 37, seed: 9 }, { durationMs: 30_000, intervalMs: 500, maxDriftPpm: 40 }, within)).toBe(0);
    expect(within.out()).toMatch(/within --max-drift-ppm 40/);
  });

  it('0 within --max-drift-ppm; a text report and a progress bar on a TTY', async () => {
    const c = io(true);
    const code = await simCommand({ ratePpm: 20, seed: 3 }, { durationMs: 3000, intervalMs: 250, maxDriftPpm: 1000 }, c);
    expect(code).toBe(0);
    expect(c.err()).toMatch(/\r\[#+-*\] \d+\/3 s {2}\d+ samples/);
    // The bar is erased at the end so the report starts clean.
    expect(c.err().endsWith('\r')).toBe(true);
    expect(c.out()).toMatch(/^clockdoctor measure — ntp:\/\/sim\.invalid:123: 13 sample\(s\)/);
    expect(c.out()).toMatch(/drift +-\d+\.\d+ ± \d+\.\d+ ppm \(3σ\) — this clock runs slow/);
    expect(c.out()).toMatch(/within --max-drift-ppm 1000/);
    expect(c.out()).toMatch(/model +not compared \(--no-model\)/);
  });

  it('130 when interrupted before a drift; a far-off reference gets a note', async () => {
    const c = io();
    const code = await simCommand({ seed: 1 }, { durationMs: 30_000, intervalMs: 1000 }, c, 300);
    expect(code).toBe(MEASURE_EXIT.interrupted);
    expect(c.err()).toMatch(/interrupted after 1 valid sample\(s\): a drift needs 3/);

    const d = io();
    await simCommand({ seed: 2, jump: { after: 0, seconds: 3 * 365 * 86400 } }, { durationMs: 1000, intervalMs: 250 }, d);
    expect(d.out()).toMatch(/offset now +\+3\.00 years \(this clock is behind the reference\)/);
    expect(d.out()).toMatch(/differ by more than 1000 s: one of them is badly wrong/);
  });

  it('no progress output when stderr is not a TTY', async () => {
    const c = io(false);
    await simCommand({ seed: 4 }, { durationMs: 1000, intervalMs: 250, json: true }, c);
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
