/**
 * The measurement logic (runMeasurement → Sampler → fit) on simulated time against a simulated NTP
 * server: the truth is known exactly and no number depends on how busy the machine running the tests
 * is. Fixed seeds (each assertion names its seed); the same run gives the same numbers everywhere.
 *
 * What a real clock and a real UDP server add is tested in rate-server.test.ts (one real run that
 * asserts only what the run itself proves) and sntp-hostile.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { runMeasurement, type RunOptions, type RunOutcome } from '../../agent/measure/run.js';
import { SimClock } from '../helpers/sim-clock.js';
import { SimReference, fillingQueue, loadedMachine, truthPpm, type SimServerOptions } from '../helpers/sim-reference.js';

interface SimRun {
  out: RunOutcome;
  ref: SimReference;
  sim: SimClock;
  /** Simulated seconds the run took. */
  tookSeconds: number;
}

async function simRun(server: SimServerOptions, run: Partial<RunOptions> & { durationMs: number; intervalMs: number }, prepare?: (sim: SimClock) => void): Promise<SimRun> {
  const sim = new SimClock();
  const ref = new SimReference(sim, server);
  prepare?.(sim);
  const t0 = sim.nowNs;
  const out = await sim.drive(runMeasurement({ reference: ref.name, clock: sim.localClock(), open: () => ref, ...run }));
  return { out, ref, sim, tookSeconds: Number(sim.nowNs - t0) / 1e9 };
}

const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);

describe('drift against a server 37 ppm fast (simulated time)', () => {
  it('quiet loopback: −37 ppm within ±1 ppm after 30 s, the truth inside the printed interval, every seed', async () => {
    const truth = truthPpm(37);
    for (const seed of SEEDS) {
      const { out, ref } = await simRun({ ratePpm: 37, seed }, { durationMs: 30_000, intervalMs: 500 });
      const m = out.measurement;
      const seen = `seed ${seed}: ${m.driftPpm} ± ${m.uncertaintyPpm} ppm, ${m.samples} samples, ${m.outliers} outliers`;
      expect(out.failure, seen).toBeNull();
      expect(m.samples, seen).toBe(61);
      expect(ref.requests, seen).toBe(61);
      expect(m.spanSeconds, seen).toBeCloseTo(30, 2);
      expect(Math.abs(m.driftPpm! - truth), seen).toBeLessThanOrEqual(m.uncertaintyPpm!);
      // With 10 µs of path jitter 30 s pin the rate far better than 1 ppm; a fit that lost its way would not.
      expect(m.uncertaintyPpm!, seen).toBeLessThan(1);
      expect(Math.abs(m.driftPpm! - truth), seen).toBeLessThan(1);
      expect(m.steps, seen).toEqual([]);
      expect(m.referenceDetail, seen).toMatchObject({ stratum: 2 });
    }
  });

  it('a loaded machine (replies queued behind other work, asymmetric, in bursts): the interval widens and still covers the truth', async () => {
    const truth = truthPpm(37);
    let widerThanQuiet = 0;
    for (const seed of SEEDS) {
      const quiet = (await simRun({ ratePpm: 37, seed }, { durationMs: 30_000, intervalMs: 500 })).out.measurement;
      const { out } = await simRun({ ratePpm: 37, seed, queue: loadedMachine }, { durationMs: 30_000, intervalMs: 500 });
      const m = out.measurement;
      const seen = `seed ${seed}: ${m.driftPpm} ± ${m.uncertaintyPpm} ppm, ${m.samples} samples, ${m.outliers} outliers`;
      expect(Number.isFinite(m.uncertaintyPpm), seen).toBe(true);
      expect(Math.abs(m.driftPpm! - truth), seen).toBeLessThanOrEqual(m.uncertaintyPpm!);
      // The slow replies are recognised by their delay and dropped or down-weighted, not fitted as drift.
      expect(m.outliers, seen).toBeGreaterThan(0);
      expect(m.steps, seen).toEqual([]);
      if (m.uncertaintyPpm! > quiet.uncertaintyPpm!) widerThanQuiet++;
    }
    expect(widerThanQuiet).toBeGreaterThan(SEEDS.length / 2);
  });

  it('a queue that fills steadily (delay growing 50 µs per second) would fake 25 ppm: the asymmetry term covers it', async () => {
    const truth = truthPpm(37);
    for (const seed of SEEDS.slice(0, 10)) {
      const { out } = await simRun({ ratePpm: 37, seed, queue: fillingQueue(50_000) }, { durationMs: 30_000, intervalMs: 500 });
      const m = out.measurement;
      const seen = `seed ${seed}: ${m.driftPpm} ± ${m.uncertaintyPpm} ppm`;
      expect(Math.abs(m.driftPpm! - truth), seen).toBeLessThanOrEqual(m.uncertaintyPpm!);
      expect(m.uncertaintyPpm!, seen).toBeGreaterThan(10);
    }
  });

  it('VirtualBox-sized errors: −22 472 ppm is recovered exactly (1/(1 + s) − 1, not −s)', async () => {
    // A clock that loses 22 472 ppm is a server that runs 1/(1 − 0.022472) − 1 fast.
    const ratePpm = (1 / (1 - 22_472e-6) - 1) * 1e6;
    const { out } = await simRun({ ratePpm, seed: 7 }, { durationMs: 20_000, intervalMs: 1000 });
    const m = out.measurement;
    expect(Math.abs(m.driftPpm! + 22_472)).toBeLessThanOrEqual(m.uncertaintyPpm!);
    expect(Math.abs(m.driftPpm! + 22_472)).toBeLessThan(1);
  });
});

