/**
 * The mechanisms that keep the agent's server up under the attacks of issue 15, tested on their own
 * with short injected deadlines and counted sockets — no wall-clock budgets (the timings under
 * attack are `npm run bench -- attacks`, docs/security.md):
 *
 * - a pipelined second request is not parsed before the first response has been written;
 * - one body is built per snapshot, however many scrapes ask at once;
 * - the cap on requests in flight answers 503;
 * - a TLS handshake that times out or fails frees its socket (open connections and fds back to where
 *   they were), and so do slow request heads;
 * - a full unauthenticated pool evicts the oldest idle connection of the busiest address for a
 *   newcomer; a full authorised pool answers with `Connection: close`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type AgentServer, type AgentServerOptions } from '../../agent/daemon/server.js';
import { HeadScanner, RequestGate } from '../../agent/daemon/request-gate.js';
import { DEFAULT_LIMITS } from '../../agent/daemon/limits.js';
import { Exposition, type BodySource, type ExpositionBody } from '../../agent/outputs/metrics.js';
import { emptyView } from '../../agent/outputs/metrics-view.js';
import { waitFor } from './processes.js';

const started: AgentServer[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function serve(opts: Partial<AgentServerOptions> & Pick<AgentServerOptions, 'registry'>): Promise<AgentServer> {
  const s = await startServer({ host: '127.0.0.1', port: 0 }, { isReady: () => true, ...opts });
  started.push(s);
  return s;
}

/** A body source whose bodies wait until released; counts the calls. */
function gatedBodies(): BodySource & { calls: number; release: () => void; waiting: number } {
  let waiters: (() => void)[] = [];
  const src = {
    calls: 0,
    get waiting() {
      return waiters.length;
    },
    release: () => {
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    },
    body: async (): Promise<ExpositionBody> => {
      src.calls++;
      await new Promise<void>((r) => waiters.push(r));
      return { body: Buffer.from('m 1\n'), contentType: 'text/plain; version=0.0.4; charset=utf-8', encoding: 'identity' };
    },
  };
  return src;
}

function connect(port: number, localAddress?: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) }, () => resolve(s));
    s.on('error', reject);
  });
}

/** Everything a socket receives until it closes. */
function collect(s: net.Socket): { text: () => string; closed: Promise<void> } {
  let out = '';
  s.on('data', (d: Buffer) => (out += d.toString('latin1')));
  const closed = new Promise<void>((r) => s.once('close', () => r()));
  s.on('error', () => undefined);
  return { text: () => out, closed };
}

