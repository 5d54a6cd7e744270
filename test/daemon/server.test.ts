/**
 * The HTTP server against real sockets on loopback: endpoints, readiness, and every limit — methods,
 * bodies, header size and count, malformed request lines, clients that never finish their headers.
 */
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { startServer, type AgentServer } from '../../agent/daemon/server.js';
import { createMetricsRegistry } from '../../agent/outputs/metrics.js';
import { emptyView } from '../../agent/outputs/metrics-view.js';

/** What `raw` appends when the client gave up waiting: the server had not closed the connection. */
const CLIENT_GAVE_UP = '\0client gave up waiting';

/**
 * Send raw bytes, collect everything until the server closes (or `ms` passes: then CLIENT_GAVE_UP is
 * appended, so a test can tell the server's close from the client's — no stopwatch needed).
 */
function raw(port: number, data: string | Buffer, ms = 30_000): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let out = '';
    const done = (): void => {
      clearTimeout(t);
      sock.destroy();
      resolve(out);
    };
    const t = setTimeout(() => {
      out += CLIENT_GAVE_UP;
      done();
    }, ms);
    sock.on('data', (d) => (out += d.toString('latin1')));
    sock.on('close', done);
    sock.on('error', done);
    sock.write(data);
  });
}
const status = (resp: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(resp)?.[1] ?? 0);
const get = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${extra}\r\n`;

describe('agent HTTP server', () => {
  let srv: AgentServer;
  let ready = false;
  beforeAll(async () => {
    const registry = createMetricsRegistry(() => emptyView(60), { processMetrics: false });
    srv = await startServer({ host: '127.0.0.1', port: 0 }, { registry, isReady: () => ready, limits: { headersTimeoutMs: 800, maxHeadersCount: 20 } });
  });
  afterAll(async () => {
    await srv.close();
  });

  it('serves metrics, the landing page and health', async () => {
    const m = await raw(srv.port, get('/metrics'));
    expect(status(m)).toBe(200);
    expect(m).toContain('Content-Type: text/plain; version=0.0.4');
    expect(m).toContain('clockdoctor_build_info');
    const q = await raw(srv.port, get('/metrics?collect[]=x'));
    expect(status(q)).toBe(200);
    const l = await raw(srv.port, get('/'));
    expect(status(l)).toBe(200);
    expect(l).toContain('href="/metrics"');
    expect(status(await raw(srv.port, get('/-/healthy')))).toBe(200);
  });

  it('is ready only after the first snapshot', async () => {
    ready = false;
    expect(status(await raw(srv.port, get('/-/ready')))).toBe(503);
    ready = true;
    expect(status(await raw(srv.port, get('/-/ready')))).toBe(200);
  });

  it('HEAD answers headers only', async () => {
    const h = await raw(srv.port, 'HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(status(h)).toBe(200);
    expect(h.split('\r\n\r\n')[1] ?? '').toBe('');
  });

  it('404 for unknown paths, 405 for other methods, 413 for bodies', async () => {
    expect(status(await raw(srv.port, get('/nope')))).toBe(404);
    expect(status(await raw(srv.port, get('/metrics/')))).toBe(404);
    const post = await raw(srv.port, 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n');
    expect(status(post)).toBe(405);
    expect(post).toContain('Allow: GET, HEAD');
    expect(status(await raw(srv.port, 'DELETE / HTTP/1.1\r\nHost: x\r\n\r\n'))).toBe(405);
    expect(status(await raw(srv.port, 'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello'))).toBe(413);
    expect(status(await raw(srv.port, 'GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'))).toBe(413);
  });

  it('400 for malformed requests, 431 for oversized or too many headers', async () => {
    expect(status(await raw(srv.port, 'this is not http\r\n\r\n'))).toBe(400);
    expect(status(await raw(srv.port, 'GET http://evil/ HTTP/1.1\r\nHost: x\r\n\r\n'))).toBe(400);
    expect(status(await raw(srv.port, get('/metrics', `X-Big: ${'a'.repeat(20_000)}\r\n`)))).toBe(431);
    const many = Array.from({ length: 40 }, (_, i) => `X-H${i}: v\r\n`).join('');
    expect(status(await raw(srv.port, get('/metrics', many)))).toBe(431);
    // The server is still fine afterwards.
    expect(status(await raw(srv.port, get('/-/healthy')))).toBe(200);
  });

  it('closes a client that never finishes its headers (slow loris) with 408', async () => {
    const r = await raw(srv.port, 'GET /metrics HTTP/1.1\r\nHost: x\r\n');
    expect(status(r)).toBe(408);
    expect(r).not.toContain(CLIENT_GAVE_UP);
  });

  it('keeps serving on a kept-alive connection and a throwing registry gives 500, not a crash', async () => {
    const broken = new Registry();
    broken.metrics = () => Promise.reject(new Error('boom'));
    const errors: unknown[] = [];
    const s2 = await startServer({ host: '127.0.0.1', port: 0 }, { registry: broken, isReady: () => true, onError: (e) => errors.push(e) });
    try {
      expect(status(await raw(s2.port, get('/metrics')))).toBe(500);
      expect(errors).toHaveLength(1);
      const two = await raw(s2.port, 'GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\nGET /-/healthy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect(two.match(/HTTP\/1\.1 200/g)).toHaveLength(2);
    } finally {
      await s2.close();
    }
  });

  it('authorize: 401 with the challenge header, 403 for forbidden', async () => {
    const registry = createMetricsRegistry(() => emptyView(60), { processMetrics: false });
    const s3 = await startServer({ host: '127.0.0.1', port: 0 }, {
      registry, isReady: () => true,
      authorize: (req) => (req.headers.authorization === 'Basic ok' ? 'ok' : req.headers['x-cert'] === 'no' ? 'forbidden' : false),
      unauthorizedHeaders: { 'WWW-Authenticate': 'Basic realm="clockdoctor"' },
    });
    try {
      const u = await raw(s3.port, get('/metrics'));
      expect(status(u)).toBe(401);
      expect(u).toContain('WWW-Authenticate: Basic realm="clockdoctor"');
      expect(status(await raw(s3.port, get('/metrics', 'X-Cert: no\r\n')))).toBe(403);
      expect(status(await raw(s3.port, get('/metrics', 'Authorization: Basic ok\r\n')))).toBe(200);
    } finally {
      await s3.close();
    }
  });
});

describe('header deadline', () => {
  it('an idle connection is closed silently, a partial head gets 408', async () => {
    const registry = createMetricsRegistry(() => emptyView(60), { processMetrics: false });
    const s = await startServer({ host: '127.0.0.1', port: 0 }, { registry, isReady: () => true, limits: { headersTimeoutMs: 600, keepAliveTimeoutMs: 1200 } });
    try {
      // Closed by the server (nothing sent, and not the client giving up after 30 s).
      const idle = await raw(s.port, '');
      expect(idle).toBe('');
      const partial = await raw(s.port, 'GET / HTTP/1.1\r\n');
      expect(status(partial)).toBe(408);
      expect(partial).not.toContain(CLIENT_GAVE_UP);
      // After a complete response, a kept-alive connection idle past the keep-alive timeout is closed
      // without a second response (a 408 there could be read as the answer to the next request).
      const kept = await raw(s.port, 'GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(kept.match(/HTTP\/1\.1 /g)).toHaveLength(1);
      expect(kept).not.toContain(CLIENT_GAVE_UP);
    } finally {
      await s.close();
    }
  });
});

describe('kept-alive connections', () => {
  it('answer without waiting for the client to acknowledge the head (TCP_NODELAY on accepted sockets)', async () => {
    // The HTTP engine writes a response's head and body apart. With Nagle's algorithm on, the body
    // waits for the client's delayed ACK of the head — at least 40 ms on Linux — on every request of a
    // kept-alive connection after the first (a 0.5 ms scrape took 44 ms). So it is the fastest of many
    // requests that tells: at or above that floor only while the stall is there.
    const registry = createMetricsRegistry(() => emptyView(60), { processMetrics: false });
    const s = await startServer({ host: '127.0.0.1', port: 0 }, { registry, isReady: () => true });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const once = (): Promise<number> => new Promise((resolve, reject) => {
        const t0 = process.hrtime.bigint();
        http.get({ host: '127.0.0.1', port: s.port, path: '/metrics', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(Number(process.hrtime.bigint() - t0) / 1e6));
        }).on('error', reject);
      });
      const ms: number[] = [];
      for (let i = 0; i < 30; i++) ms.push(await once());
      expect(Math.min(...ms.slice(1))).toBeLessThan(40);
    } finally {
      agent.destroy();
      await s.close();
    }
  });
});