describe('steps during a run (simulated time)', () => {
  it('this clock stepped +250 ms by a synchroniser: one local-clock step, and the drift comes from across it', async () => {
    const truth = truthPpm(100);
    const { out } = await simRun({ ratePpm: 100, seed: 3 }, { durationMs: 20_000, intervalMs: 500 }, (sim) => {
      void sim.sleep(10_250).then(() => sim.stepWall(0.25));
    });
    const m = out.measurement;
    expect(m.steps).toHaveLength(1);
    expect(m.steps[0]).toMatchObject({ kind: 'local-clock' });
    expect(m.steps[0]!.sizeSeconds).toBeCloseTo(0.25, 5);
    expect(m.steps[0]!.atSeconds).toBeCloseTo(10.5, 0);
    expect(Math.abs(m.driftPpm! - truth)).toBeLessThanOrEqual(m.uncertaintyPpm!);
    // The reference is now 250 ms behind this clock's wall time, less what it gained in 20 s at 100 ppm.
    expect(m.offsetNowSeconds!).toBeCloseTo(-0.25 + 20 * 100e-6, 4);
  });

  it('a server that jumps by 3 years mid-run: one reference step; the drift still comes from the segments', async () => {
    const { out } = await simRun({ ratePpm: 0, seed: 5, jump: { after: 7, seconds: 3 * 365 * 86400 } }, { durationMs: 3000, intervalMs: 150 });
    const m = out.measurement;
    const jumps = m.steps.filter((x) => x.kind === 'reference');
    expect(jumps).toHaveLength(1);
    expect(jumps[0]!.sizeSeconds / (365 * 86400)).toBeCloseTo(3, 6);
    expect(m.steps.filter((x) => x.kind === 'local-clock')).toHaveLength(0);
    expect(Math.abs(m.driftPpm!)).toBeLessThanOrEqual(m.uncertaintyPpm!);
  });
});

