/**
 * The agent under load and under hostile clients, against the real process
 * (`node dist/agent/cli.js agent --from DIR` on a loopback port): hundreds of concurrent scrapes,
 * slow clients that never read, slowloris headers, clients that disconnect mid-response, oversized
 * and malformed requests. The agent must keep serving, answer what is malformed with a 4xx, and keep
 * its memory bounded. `npm run bench -- load` runs the long version; test/load runs a short one with
 * the same helpers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_ROOTS, procPath } from '../agent/roots.js';
import { freePort, repoRoot, sleep } from './util.js';

export { freePort, sleep };


export const CLI = (): string => path.join(repoRoot(), 'dist', 'agent', 'cli.js');
export const CAPTURE_FIXTURE = (): string => path.join(repoRoot(), 'test', 'fixtures', 'capture', 'firecracker-kvm-6.18');

/** Copy the live capture fixture to a temp dir the test may mutate. */
export function tempCapture(prefix = 'cd-load-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.cpSync(CAPTURE_FIXTURE(), dir, { recursive: true });
  return dir;
}


export interface AgentProcess {
  pid: number;
  port: number;
  base: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

/**
 * The glibc malloc settings of systemd/clockdoctor.service (`Environment=MALLOC_…`), so memory is
 * measured as the agent is deployed. (The unit's NODE_OPTIONS=--jitless is left out: it would make
 * the latency numbers those of a JIT-less process, which docs/deploy.md measures separately.)
 */
export function unitMallocEnv(): Record<string, string> {
  const unit = fs.readFileSync(path.join(repoRoot(), 'systemd', 'clockdoctor.service'), 'utf8');
  const env: Record<string, string> = {};
  for (const line of unit.split('\n')) {
    if (!line.startsWith('Environment=')) continue;
    for (const kv of line.slice('Environment='.length).split(/\s+/)) {
      const m = /^(MALLOC_\w+)=(\S+)$/.exec(kv);
      if (m !== null) env[m[1]!] = m[2]!;
    }
  }
  return env;
}

/** Start the real agent on a capture dir and wait until it answers /-/healthy. */
export async function startAgent(opts: { from: string; args?: string[]; readyTimeoutMs?: number; env?: Record<string, string> }): Promise<AgentProcess> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [CLI(), 'agent', '--from', opts.from, `--web.listen-address=127.0.0.1:${port}`, ...(opts.args ?? [])],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...opts.env } },
  );
  let out = '';
  const keep = (d: Buffer): void => {
    out = (out + d.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 20_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`agent exited with ${child.exitCode} before it was ready:\n${out}`);
    const r = await get(`${base}/-/healthy`, 1000).catch(() => null);
    if (r?.status === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`agent did not answer /-/healthy within ${opts.readyTimeoutMs ?? 20_000} ms:\n${out}`);
    }
    await sleep(100);
  }
  return {
    pid: child.pid ?? -1,
    port,
    base,
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}


export interface Got {
  status: number;
  body: string;
  ms: number;
}

/** One GET with its own connection (no keep-alive pool hiding connection costs). */
export function get(url: string, timeoutMs = 10_000): Promise<Got> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** Resident set size (kB), open fds and threads of a process. */
export function procStats(pid: number): { rssKb: number; fds: number; threads: number } {
  const status = fs.readFileSync(procPath(DEFAULT_ROOTS, String(pid), 'status'), 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKb: field('VmRSS'), fds: fs.readdirSync(procPath(DEFAULT_ROOTS, String(pid), 'fd')).length, threads: field('Threads') };
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

export interface ScrapeStats {
  ok: number;
  failed: number;
  errors: string[];
  p50: number;
  p99: number;
  max: number;
}

/**
 * `total` scrapes of /metrics, `concurrency` at a time; a scrape is ok when 200 and it has our metrics
 * within `timeoutMs` (a test on a loaded machine passes a long one: it waits, it does not time).
 */
export async function scrapes(base: string, total: number, concurrency: number, path = '/metrics', timeoutMs = 15_000): Promise<ScrapeStats> {
  const lat: number[] = [];
  const errors: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      next++;
      try {
        const r = await get(`${base}${path}`, timeoutMs);
        if (r.status === 200 && r.body.includes('clockdoctor_build_info')) lat.push(r.ms);
        else errors.push(`status ${r.status}`);
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ok: lat.length, failed: errors.length, errors: [...new Set(errors)].slice(0, 5), p50: percentile(lat, 50), p99: percentile(lat, 99), max: Math.max(0, ...lat) };
}

/** Open `n` connections that send a full request and then never read: the response must not pile up. */
export async function slowReaders(port: number, n: number): Promise<net.Socket[]> {
  const socks: net.Socket[] = [];
  for (let i = 0; i < n; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    await new Promise<void>((r) => s.once('connect', () => r()).once('error', () => r()));
    s.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
    s.pause();
    socks.push(s);
  }
  return socks;
}

/** Slowloris: headers that never end, one byte now and then. Returns the sockets (to see who got closed). */
export function slowloris(port: number, n: number, byteEveryMs = 1000): { socks: net.Socket[]; closed: () => number; stop: () => void } {
  const socks: net.Socket[] = [];
  let closed = 0;
  for (let i = 0; i < n; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    s.on('close', () => closed++);
    s.on('connect', () => s.write('GET /metrics HTTP/1.1\r\nHost: x\r\n'));
    socks.push(s);
  }
  const timer = setInterval(() => {
    for (const s of socks) if (!s.destroyed) s.write('X-a: b\r\n');
  }, byteEveryMs);
  return { socks, closed: () => closed, stop: () => { clearInterval(timer); for (const s of socks) s.destroy(); } };
}

/** `n` clients that hang up as soon as the first response bytes arrive (or at once). */
export async function disconnectors(port: number, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => new Promise<void>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    s.on('connect', () => {
      if (i % 3 === 0) {
        s.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
        s.destroy(); // mid-request
        return;
      }
      s.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
      if (i % 3 === 1) s.resetAndDestroy(); // RST before any response
    });
    s.once('data', () => s.resetAndDestroy()); // mid-response
    setTimeout(() => { s.destroy(); resolve(); }, 5000);
  })));
}

