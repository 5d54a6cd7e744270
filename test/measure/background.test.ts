/**
 * The agent's continuous measurement (BackgroundMeasurer) and its metrics. The loop's logic — one
 * comparison per interval, the sliding window, steps, backoff, stop — runs on simulated time against
 * a simulated server, so every count below is exact. One test runs it on the real clock against a
 * real loopback server, and waits for what it asserts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { BackgroundMeasurer } from '../../agent/measure/background.js';
import { registerMeasureMetrics } from '../../agent/measure/metrics.js';
import { startRateServer } from '../../agent/measure/rate-server.js';
import { SimClock } from '../helpers/sim-clock.js';
import { SimReference, requestGapsMs, truthPpm, type SimServerOptions } from '../helpers/sim-reference.js';

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

function value(text: string, metric: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(metric));
  return line === undefined ? null : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** A BackgroundMeasurer on simulated time against a simulated server. */
function simMeasurer(server: SimServerOptions, opts: { intervalMs: number; windowSamples?: number; timeoutMs?: number }): { sim: SimClock; ref: SimReference; m: BackgroundMeasurer } {
  const sim = new SimClock();
  const ref = new SimReference(sim, { timeoutMs: opts.timeoutMs ?? 50, ...server });
  const m = new BackgroundMeasurer({ reference: ref.name, clock: sim.localClock(), open: () => ref, ...opts });
  stops.push(() => m.stop());
  return { sim, ref, m };
}

