/**
 * The reference is untrusted input: each misbehaviour of a real loopback server must end in a clear
 * message (and the right failure kind), never a crash or a wrong measurement.
 *
 * Real UDP on a machine of any speed: a server that replies gets a limit far beyond any scheduling
 * delay (a rejected reply is only known to be the last one when the limit ends, so those cases take
 * the limit, concurrently); only "silent" relies on the limit, and it never replies at all. Run
 * lengths, backoff and give-up counts are tested exactly on simulated time (simulated-run.test.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { LocalClock } from '../../agent/measure/local-clock.js';
import { ReferenceFailure } from '../../agent/measure/reference.js';
import { startRateServer, type RateServer, type RateServerMode } from '../../agent/measure/rate-server.js';
import { SntpReference } from '../../agent/measure/sntp-client.js';
import { runMeasurement } from '../../agent/measure/run.js';

const servers: RateServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function server(mode: RateServerMode, extra: Record<string, number> = {}): Promise<RateServer> {
  const s = await startRateServer({ mode, ...extra });
  servers.push(s);
  return s;
}

/** Limit for servers that do reply: long enough that a loaded machine reads the reply before it. */
const REPLY_LIMIT_MS = 3000;

async function sampleOnce(mode: RateServerMode, timeoutMs = REPLY_LIMIT_MS): Promise<unknown> {
  const clock = new LocalClock();
  clock.calibrate();
  const s = await startRateServer({ mode, clock });
  servers.push(s);
  const ref = new SntpReference({ host: '127.0.0.1', port: s.port, timeoutMs });
  try {
    return await ref.sample(clock);
  } catch (err) {
    return err;
  } finally {
    ref.close();
  }
}