const GET = (p: string, extra = ''): string => `GET ${p} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
const fdCount = (): number => fs.readdirSync('/proc/self/fd').length;
const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('HeadScanner and RequestGate', () => {
  it('finds the end of a head across chunk boundaries and skips empty lines before a request', () => {
    const sc = new HeadScanner();
    expect(sc.scan(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r'))).toBe(-1);
    expect(sc.scan(Buffer.from('\nGET /2'))).toBe(1);
    const s2 = new HeadScanner();
    const two = Buffer.from('\r\n\r\nGET / HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n');
    const first = s2.scan(two);
    expect(two.subarray(0, first).toString()).toBe('\r\n\r\nGET / HTTP/1.1\r\n\r\n');
    expect(s2.scan(two, first)).toBe(two.length);
  });

  it('passes one request head, holds the pipelined rest with the socket paused until release()', async () => {
    const a = new net.Socket();
    const paused: boolean[] = [];
    a.pause = () => (paused.push(true), a);
    a.resume = () => (paused.push(false), a);
    let heads = 0;
    const gate = new RequestGate(a, () => heads++);
    const seen: string[] = [];
    gate.on('data', (d: Buffer) => seen.push(d.toString()));
    a.emit('data', Buffer.from(GET('/1') + GET('/2') + GET('/3')));
    await turns(3);
    expect(seen.join('')).toBe(GET('/1'));
    expect(heads).toBe(1);
    expect(gate.heldBytes).toBe(GET('/2').length + GET('/3').length);
    expect(paused.at(-1)).toBe(true);
    // More bytes while a request is in flight are held too, never parsed.
    a.emit('data', Buffer.from(GET('/4')));
    await turns(3);
    expect(seen.join('')).toBe(GET('/1'));
    gate.release();
    await turns(3);
    expect(seen.join('')).toBe(GET('/1') + GET('/2'));
    gate.release();
    gate.release();
    await turns(3);
    expect(seen.join('')).toBe(GET('/1') + GET('/2') + GET('/3') + GET('/4'));
    expect(gate.heldBytes).toBe(0);
    // /4 is in flight: the socket stays paused until its response is out too.
    expect(paused.at(-1)).toBe(true);
    gate.release();
    expect(paused.at(-1)).toBe(false);
    gate.destroy();
  });
});

describe('one request in flight per connection', () => {
  it('the second pipelined request is not parsed until the first response has been written', async () => {
    const bodies = gatedBodies();
    const srv = await serve({ registry: bodies });
    const s = await connect(srv.port);
    const got = collect(s);
    s.write(GET('/metrics') + GET('/metrics') + GET('/metrics', 'Connection: close\r\n'));
    await waitFor('the first request', () => (bodies.calls === 1 ? true : null), 10_000, 5);
    await turns(50);
    expect(bodies.calls).toBe(1);
    bodies.release();
    await waitFor('the second request', () => (bodies.calls === 2 ? true : null), 10_000, 5);
    await turns(50);
    expect(bodies.calls).toBe(2);
    bodies.release();
    await waitFor('the third request', () => (bodies.calls === 3 ? true : null), 10_000, 5);
    bodies.release();
    await got.closed;
    expect(got.text().match(/HTTP\/1\.1 200 OK/g)).toHaveLength(3);
  });
});

describe('pipelining and misbehaving addresses', () => {
  it('past maxPipelined pipelined requests the answer carries Connection: close and the rest is dropped', async () => {
    const view = emptyView(60);
    const srv = await serve({ registry: new Exposition(() => view, { processMetrics: false }) });
    const s = await connect(srv.port);
    const got = collect(s);
    s.write(GET('/-/healthy').repeat(20));
    await got.closed;
    const answers = got.text().match(/HTTP\/1\.1 200 OK/g) ?? [];
    // The first request, then DEFAULT_LIMITS.maxPipelined pipelined ones; the last answer closes the connection.
    expect(answers).toHaveLength(1 + DEFAULT_LIMITS.maxPipelined);
    expect(got.text().trimEnd().endsWith('OK')).toBe(true);
  });

  it('an address with many strikes is admitted at 2 connections a second (the rest parked until the deadline); other addresses are not affected', async () => {
    const view = emptyView(60);
    const srv = await serve({ registry: new Exposition(() => view, { processMetrics: false }), limits: { headersTimeoutMs: 300 } });
    for (let i = 0; i < 20; i++) {
      const s = await connect(srv.port, '127.0.0.5');
      const c = collect(s);
      s.write('DELETE / HTTP/1.1\r\nHost: x\r\n\r\n');
      await c.closed;
    }
    expect(srv.strikes('127.0.0.5')).toBeGreaterThan(16);
    // Six at once: the bucket holds 2 and refills at 2 a second, so at most 2 + 2·elapsed are admitted;
    // the rest are parked and closed unanswered. The bound is what this run proves, however slow it is.
    const throttledBefore = srv.stats().throttled;
    const t0 = performance.now();
    const results = await Promise.all(Array.from({ length: 6 }, async () => {
      const s = await connect(srv.port, '127.0.0.5');
      const c = collect(s);
      s.write(GET('/-/healthy', 'Connection: close\r\n'));
      await c.closed;
      return c.text().startsWith('HTTP/1.1 200') ? 'served' : 'closed';
    }));
    const elapsedS = (performance.now() - t0) / 1000;
    const served = results.filter((r) => r === 'served').length;
    expect(served).toBeLessThanOrEqual(2 + Math.ceil(elapsedS * 2));
    expect(srv.stats().throttled - throttledBefore).toBe(6 - served);
    // A well-behaved address is served as ever.
    expect((await fetch(`http://127.0.0.1:${srv.port}/-/healthy`)).status).toBe(200);
    expect(srv.strikes('127.0.0.1')).toBe(0);
  });
});