/** A raw request and the statuses we accept for it. */
export interface HostileRequest {
  name: string;
  raw: Buffer | string;
  expect: (status: number | null) => boolean;
  /** The body must not contain this (e.g. a file the path tried to reach). */
  bodyMustNotMatch?: RegExp;
}

const is4xx = (s: number | null): boolean => s !== null && s >= 400 && s < 500;

export function hostileRequests(): HostileRequest[] {
  const big = 'a'.repeat(20_000);
  return [
    { name: 'garbage request line', raw: 'GARBAGE\r\n\r\n', expect: is4xx },
    { name: 'binary junk', raw: Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10]), expect: is4xx },
    { name: 'unknown method', raw: 'BREW /metrics HTTP/1.1\r\nHost: x\r\n\r\n', expect: is4xx },
    { name: 'POST /metrics', raw: 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello', expect: is4xx },
    { name: '20 KB header', raw: `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${big}\r\n\r\n`, expect: is4xx },
    { name: '100 KB URL', raw: `GET /metrics?${'q'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, expect: is4xx },
    { name: '5000 headers', raw: `GET /metrics HTTP/1.1\r\nHost: x\r\n${'X-h: v\r\n'.repeat(5000)}\r\n`, expect: is4xx },
    { name: 'NUL in a header', raw: 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-a: a\0b\r\n\r\n', expect: is4xx },
    { name: 'bare LF line ends with CR in value', raw: 'GET /metrics HTTP/1.1\nHost: x\rX: y\n\n', expect: is4xx },
    { name: 'HTTP/9.9', raw: 'GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n', expect: (s) => s !== null && s >= 400 },
    { name: 'Content-Length and Transfer-Encoding (smuggling)', raw: 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', expect: is4xx },
    { name: 'bad chunk size', raw: 'POST /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', expect: is4xx },
    { name: 'path traversal', raw: 'GET /../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n', expect: is4xx, bodyMustNotMatch: /root:.*:0:0:/ },
    { name: 'encoded traversal', raw: 'GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n', expect: is4xx, bodyMustNotMatch: /root:.*:0:0:/ },
    { name: 'unknown path', raw: 'GET /nope HTTP/1.1\r\nHost: x\r\n\r\n', expect: is4xx },
    { name: '1 GB Content-Length on GET, 64 KB sent', raw: `GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n${'z'.repeat(65_536)}`, expect: (s) => s === null || s === 200 || is4xx(s) },
  ];
}

/** Send one raw request; resolve with the status code of the first response (null if none) and the body. */
export function rawRequest(port: number, raw: Buffer | string, timeoutMs = 15_000): Promise<{ status: number | null; text: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    const done = (): void => {
      clearTimeout(timer);
      s.destroy();
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m?.[1] ? Number(m[1]) : null, text, ms: performance.now() - t0 });
    };
    const timer = setTimeout(done, timeoutMs);
    s.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (text.length > 1_000_000) done();
    });
    s.on('error', done);
    s.on('close', done);
    s.on('connect', () => s.write(raw, () => s.end()));
  });
}

export interface LoadReport {
  scrapes: ScrapeStats;
  underSlowClients: ScrapeStats;
  /** More simultaneous connections than the agent accepts: how many were served, and scrapes right after. */
  flood: { sent: number; served: number; refused: number; after: ScrapeStats };
  hostile: { name: string; status: number | null; ok: boolean; ms: number }[];
  rssKb: { start: number; peak: number; end: number };
  fds: { start: number; end: number };
  slowlorisClosed: number;
  slowlorisTotal: number;
  healthyAtEnd: boolean;
}

/** The whole scenario, sized by the caller (CI: small; bench: large). */
export async function loadScenario(
  agent: AgentProcess,
  size: { scrapes: number; concurrency: number; slow: number; loris: number; disconnects: number; lorisWaitMs: number; flood: number },
): Promise<LoadReport> {
  await scrapes(agent.base, 20, 5); // warm-up: first snapshot, JIT
  const start = procStats(agent.pid);
  let peak = start.rssKb;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, procStats(agent.pid).rssKb);
    } catch {
      // the process may be gone; the caller sees it
    }
  }, 50);
  try {
    const s1 = await scrapes(agent.base, size.scrapes, size.concurrency);

    const slow = await slowReaders(agent.port, size.slow);
    const loris = slowloris(agent.port, size.loris);
    await disconnectors(agent.port, size.disconnects);
    // Beside the held connections, stay under the agent's connection limit (limits.ts, 256).
    const s2 = await scrapes(agent.base, Math.ceil(size.scrapes / 2), Math.max(1, Math.min(size.concurrency, 240 - size.slow - size.loris)));
    const hostile: LoadReport['hostile'] = [];
    for (const h of hostileRequests()) {
      const r = await rawRequest(agent.port, h.raw);
      const ok = h.expect(r.status) && !(h.bodyMustNotMatch?.test(r.text) ?? false);
      hostile.push({ name: h.name, status: r.status, ok, ms: Math.round(r.ms) });
    }
    await sleep(size.lorisWaitMs);
    const lorisClosed = loris.closed();
    loris.stop();
    for (const s of slow) s.destroy();
    await sleep(500);
    // A flood past the connection limit: the excess is refused at accept, the agent recovers at once.
    const floodResults = await Promise.all(Array.from({ length: size.flood }, () => get(`${agent.base}/metrics`, 15_000).then((r) => r.status === 200).catch(() => false)));
    const served = floodResults.filter(Boolean).length;
    const after = await scrapes(agent.base, 100, 20);
    const healthy = await get(`${agent.base}/-/healthy`, 5000).then((r) => r.status === 200).catch(() => false);
    const end = procStats(agent.pid);
    return {
      scrapes: s1,
      underSlowClients: s2,
      flood: { sent: size.flood, served, refused: size.flood - served, after },
      hostile,
      rssKb: { start: start.rssKb, peak, end: end.rssKb },
      fds: { start: start.fds, end: end.fds },
      slowlorisClosed: lorisClosed,
      slowlorisTotal: size.loris,
      healthyAtEnd: healthy,
    };
  } finally {
    clearInterval(sampler);
  }
}

export function formatLoad(r: LoadReport): string {
  const f = (s: ScrapeStats): string => `${s.ok} ok, ${s.failed} failed, p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms${s.errors.length ? ` (${s.errors.join('; ')})` : ''}`;
  return [
    `scrapes:                      ${f(r.scrapes)}`,
    `scrapes beside slow clients:  ${f(r.underSlowClients)}`,
    `slowloris closed by server:   ${r.slowlorisClosed}/${r.slowlorisTotal}`,
    `flood of ${r.flood.sent} at once:       ${r.flood.served} served, ${r.flood.refused} refused; right after: ${f(r.flood.after)}`,
    `hostile requests:`,
    ...r.hostile.map((h) => `  ${h.ok ? 'ok  ' : 'FAIL'} ${h.name.padEnd(48)} → ${h.status ?? 'closed'} (${h.ms} ms)`),
    `RSS kB: start ${r.rssKb.start}, peak ${r.rssKb.peak}, end ${r.rssKb.end}; fds: start ${r.fds.start}, end ${r.fds.end}`,
    `healthy at the end: ${r.healthyAtEnd}`,
  ].join('\n');
}

/** `npm run bench -- load`: the long version. */
export async function run(): Promise<boolean> {
  const dir = tempCapture();
  const agent = await startAgent({ from: dir, args: ['--refresh', '60s'] });
  try {
    const r = await loadScenario(agent, { scrapes: 10_000, concurrency: 200, slow: 100, loris: 100, disconnects: 1000, lorisWaitMs: 40_000, flood: 1000 });
    process.stdout.write(`${formatLoad(r)}\n`);
    return r.scrapes.failed === 0 && r.underSlowClients.failed === 0 && r.flood.after.failed === 0 && r.hostile.every((h) => h.ok) && r.healthyAtEnd;
  } finally {
    await agent.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.filename === path.resolve(process.argv[1])) {
  void run().then((ok) => { process.exitCode = ok ? 0 : 1; });
}