describe.concurrent('hostile or broken NTP servers', () => {
  it('silent → timeout with a clear message', async () => {
    const r = await sampleOnce('silent', 300);
    expect(r).toBeInstanceOf(ReferenceFailure);
    expect((r as ReferenceFailure).kind).toBe('timeout');
    expect((r as ReferenceFailure).message).toMatch(/no reply from ntp:\/\/127\.0\.0\.1:\d+ within 300 ms/);
  });

  it.each<[RateServerMode, ReferenceFailure['kind'], RegExp]>([
    ['short', 'rejected', /short packet: 12 bytes/],
    ['wrong-mode', 'rejected', /wrong mode 3/],
    ['wrong-version', 'rejected', /unsupported NTP version 7/],
    ['bad-origin', 'rejected', /origin timestamp does not match/],
    ['zero-transmit', 'rejected', /zero transmit timestamp/],
    ['stratum16', 'rejected', /not synchronised \(stratum 16\)/],
    ['leap3', 'rejected', /leap indicator 3/],
    ['kod-deny', 'denied', /kiss-o'-death DENY/],
    ['kod-rstr', 'denied', /kiss-o'-death RSTR/],
    ['kod-rate', 'rate-limited', /kiss-o'-death RATE/],
  ])('%s → %s with a clear message', async (mode, kind, msg) => {
    const r = await sampleOnce(mode);
    expect(r).toBeInstanceOf(ReferenceFailure);
    expect((r as ReferenceFailure).kind).toBe(kind);
    expect((r as ReferenceFailure).message).toMatch(msg);
  });

  it('garbage (an escape sequence, long enough to pass a length check) is rejected, not trusted', async () => {
    const r = await sampleOnce('garbage');
    expect(r).toBeInstanceOf(ReferenceFailure);
    expect((r as ReferenceFailure).kind).toBe('rejected');
    expect((r as ReferenceFailure).message).not.toContain('\x1b');
  });

  it('a stale replay, a forged DENY and a duplicate around the real reply do not disturb the sample', async () => {
    // The server serves from the client's own clock at rate 0, so the true offset is 0 and NTP bounds
    // the error of a good sample by half its round trip — whatever the machine's load made that.
    const r = await sampleOnce('replay');
    expect(r).not.toBeInstanceOf(Error);
    const { offsetSeconds, delaySeconds } = r as { offsetSeconds: number; delaySeconds: number };
    expect(Math.abs(offsetSeconds), `offset ${offsetSeconds} s, delay ${delaySeconds} s`).toBeLessThanOrEqual(delaySeconds / 2 + 1e-6);
    // A forged or stale reply would carry the previous exchange's time: off by far more than the delay.
    expect(delaySeconds).toBeLessThan(REPLY_LIMIT_MS / 1000);
  });

  it('a port nobody listens on is reported as refused', async () => {
    const s = await startRateServer();
    const port = s.port;
    await s.close();
    const ref = new SntpReference({ host: '127.0.0.1', port, timeoutMs: REPLY_LIMIT_MS });
    const clock = new LocalClock();
    const r = await ref.sample(clock).catch((e: unknown) => e);
    ref.close();
    expect(r).toBeInstanceOf(ReferenceFailure);
    expect((r as ReferenceFailure).kind).toBe('unavailable');
    expect((r as ReferenceFailure).message).toMatch(/refused/);
  });

  it('a host that does not resolve is unavailable', async () => {
    const ref = new SntpReference({ host: 'no-such-host.invalid', port: 123, timeoutMs: REPLY_LIMIT_MS });
    const r = await ref.sample(new LocalClock()).catch((e: unknown) => e);
    ref.close();
    expect((r as ReferenceFailure).kind).toBe('unavailable');
    expect((r as ReferenceFailure).message).toMatch(/cannot resolve no-such-host\.invalid/);
  });

  it('a run against a silent server gives up after 3 tries instead of waiting out the duration', async () => {
    const s = await server('silent');
    const out = await runMeasurement({ reference: s.url, durationMs: 60_000, intervalMs: 200, timeoutMs: 150 });
    // 3 requests, not the 300 of a 60 s run at 200 ms: it stopped early.
    expect(out.attempts).toBe(3);
    expect(s.requests).toBe(3);
    expect(out.measurement.driftPpm).toBeNull();
    expect(out.failure).toMatchObject({ kind: 'timeout' });
    expect(out.failure!.message).toMatch(/gave up after 3 tries/);
  });

  it('a DENY stops the run at once', async () => {
    const s = await server('kod-deny');
    const out = await runMeasurement({ reference: s.url, durationMs: 60_000, intervalMs: 200, timeoutMs: REPLY_LIMIT_MS });
    expect(out.attempts).toBe(1);
    expect(out.failure).toMatchObject({ kind: 'denied' });
  });

  it('RATE makes the run poll less often', async () => {
    const s = await server('kod-rate');
    const out = await runMeasurement({ reference: s.url, durationMs: 2000, intervalMs: 100, timeoutMs: REPLY_LIMIT_MS });
    // Each RATE doubles the interval; before any answer the run gives up after 3 tries.
    expect(out.intervalMs).toBe(800);
    expect(s.requests).toBe(3);
    expect(out.failure?.kind).toBe('rate-limited');
  });

  it('a server that jumps by years mid-run is reported as a reference jump; the drift still comes from the segments', async () => {
    // Served from the client's own clock at rate 0: the true drift is exactly 0.
    const clock = new LocalClock();
    clock.calibrate();
    const s = await startRateServer({ mode: 'jump', jumpAfter: 6, ratePpm: 0, clock });
    servers.push(s);
    const out = await runMeasurement({ reference: s.url, durationMs: 3000, intervalMs: 150, timeoutMs: REPLY_LIMIT_MS, clock });
    const m = out.measurement;
    const seen = JSON.stringify({ ...m, referenceDetail: undefined });
    const jumps = m.steps.filter((x) => x.kind === 'reference');
    expect(jumps, seen).toHaveLength(1);
    expect(jumps[0]!.sizeSeconds / (365 * 86400)).toBeCloseTo(3, 3);
    expect(m.steps.filter((x) => x.kind === 'local-clock')).toHaveLength(0);
    expect(Number.isFinite(m.uncertaintyPpm), seen).toBe(true);
    expect(Math.abs(m.driftPpm!), seen).toBeLessThanOrEqual(m.uncertaintyPpm!);
  });
});