describe('references that fail (simulated time)', () => {
  it('a silent server: the run gives up after 3 tries (3 timeouts and 2 intervals), not after the 60 s duration', async () => {
    const { out, ref, tookSeconds } = await simRun({ behaviour: () => 'silent', timeoutMs: 150 }, { durationMs: 60_000, intervalMs: 200 });
    expect(out.failure).toMatchObject({ kind: 'timeout' });
    expect(out.failure!.message).toMatch(/no reply from .* within 150 ms \(gave up after 3 tries\)/);
    expect(out.attempts).toBe(3);
    expect(ref.requests).toBe(3);
    expect(out.measurement.driftPpm).toBeNull();
    // Polls start every 200 ms (the first at 0); the third one's 150 ms timeout ends the run.
    expect(tookSeconds).toBeCloseTo(0.55, 2);
  });

  it('answers only rejected replies: gives up after 3 tries with the rejection as the reason', async () => {
    const { out } = await simRun({ behaviour: () => 'reject', timeoutMs: 150 }, { durationMs: 30_000, intervalMs: 200 });
    expect(out.failure).toMatchObject({ kind: 'rejected' });
    expect(out.failure!.message).toMatch(/wrong mode 3/);
  });

  it('DENY stops the run at once; a refusal before any answer too', async () => {
    const deny = await simRun({ behaviour: () => 'deny' }, { durationMs: 60_000, intervalMs: 200 });
    expect(deny.out.attempts).toBe(1);
    expect(deny.out.failure).toMatchObject({ kind: 'denied' });
    const refused = await simRun({ behaviour: () => 'refused' }, { durationMs: 60_000, intervalMs: 200 });
    expect(refused.out.attempts).toBe(1);
    expect(refused.out.failure).toMatchObject({ kind: 'unavailable' });
    expect(refused.out.failure!.message).toMatch(/refused/);
  });

  it('a refusal after the server has answered is taken as a restart: the run goes on', async () => {
    const { out } = await simRun({ ratePpm: 37, seed: 2, behaviour: (i) => (i >= 10 && i < 13 ? 'refused' : 'reply') }, { durationMs: 20_000, intervalMs: 500 });
    expect(out.failure).toBeNull();
    expect(out.failures).toEqual({ unavailable: 3 });
    expect(out.measurement.samples).toBe(41 - 3);
    expect(Math.abs(out.measurement.driftPpm! - truthPpm(37))).toBeLessThanOrEqual(out.measurement.uncertaintyPpm!);
  });

  it('RATE before any answer: backs off (200, 400 ms) and gives up after 3 tries', async () => {
    const { out, ref, tookSeconds } = await simRun({ behaviour: () => 'rate' }, { durationMs: 10_000, intervalMs: 100 });
    expect(ref.requests).toBe(3);
    expect(out.intervalMs).toBe(800);
    // Polls at 0, 0.2 and 0.6 s: each wait twice the one before.
    expect(tookSeconds).toBeCloseTo(0.6, 2);
    expect(out.failure?.kind).toBe('rate-limited');
    expect(out.failure!.message).toMatch(/RATE.*\(gave up after 3 tries\)/);
  });

  it('RATE after answers: the interval doubles each time it is asked, and the run keeps its samples', async () => {
    const { out, ref } = await simRun({ ratePpm: 37, behaviour: (i) => (i < 3 ? 'reply' : 'rate') }, { durationMs: 10_000, intervalMs: 100 });
    // Answers at 0, 0.1, 0.2 s; RATE at 0.3, 0.5, 0.9, 1.7, 3.3, 6.5 s; the next poll (12.9 s) is past the end.
    expect(ref.requests).toBe(9);
    expect(out.intervalMs).toBe(6400);
    expect(out.failures).toEqual({ 'rate-limited': 6 });
    expect(out.failure).toBeNull();
    expect(out.measurement.samples).toBe(3);
  });

  it('every fifth poll lost: the run counts the timeouts and measures from the rest', async () => {
    const { out } = await simRun({ ratePpm: 37, seed: 4, behaviour: (i) => (i % 5 === 4 ? 'silent' : 'reply'), timeoutMs: 300 }, { durationMs: 30_000, intervalMs: 500 });
    expect(out.failure).toBeNull();
    expect(out.failures.timeout).toBe(12);
    expect(out.measurement.samples).toBe(61 - 12);
    expect(Math.abs(out.measurement.driftPpm! - truthPpm(37))).toBeLessThanOrEqual(out.measurement.uncertaintyPpm!);
  });

  it('an interrupt (Ctrl-C) ends the run; before 3 samples it says so', async () => {
    const ac = new AbortController();
    const { out, tookSeconds } = await simRun({ seed: 1 }, { durationMs: 30_000, intervalMs: 1000, signal: ac.signal }, (sim) => {
      void sim.sleep(1300).then(() => ac.abort());
    });
    expect(out.interrupted).toBe(true);
    expect(out.attempts).toBe(2);
    expect(out.failure).toMatchObject({ kind: 'timeout' });
    expect(out.failure!.message).toBe('interrupted after 2 valid sample(s): a drift needs 3');
    expect(tookSeconds).toBeCloseTo(1.3, 3);
  });
});
