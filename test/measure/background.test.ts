import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { BackgroundMeasurer } from '../../agent/measure/background.js';
import { registerMeasureMetrics } from '../../agent/measure/metrics.js';
import { LocalClock, type ClockSource } from '../../agent/measure/local-clock.js';
import { startRateServer, type RateServer } from '../../agent/measure/rate-server.js';

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function server(opts: Parameters<typeof startRateServer>[0] = {}): Promise<RateServer> {
  const s = await startRateServer(opts);
  stops.push(() => s.close());
  return s;
}

/** The real clocks, except that the wall clock can be stepped by the test (as a synchroniser would). */
function steppableClock(): { clock: LocalClock; step: (seconds: number) => void } {
  let shiftMs = 0;
  let shiftNs = 0n;
  const src: ClockSource = {
    monoNs: () => process.hrtime.bigint(),
    realtimeMs: () => Date.now() + shiftMs,
  };
  const clock = new LocalClock(src);
  return {
    clock,
    step: (s) => {
      shiftMs += Math.round(s * 1000);
      shiftNs += BigInt(Math.round(s * 1e9));
    },
  };
}

function value(text: string, metric: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(metric));
  return line === undefined ? null : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('BackgroundMeasurer + metrics', () => {
  it('measures continuously and exports drift, uncertainty, offset, up and steps', async () => {
    const srv = await server({ ratePpm: 500 });
    const { clock, step } = steppableClock();
    const m = new BackgroundMeasurer({ reference: srv.url, intervalMs: 100, windowSamples: 50, clock });
    stops.push(() => m.stop());
    const reg = new Registry();
    registerMeasureMetrics(reg, m);
    // Before the first sample: down, no drift series (unknown is absent, never NaN), no offset series.
    let text = await reg.metrics();
    expect(text).toContain(`clockdoctor_reference_up{reference="${srv.url}"} 0`);
    expect(text).toContain('# TYPE clockdoctor_measured_drift_ratio gauge');
    expect(text).not.toMatch(/^clockdoctor_measured_drift_ratio /m);
    expect(text).not.toContain('clockdoctor_reference_offset_seconds{');
    m.start();
    await sleep(2500);
    step(0.25); // a synchroniser steps the wall clock +250 ms
    await sleep(1500);
    const st = m.state();
    expect(st.up).toBe(true);
    expect(st.samples).toBeGreaterThan(20);
    expect(st.samples).toBeLessThanOrEqual(50);
    expect(st.stepsTotal).toBe(1);
    expect(st.recentSteps).toHaveLength(1);
    expect(st.recentSteps[0]!.kind).toBe('local-clock');
    expect(st.recentSteps[0]!.sizeSeconds).toBeCloseTo(0.25, 2);
    // The server runs 500 ppm fast → this clock is 1/(1+5e-4) − 1 slow, across the step.
    const truth = 1 / (1 + 500e-6) - 1;
    expect(Math.abs(st.driftRatio! - truth)).toBeLessThan(Math.max(st.uncertaintyRatio!, 10e-6));
    text = await reg.metrics();
    expect(value(text, 'clockdoctor_clock_steps_total')).toBe(1);
    expect(value(text, `clockdoctor_reference_up{reference="${srv.url}"}`)).toBe(1);
    expect(value(text, 'clockdoctor_measured_drift_ratio')).toBeCloseTo(st.driftRatio!, 12);
    expect(value(text, 'clockdoctor_measured_drift_uncertainty_ratio')).toBeGreaterThan(0);
    // After the +250 ms step the reference is ~250 ms behind this clock's wall time.
    expect(value(text, `clockdoctor_reference_offset_seconds{reference="${srv.url}"}`)).toBeCloseTo(-0.25, 2);
    // A counter: a second scrape does not count the same step twice.
    text = await reg.metrics();
    expect(value(text, 'clockdoctor_clock_steps_total')).toBe(1);
  }, 20_000);

  it('never throws for a dead or nonsensical reference and reports it down', async () => {
    const srv = await server({ mode: 'silent' });
    const dead = new BackgroundMeasurer({ reference: srv.url, intervalMs: 100, timeoutMs: 50 });
    const bad = new BackgroundMeasurer({ reference: 'gopher://x', intervalMs: 100 });
    stops.push(() => dead.stop(), () => bad.stop());
    dead.start();
    bad.start();
    await sleep(600);
    expect(dead.state()).toMatchObject({ up: false, driftRatio: null });
    expect(dead.state().lastError).toMatch(/no reply/);
    expect(bad.state().up).toBe(false);
    expect(bad.configurationError).toMatch(/not one of/);
    const reg = new Registry();
    registerMeasureMetrics(reg, bad);
    expect(await reg.metrics()).toContain('clockdoctor_reference_up{reference="gopher://x"} 0');
  });

  it('hostile replies keep it down with the reason, and RATE makes it back off', async () => {
    const garbage = await server({ mode: 'garbage' });
    const rate = await server({ mode: 'kod-rate' });
    const g = new BackgroundMeasurer({ reference: garbage.url, intervalMs: 100, timeoutMs: 50 });
    const r = new BackgroundMeasurer({ reference: rate.url, intervalMs: 100, timeoutMs: 50 });
    stops.push(() => g.stop(), () => r.stop());
    g.start();
    r.start();
    await sleep(1500);
    expect(g.state()).toMatchObject({ up: false, samples: 0 });
    expect(g.state().lastError).toMatch(/rejected: (wrong mode|unsupported NTP version|origin timestamp)/);
    expect(r.state().lastError).toMatch(/RATE/);
    // 100 ms, then 200, 400, 800 ms…: far fewer than the 15 requests an obedient 100 ms loop would send.
    expect(rate.requests).toBeLessThanOrEqual(5);
  });

  it('stop() ends the loop and is idempotent', async () => {
    const srv = await server();
    const m = new BackgroundMeasurer({ reference: srv.url, intervalMs: 100 });
    m.start();
    m.start();
    await sleep(350);
    m.stop();
    m.stop();
    const n = srv.requests;
    await sleep(400);
    expect(srv.requests).toBe(n);
  });
});