describe('bodies and the request cap', () => {
  it('one body per snapshot for 100 concurrent scrapes on 100 connections', async () => {
    const view = emptyView(60);
    const expo = new Exposition(() => view, { processMetrics: false, liveTtlMs: 3_600_000 });
    const srv = await serve({ registry: expo, limits: { maxRequestsInFlight: 0 } });
    // fetch asks for gzip unless told otherwise.
    const identity = { headers: { 'Accept-Encoding': 'identity' } };
    const res = await Promise.all(Array.from({ length: 100 }, () => fetch(`http://127.0.0.1:${srv.port}/metrics`, identity).then(async (r) => [r.status, await r.text()] as const)));
    expect(res.every(([st]) => st === 200)).toBe(true);
    expect(new Set(res.map(([, t]) => t)).size).toBe(1);
    expect(expo.bodiesBuilt).toBe(1);
    // gzip for those who ask: one more body, shared too.
    await Promise.all(Array.from({ length: 20 }, () => fetch(`http://127.0.0.1:${srv.port}/metrics`, { headers: { 'Accept-Encoding': 'gzip' } })));
    expect(expo.bodiesBuilt).toBe(2);
  });

  it('--web.max-requests: the request past the cap gets 503 with Retry-After; the others are served', async () => {
    const bodies = gatedBodies();
    const srv = await serve({ registry: bodies, limits: { maxRequestsInFlight: 3 } });
    const first = Array.from({ length: 3 }, () => fetch(`http://127.0.0.1:${srv.port}/metrics`));
    await waitFor('three requests in flight', () => (bodies.calls === 3 ? true : null), 10_000, 5);
    const over = await fetch(`http://127.0.0.1:${srv.port}/metrics`);
    expect(over.status).toBe(503);
    expect(over.headers.get('retry-after')).toBe('1');
    expect(await over.text()).toContain('Limit of concurrent requests reached (3)');
    // Cheap routes are not capped.
    expect((await fetch(`http://127.0.0.1:${srv.port}/-/healthy`)).status).toBe(200);
    bodies.release();
    expect((await Promise.all(first)).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(srv.stats()).toMatchObject({ inFlight: 0, rejectedBusy: 1 });
  });
});

describe('deadlines free every socket', () => {
  let dir: string;
  let tlsOpts: { cert: Buffer; key: Buffer };
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-mech-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
      '-keyout', 'k.pem', '-out', 'c.pem'], { cwd: dir, stdio: 'pipe' });
    tlsOpts = { cert: fs.readFileSync(path.join(dir, 'c.pem')), key: fs.readFileSync(path.join(dir, 'k.pem')) };
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('TLS handshakes that never finish are destroyed at the deadline: connections and fds back to baseline', async () => {
    const srv = await serve({ registry: gatedBodies(), tls: tlsOpts, limits: { headersTimeoutMs: 300, maxConnections: 64 } });
    const fds0 = fdCount();
    const socks = await Promise.all(Array.from({ length: 40 }, () => connect(srv.port)));
    // Some send nothing, some the first bytes of a ClientHello and then nothing, some half-close at
    // once (the server's side then sits in CLOSE-WAIT unless it is destroyed — issue 15's leak).
    const closed = socks.map((s) => collect(s).closed);
    await waitFor('the server to open them all', () => (srv.stats().open === 40 ? true : null), 10_000, 10);
    socks.forEach((s, i) => {
      if (i % 3 === 1) s.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00]));
      if (i % 3 === 2) s.end();
    });
    await Promise.all(closed);
    await waitFor('the server to forget them', () => (srv.stats().open === 0 ? true : null), 10_000, 10);
    expect(srv.stats().timedOut).toBeGreaterThanOrEqual(26);
    for (const s of socks) s.destroy();
    await waitFor('fds back to baseline', () => (fdCount() <= fds0 ? true : null), 10_000, 20);
  });

  it('a failed TLS handshake (plain HTTP to the TLS port) is destroyed at once, nothing written to it', async () => {
    const srv = await serve({ registry: gatedBodies(), tls: tlsOpts, limits: { headersTimeoutMs: 60_000 } });
    const s = await connect(srv.port);
    const got = collect(s);
    s.write(GET('/metrics'));
    await got.closed;
    expect(got.text()).not.toContain('HTTP/1.1');
    await waitFor('the server to forget it', () => (srv.stats().open === 0 ? true : null), 10_000, 10);
  });

  it('slow request heads: a partial head gets 408, an idle connection a silent close, both freed', async () => {
    const srv = await serve({ registry: gatedBodies(), limits: { headersTimeoutMs: 300 } });
    const partial = await connect(srv.port);
    const idle = await connect(srv.port);
    const p = collect(partial);
    const i = collect(idle);
    partial.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
    await Promise.all([p.closed, i.closed]);
    expect(p.text()).toMatch(/^HTTP\/1\.1 408/);
    expect(i.text()).toBe('');
    await waitFor('the server to forget them', () => (srv.stats().open === 0 ? true : null), 10_000, 10);
  });
});