describe('BackgroundMeasurer + metrics (simulated time)', () => {
  it('measures continuously and exports drift, uncertainty, offset, up and steps', async () => {
    const { sim, ref, m } = simMeasurer({ ratePpm: 500, seed: 11 }, { intervalMs: 100, windowSamples: 50 });
    const reg = new Registry();
    registerMeasureMetrics(reg, m);
    // Before the first sample: down, no drift series (unknown is absent, never NaN), no offset series.
    let text = await reg.metrics();
    expect(text).toContain(`clockdoctor_reference_up{reference="${ref.name}"} 0`);
    expect(text).toContain('# TYPE clockdoctor_measured_drift_ratio gauge');
    expect(text).not.toMatch(/^clockdoctor_measured_drift_ratio /m);
    expect(text).not.toContain('clockdoctor_reference_offset_seconds{');
    m.start();
    await sim.runFor(2550);
    sim.stepWall(0.25); // a synchroniser steps the wall clock +250 ms
    await sim.runFor(1500);
    const st = m.state();
    // One comparison every 100 ms from 0 to 4 s.
    expect(ref.requests).toBe(41);
    expect(st.up).toBe(true);
    expect(st.samples).toBe(41);
    expect(st.stepsTotal).toBe(1);
    expect(st.recentSteps).toHaveLength(1);
    expect(st.recentSteps[0]!.kind).toBe('local-clock');
    expect(st.recentSteps[0]!.sizeSeconds).toBeCloseTo(0.25, 5);
    // The server runs 500 ppm fast → this clock is 1/(1+5e-4) − 1 slow, across the step.
    const truth = truthPpm(500) / 1e6;
    expect(Math.abs(st.driftRatio! - truth)).toBeLessThanOrEqual(st.uncertaintyRatio!);
    // 4 s of loopback-like samples: a tight interval, not a shrug.
    expect(st.uncertaintyRatio!).toBeLessThan(10e-6);
    text = await reg.metrics();
    expect(value(text, 'clockdoctor_clock_steps_total')).toBe(1);
    expect(value(text, `clockdoctor_reference_up{reference="${ref.name}"}`)).toBe(1);
    expect(value(text, 'clockdoctor_measured_drift_ratio')).toBeCloseTo(st.driftRatio!, 12);
    expect(value(text, 'clockdoctor_measured_drift_uncertainty_ratio')).toBeCloseTo(st.uncertaintyRatio!, 12);
    // After the +250 ms step the reference is 250 ms behind this clock's wall time (less 4 s × 500 ppm).
    expect(value(text, `clockdoctor_reference_offset_seconds{reference="${ref.name}"}`)).toBeCloseTo(-0.25 + 4 * 500e-6, 4);
    // A counter: a second scrape does not count the same step twice.
    text = await reg.metrics();
    expect(value(text, 'clockdoctor_clock_steps_total')).toBe(1);
  });

  it('keeps a sliding window: memory bounded, steps leave the window but stay counted', async () => {
    const { sim, m } = simMeasurer({ ratePpm: -20, seed: 12 }, { intervalMs: 100, windowSamples: 50 });
    m.start();
    await sim.runFor(1050);
    sim.stepWall(-0.1);
    await sim.runFor(9000);
    const st = m.state();
    expect(st.samples).toBe(50);
    expect(st.stepsTotal).toBe(1);
    expect(st.recentSteps).toEqual([]);
    expect(Math.abs(st.driftRatio! - truthPpm(-20) / 1e6)).toBeLessThanOrEqual(st.uncertaintyRatio!);
  });

  it('never throws for a dead or nonsensical reference and reports it down', async () => {
    const { sim, m: dead } = simMeasurer({ behaviour: () => 'silent' }, { intervalMs: 100, timeoutMs: 50 });
    const bad = new BackgroundMeasurer({ reference: 'gopher://x', intervalMs: 100 });
    stops.push(() => bad.stop());
    dead.start();
    bad.start();
    await sim.runFor(600);
    expect(dead.state()).toMatchObject({ up: false, driftRatio: null, samples: 0 });
    expect(dead.state().lastError).toMatch(/no reply/);
    expect(bad.state().up).toBe(false);
    expect(bad.configurationError).toMatch(/not one of/);
    const reg = new Registry();
    registerMeasureMetrics(reg, bad);
    expect(await reg.metrics()).toContain('clockdoctor_reference_up{reference="gopher://x"} 0');
  });

  it('rejected replies keep it down with the reason; RATE makes it back off', async () => {
    const { sim: gs, m: g } = simMeasurer({ behaviour: () => 'reject' }, { intervalMs: 100, timeoutMs: 50 });
    const { sim: rs, ref: rate, m: r } = simMeasurer({ behaviour: () => 'rate' }, { intervalMs: 100, timeoutMs: 50 });
    g.start();
    r.start();
    await gs.runFor(1500);
    await rs.runFor(1500);
    expect(g.state()).toMatchObject({ up: false, samples: 0 });
    expect(g.state().lastError).toMatch(/rejected: wrong mode/);
    expect(r.state().lastError).toMatch(/RATE/);
    // Comparisons at 0, 0.2, 0.6 and 1.4 s (100 ms doubled at each RATE): not the 15 of an obedient loop.
    expect(requestGapsMs(rate)).toEqual([200, 400, 800]);
  });

  it('backs off after 3 failures in a row and returns to the interval when the reference answers again', async () => {
    const { sim, ref, m } = simMeasurer({ ratePpm: 10, behaviour: (i) => (i >= 2 && i < 8 ? 'silent' : 'reply') }, { intervalMs: 100, timeoutMs: 50 });
    m.start();
    await sim.runFor(4000);
    expect(m.state().up).toBe(true);
    // Two answers, three timeouts at the interval, then 2×, 4×, 8×, 16× it; the answer resets it.
    expect(requestGapsMs(ref).slice(0, 10)).toEqual([100, 100, 100, 100, 200, 400, 800, 1600, 100, 100]);
  });

  it('stop() ends the loop at once and is idempotent', async () => {
    const { sim, ref, m } = simMeasurer({}, { intervalMs: 100 });
    m.start();
    m.start();
    await sim.runFor(350);
    expect(ref.requests).toBe(4);
    m.stop();
    m.stop();
    // No comparison waits any more, and none starts later.
    expect(sim.pending).toBe(0);
    await sim.runFor(1000);
    expect(ref.requests).toBe(4);
    expect(ref.closed).toBeGreaterThan(0);
  });
});

describe('BackgroundMeasurer on the real clock', () => {
  it('samples a real loopback server with its unref’d timers and stops cleanly', async () => {
    const srv = await startRateServer({ ratePpm: 100 });
    stops.push(() => srv.close());
    const m = new BackgroundMeasurer({ reference: srv.url, intervalMs: 100, timeoutMs: 5000 });
    stops.push(() => m.stop());
    m.start();
    // Wait for the event, however long this machine takes to get there.
    while (m.state().samples < 5) await new Promise((r) => setTimeout(r, 50));
    const st = m.state();
    expect(st.up).toBe(true);
    expect(st.lastError).toBeNull();
    expect(Number.isFinite(st.driftRatio)).toBe(true);
    m.stop();
    const n = srv.requests;
    await new Promise((r) => setTimeout(r, 300));
    expect(srv.requests).toBe(n);
  });
});
