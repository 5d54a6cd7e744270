/**
 * The reference is untrusted input: each misbehaviour of a real loopback server must end in a clear
 * message (and the right failure kind), never a crash or a wrong measurement.
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

async function sampleOnce(mode: RateServerMode): Promise<unknown> {
  const s = await server(mode);
  const ref = new SntpReference({ host: '127.0.0.1', port: s.port, timeoutMs: 300 });
  const clock = new LocalClock();
  clock.calibrate();
  try {
    return await ref.sample(clock);
  } catch (err) {
    return err;
  } finally {
    ref.close();
  }
}

describe.concurrent('hostile or broken NTP servers', () => {
  it.each<[RateServerMode, ReferenceFailure['kind'], RegExp]>([
    ['silent', 'timeout', /no reply from ntp:\/\/127\.0\.0\.1:\d+ within 300 ms/],
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
    const r = await sampleOnce('replay');
    expect(r).not.toBeInstanceOf(Error);
    expect(Math.abs((r as { offsetSeconds: number }).offsetSeconds)).toBeLessThan(0.01);
  });

  it('a port nobody listens on is reported as refused', async () => {
    const s = await startRateServer();
    const port = s.port;
    await s.close();
    const ref = new SntpReference({ host: '127.0.0.1', port, timeoutMs: 1000 });
    const clock = new LocalClock();
    const r = await ref.sample(clock).catch((e: unknown) => e);
    ref.close();
    expect(r).toBeInstanceOf(ReferenceFailure);
    expect((r as ReferenceFailure).kind).toBe('unavailable');
    expect((r as ReferenceFailure).message).toMatch(/refused/);
  });

  it('a host that does not resolve is unavailable', async () => {
    const ref = new SntpReference({ host: 'no-such-host.invalid', port: 123, timeoutMs: 500 });
    const r = await ref.sample(new LocalClock()).catch((e: unknown) => e);
    ref.close();
    expect((r as ReferenceFailure).kind).toBe('unavailable');
    expect((r as ReferenceFailure).message).toMatch(/cannot resolve no-such-host\.invalid/);
  });

  it('a run against a silent server gives up after 3 tries instead of waiting out the duration', async () => {
    const s = await server('silent');
    const t0 = Date.now();
    const out = await runMeasurement({ reference: s.url, durationMs: 60_000, intervalMs: 200, timeoutMs: 150 });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(out.measurement.driftPpm).toBeNull();
    expect(out.failure).toMatchObject({ kind: 'timeout' });
    expect(out.failure!.message).toMatch(/gave up after 3 tries/);
  });

  it('a DENY stops the run at once', async () => {
    const s = await server('kod-deny');
    const out = await runMeasurement({ reference: s.url, durationMs: 60_000, intervalMs: 200 });
    expect(out.attempts).toBe(1);
    expect(out.failure).toMatchObject({ kind: 'denied' });
  });

  it('RATE makes the run poll less often', async () => {
    const s = await server('kod-rate');
    const out = await runMeasurement({ reference: s.url, durationMs: 2000, intervalMs: 100, timeoutMs: 100 });
    expect(out.intervalMs).toBeGreaterThan(100);
    expect(out.failure?.kind).toBe('rate-limited');
  });

  it('a server that jumps by years mid-run is reported as a reference jump; the drift still comes from the segments', async () => {
    const s = await server('jump', { jumpAfter: 6, ratePpm: 0 });
    const out = await runMeasurement({ reference: s.url, durationMs: 3000, intervalMs: 150 });
    const m = out.measurement;
    const jumps = m.steps.filter((x) => x.kind === 'reference');
    expect(jumps).toHaveLength(1);
    expect(jumps[0]!.sizeSeconds / (365 * 86400)).toBeCloseTo(3, 3);
    expect(m.steps.filter((x) => x.kind === 'local-clock')).toHaveLength(0);
    expect(m.driftPpm).not.toBeNull();
    expect(Math.abs(m.driftPpm!)).toBeLessThan(Math.max(m.uncertaintyPpm!, 50));
  });
});