describe('connection pools', () => {
  it('a full unauthenticated pool evicts the oldest idle connection of the busiest address, so a scraper gets in', async () => {
    const expo = new Exposition(() => emptyView(60), { processMetrics: false });
    const srv = await serve({ registry: expo, limits: { maxConnections: 8, authorisedSlots: 2, headersTimeoutMs: 60_000 } });
    // 6 unauthenticated slots: 5 held by a slow client on 127.0.0.2, 1 by one on 127.0.0.3.
    const heavy: { s: net.Socket; c: ReturnType<typeof collect> }[] = [];
    for (let k = 0; k < 5; k++) {
      const s = await connect(srv.port, '127.0.0.2');
      s.write('GET /metrics HTTP/1.1\r\n');
      heavy.push({ s, c: collect(s) });
    }
    const light = await connect(srv.port, '127.0.0.3');
    const lightClosed = collect(light);
    let lightGone = false;
    void lightClosed.closed.then(() => (lightGone = true));
    await waitFor('six slow connections', () => (srv.stats().unauthenticated === 6 ? true : null), 10_000, 10);
    // The scraper (on 127.0.0.1) is served: room was made by closing the oldest of 127.0.0.2.
    const r = await fetch(`http://127.0.0.1:${srv.port}/metrics`);
    expect(r.status).toBe(200);
    await heavy[0]!.c.closed;
    expect(srv.stats().evicted).toBeGreaterThanOrEqual(1);
    expect(lightGone).toBe(false);
    for (const h of heavy) h.s.destroy();
    light.destroy();
  });

  it('a full authorised pool answers Connection: close instead of keeping the connection', async () => {
    const expo = new Exposition(() => emptyView(60), { processMetrics: false });
    const srv = await serve({ registry: expo, limits: { maxConnections: 8, authorisedSlots: 1 } });
    const a = await connect(srv.port);
    const ca = collect(a);
    a.write(GET('/-/healthy'));
    await waitFor('the first response', () => (ca.text().includes('\r\n\r\nOK') ? true : null), 10_000, 5);
    expect(ca.text()).toMatch(/Connection: keep-alive/i);
    const b = await connect(srv.port);
    const cb = collect(b);
    b.write(GET('/-/healthy'));
    await cb.closed;
    expect(cb.text()).toMatch(/^HTTP\/1\.1 200/);
    expect(cb.text()).toMatch(/Connection: close/i);
    expect(srv.stats().authorised).toBe(1);
    a.destroy();
  });

  it('several listeners serve the same body; close() drains them', async () => {
    const view = emptyView(60);
    const expo = new Exposition(() => view, { processMetrics: false, liveTtlMs: 3_600_000 });
    const srv = await startServer([{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0 }], { registry: expo, isReady: () => true });
    expect(srv.addresses).toHaveLength(2);
    const texts = await Promise.all(srv.addresses.map((a) => fetch(`http://${a}/metrics`, { headers: { 'Accept-Encoding': 'identity' } }).then((r) => r.text())));
    expect(texts[0]).toBe(texts[1]);
    expect(expo.bodiesBuilt).toBe(1);
    const idle = await connect(Number(srv.addresses[1]!.split(':').at(-1)));
    const c = collect(idle);
    await srv.close();
    await c.closed;
  });
});
