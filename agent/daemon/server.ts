/**
 * The agent's HTTP(S) server: `/metrics` (or `--web.telemetry-path`), `/`, `/-/healthy`, `/-/ready`,
 * on one or more listeners (`--web.listen-address` repeated, or systemd's sockets). It degrades and
 * never dies (issue 15):
 *
 *   accept (pauseOnConnect) → connection table (two pools, eviction, deadlines; connections.ts)
 *     → TLS engine (a tls.Server that never listens; its context replaced when the web config or a
 *       certificate changes) → client-certificate policy → request gate (one request head at a time;
 *       request-gate.ts) → HTTP engine (an http.Server that never listens) → the handler below.
 *
 * The handler refuses what a scraper never sends (methods, bodies, odd targets, too many headers:
 * 4xx and close), applies the web config's rate limit (429), authorisation (401/403), the cap on
 * requests in flight (503, like node_exporter's --web.max-requests), then serves a body rendered once
 * per snapshot (Exposition). A TLS connection that fails or times out its handshake is destroyed,
 * never ended: it cannot be written to, and an end() on it is what leaked a slot per connection forever.
 */
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { BodySource, ExpositionBody, MetricsSource } from '../outputs/metrics.js';
import { acceptsGzip, negotiateFormat } from '../outputs/metrics-negotiate.js';
import { CONTENT_TYPES, type ExpositionFormat } from '../outputs/metrics-render.js';
import { formatAddress } from '../util/address.js';
import { ConnectionTable, type Conn, type ConnectionStats } from './connections.js';
import { landingPage } from './landing.js';
import { DEFAULT_LIMITS, type ServerLimits } from './limits.js';
import type { ListenAddress } from './listen-address.js';
import { SILENT, type Logger } from './log.js';
import { RequestGate } from './request-gate.js';

/** What an authorizer may answer: true/'ok' serve, false/'unauthorized' → 401, 'forbidden' → 403. */
export type AuthAnswer = boolean | 'ok' | 'unauthorized' | 'forbidden';

/** TLS server options: a secure context plus the client-certificate request policy. */
export type ServerTlsOptions = tls.SecureContextOptions & { requestCert?: boolean; rejectUnauthorized?: boolean };

/**
 * Everything the web config decides, asked per connection or per request so a changed file takes
 * effect without a restart (web-guard.ts implements it from `--web.config.file`).
 */
export interface ServerSecurity {
  /** TLS options now, or null for plain HTTP. Whether TLS is on is fixed at start. */
  tls(): ServerTlsOptions | null;
  /** Changes whenever tls() would return different options. */
  tlsGeneration(): number;
  /** Before each new connection's handshake: re-read the config if it changed (coalesced, cheap). */
  prepareConnection(): Promise<void>;
  /** After the handshake: the client-certificate policy (false → the connection is destroyed). */
  allowConnection(socket: tls.TLSSocket): boolean;
  /** Per request: false → 429 (web config `rate_limit`). */
  allowRequest(): boolean;
  authorize(req: http.IncomingMessage): AuthAnswer | Promise<AuthAnswer>;
  /** Headers for every response (web config `http_server_config.headers`). */
  headers(): Readonly<Record<string, string>>;
  /** Headers sent with a 401 (e.g. `WWW-Authenticate`). */
  unauthorizedHeaders(): Readonly<Record<string, string>>;
}

export interface AgentServerOptions {
  /** What `/metrics` serves: an Exposition (bodies shared per snapshot) or any prom-client Registry. */
  registry: BodySource | MetricsSource;
  /** Default `/metrics`. */
  telemetryPath?: string;
  /** True once the first snapshot is served (`/-/ready`). */
  isReady: () => boolean;
  /** The web config; overrides tls/authorize/headers/unauthorizedHeaders below. */
  security?: ServerSecurity;
  /** Serve HTTPS with these options (static; tests). */
  tls?: ServerTlsOptions;
  /** Checked before every request (basic auth, client certificates). */
  authorize?: (req: http.IncomingMessage) => AuthAnswer | Promise<AuthAnswer>;
  /** Headers sent on every response. */
  headers?: Readonly<Record<string, string>>;
  /** Headers sent with a 401 (e.g. `WWW-Authenticate`). */
  unauthorizedHeaders?: Readonly<Record<string, string>>;
  limits?: Partial<ServerLimits>;
  /** Called for requests that ended in an error on our side (never for client mistakes). */
  onError?: (err: unknown) => void;
  log?: Logger;
}

/** Where to listen: an address, or a socket inherited from systemd (LISTEN_FDS). */
export type ListenSpec = ListenAddress | { fd: number };

export interface AgentServer {
  /** The bound addresses, e.g. `127.0.0.1:9717`, one per listener. */
  addresses: string[];
  /** The first of them. */
  address: string;
  /** The first listener's port. */
  port: number;
  /** Connection counters (connections.ts) and requests in flight. */
  stats(): ConnectionStats & { inFlight: number; rejectedBusy: number };
  /** Strikes of one client address now (tests). */
  strikes(ip: string): number;
  /** Stop accepting, close idle connections, wait ≤ 5 s for responses in flight, then close the rest. */
  close(): Promise<void>;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 408: 'Request Timeout', 413: 'Content Too Large', 431: 'Request Header Fields Too Large',
};

const gzip = promisify(zlib.gzip);

/** Static options (tests, callers without a web config) as a ServerSecurity. */
function staticSecurity(opts: AgentServerOptions): ServerSecurity {
  const headers = opts.headers ?? {};
  const unauthorized = opts.unauthorizedHeaders ?? {};
  return {
    tls: () => opts.tls ?? null,
    tlsGeneration: () => 0,
    prepareConnection: () => Promise.resolve(),
    allowConnection: () => true,
    allowRequest: () => true,
    authorize: opts.authorize ?? (() => true),
    headers: () => headers,
    unauthorizedHeaders: () => unauthorized,
  };
}

/** A prom-client Registry (tests) as a body source: rendered per request, which an Exposition avoids. */
function asBodySource(src: BodySource | MetricsSource): BodySource {
  if ('body' in src && typeof src.body === 'function') return src;
  const registry = src as MetricsSource;
  return {
    body: async (_format: ExpositionFormat, useGzip: boolean): Promise<ExpositionBody> => {
      const body = Buffer.from(await registry.metrics(), 'utf8');
      return useGzip ? { body: await gzip(body), contentType: registry.contentType, encoding: 'gzip' } : { body, contentType: registry.contentType, encoding: 'identity' };
    },
  };
}

/** Write a whole response; a HEAD gets the same headers (Content-Length included) and no body. */
function send(res: http.ServerResponse, status: number, contentType: string, body: string | Buffer, extra: Record<string, string | number> = {}): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function plain(res: http.ServerResponse, status: number, body: string, extra: Record<string, string> = {}): void {
  send(res, status, 'text/plain; charset=utf-8', body, extra);
}

/** Answer with an error and close the connection: nothing more from this client is read. */
function refuse(res: http.ServerResponse, status: number, body: string, extra: Record<string, string> = {}): void {
  res.shouldKeepAlive = false;
  plain(res, status, body, { ...extra, Connection: 'close' });
}

function hasBody(req: http.IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const cl = req.headers['content-length'];
  return cl !== undefined && cl.trim() !== '0';
}

const isAuthorised = (a: AuthAnswer): boolean => a === true || a === 'ok';

interface HandlerContext {
  opts: AgentServerOptions;
  security: ServerSecurity;
  bodies: BodySource;
  limits: ServerLimits;
  table: ConnectionTable;
  connOf: (req: http.IncomingMessage) => Conn | undefined;
  counters: { inFlight: number; rejectedBusy: number };
}

/** The checks a request must pass before its route; returns false when it has been answered. */
async function admitRequest(ctx: HandlerContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
  const { limits, security } = ctx;
  // Node keeps only maxHeadersCount + 1 fields, so reaching that many means some were dropped.
  if (req.rawHeaders.length / 2 > limits.maxHeadersCount) {
    refuse(res, 431, `too many header fields (limit ${limits.maxHeadersCount})\n`);
    return false;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    refuse(res, 405, 'only GET and HEAD\n', { Allow: 'GET, HEAD' });
    return false;
  }
  if (hasBody(req)) {
    // Close instead of draining: we never read a body, and reading one is what a hostile client wants.
    refuse(res, 413, 'no request body accepted\n');
    return false;
  }
  if (!(req.url ?? '').startsWith('/')) {
    refuse(res, 400, 'bad request target\n');
    return false;
  }
  // exporter-toolkit sets the configured headers before rate limiting and authentication.
  for (const [k, v] of Object.entries({ 'X-Content-Type-Options': 'nosniff', ...security.headers() })) res.setHeader(k, v);
  if (!security.allowRequest()) {
    plain(res, 429, 'Too Many Requests\n');
    return false;
  }
  const a = await security.authorize(req);
  if (a === 'forbidden') {
    plain(res, 403, 'Forbidden\n');
    return false;
  }
  if (!isAuthorised(a)) {
    plain(res, 401, 'Unauthorized\n', { ...security.unauthorizedHeaders() });
    return false;
  }
  const conn = ctx.connOf(req);
  if (conn) {
    ctx.table.reputation.good(conn.ip);
    if (!ctx.table.canKeepAlive(conn.raw, true)) res.shouldKeepAlive = false;
  }
  return true;
}

/** Strikes for answers that mean the client misbehaved (connections.ts Reputation). */
const STRIKE_STATUSES = new Set([400, 401, 403, 405, 408, 413, 429, 431]);

async function serveMetrics(ctx: HandlerContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const max = ctx.limits.maxRequestsInFlight;
  if (max > 0 && ctx.counters.inFlight >= max) {
    ctx.counters.rejectedBusy++;
    plain(res, 503, `Limit of concurrent requests reached (${max}), try again later.\n`, { 'Retry-After': '1' });
    return;
  }
  ctx.counters.inFlight++;
  try {
    const format = negotiateFormat(req.headers.accept);
    const b = await ctx.bodies.body(format, acceptsGzip(req.headers['accept-encoding']));
    const extra: Record<string, string> = { Vary: 'Accept, Accept-Encoding' };
    if (b.encoding === 'gzip') extra['Content-Encoding'] = 'gzip';
    send(res, 200, b.contentType || CONTENT_TYPES[format], b.body, extra);
  } finally {
    ctx.counters.inFlight--;
  }
}

/** The request handler: refusals first, then rate limit and authorization, then the routes. */
function createHandler(ctx: HandlerContext): http.RequestListener {
  const telemetryPath = ctx.opts.telemetryPath ?? '/metrics';
  const landing = landingPage(telemetryPath);

  const serve = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    if (!(await admitRequest(ctx, req, res))) return;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path === telemetryPath) await serveMetrics(ctx, req, res);
    else if (path === '/') send(res, 200, 'text/html; charset=utf-8', landing);
    else if (path === '/-/healthy') plain(res, 200, 'OK\n');
    else if (path === '/-/ready') {
      if (ctx.opts.isReady()) plain(res, 200, 'OK\n');
      else plain(res, 503, 'not ready: the first snapshot is still being taken\n');
    } else plain(res, 404, 'not found\n');
  };

  return (req, res) => {
    const conn = ctx.connOf(req);
    if (conn) ctx.table.requestStarted(conn.raw);
    const gate = req.socket as unknown as RequestGate;
    if (gate.pipelined >= ctx.limits.maxPipelined) {
      res.shouldKeepAlive = false;
      if (conn) ctx.table.reputation.strike(conn.ip);
    }
    res.once('finish', () => {
      if (conn && STRIKE_STATUSES.has(res.statusCode)) ctx.table.reputation.strike(conn.ip);
      // After Node's own finish handling: the next pipelined head may only now reach the parser.
      setImmediate(() => {
        if (conn) ctx.table.requestDone(conn.raw);
        gate.release?.();
      });
    });
    serve(req, res).catch((err: unknown) => {
      ctx.opts.onError?.(err);
      if (!res.headersSent) refuse(res, 500, 'internal error\n');
      else res.destroy();
    });
  };
}

/** Answer a request Node's parser rejected (oversized headers, malformed line), then close. */
function onClientError(table: ConnectionTable, connOfSocket: (s: unknown) => Conn | undefined) {
  return (err: NodeJS.ErrnoException, socket: net.Socket): void => {
    const conn = connOfSocket(socket);
    if (!socket.writable || (socket as net.Socket & { _httpMessage?: unknown })._httpMessage || !conn) {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = `${STATUS_TEXT[status]}\n`;
    table.close(conn, `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  };
}

function listenOn(spec: ListenSpec, onConnection: (s: net.Socket) => void): Promise<net.Server> {
  // noDelay: the HTTP engine writes a response's head and body apart, through the request gate; with
  // Nagle's algorithm on, the body then waits for the client's delayed ACK of the head (40 ms on
  // Linux) on every request of a kept-alive connection after the first. http.Server sets it on the
  // sockets it accepts itself; these it does not accept.
  const server = net.createServer({ pauseOnConnect: true, noDelay: true }, onConnection);
  return new Promise<net.Server>((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      server.off('error', reject);
      resolve(server);
    };
    if ('fd' in spec) server.listen({ fd: spec.fd }, done);
    else server.listen({ host: spec.host, port: spec.port }, done);
  });
}

const tupleKey = (s: net.Socket): string => `${s.remoteAddress}|${s.remotePort}|${s.localAddress}|${s.localPort}`;

export async function startServer(listen: ListenSpec | readonly ListenSpec[], opts: AgentServerOptions): Promise<AgentServer> {
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...(opts.limits ?? {}) };
  if (opts.limits?.maxConnections !== undefined && opts.limits.authorisedSlots === undefined) {
    limits.authorisedSlots = Math.max(1, Math.floor(limits.maxConnections / 4));
  }
  const log = opts.log ?? SILENT;
  const security = opts.security ?? staticSecurity(opts);
  const table = new ConnectionTable(limits);
  const counters = { inFlight: 0, rejectedBusy: 0 };
  const gateConn = new WeakMap<object, Conn>();
  const ctx: HandlerContext = {
    opts, security, bodies: asBodySource(opts.registry), limits, table, counters,
    connOf: (req) => gateConn.get(req.socket),
  };

  const httpEngine = http.createServer({
    maxHeaderSize: limits.maxHeaderSize,
    // The connection table enforces the deadlines; Node's own checker (every 30 s by default, for as
    // long as the server exists) would wake an idle guest, so it runs hourly as a backstop.
    headersTimeout: limits.headersTimeoutMs * 2,
    requestTimeout: limits.headersTimeoutMs * 4,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: 3_600_000,
    insecureHTTPParser: false,
  }, createHandler(ctx));
  httpEngine.maxHeadersCount = limits.maxHeadersCount + 1;
  httpEngine.maxRequestsPerSocket = limits.maxRequestsPerSocket;
  httpEngine.on('clientError', onClientError(table, (s) => gateConn.get(s as object)));

  /** Hand a connection (plain, or TLS after its handshake) to the HTTP engine through a gate. */
  const toHttp = (conn: Conn, socket: net.Socket): void => {
    const gate = new RequestGate(socket);
    gateConn.set(gate, conn);
    conn.end = (data?: string) => void (data === undefined ? socket.end() : socket.end(data));
    socket.setTimeout(limits.socketIdleTimeoutMs, () => socket.destroy());
    httpEngine.emit('connection', gate);
  };

  const initialTls = security.tls();
  let tlsEngine: tls.Server | null = null;
  let onRawTls: (conn: Conn) => void = () => undefined;
  const pendingTls = new Map<string, Conn>();
  if (initialTls) {
    let generation = security.tlsGeneration();
    const engine = tls.createServer({ ...initialTls, ALPNProtocols: ['http/1.1'], handshakeTimeout: limits.headersTimeoutMs * 2 });
    engine.on('secureConnection', (ts: tls.TLSSocket) => {
      const conn = pendingTls.get(tupleKey(ts));
      pendingTls.delete(tupleKey(ts));
      if (!conn || conn.closing) {
        ts.destroy();
        return;
      }
      ts.once('close', () => conn.raw.destroy());
      if (!security.allowConnection(ts)) {
        table.reputation.strike(conn.ip);
        log.debug('client certificate refused', { remote: formatAddress(conn.ip, ts.remotePort ?? 0) });
        ts.destroy();
        return;
      }
      table.secured(conn.raw);
      toHttp(conn, ts);
    });
    // Failed and timed-out handshakes: destroy, never end (see the module comment).
    engine.on('tlsClientError', (err: Error, ts: tls.TLSSocket) => {
      const conn = pendingTls.get(tupleKey(ts));
      if (conn) table.reputation.strike(conn.ip);
      pendingTls.delete(tupleKey(ts));
      log.debug('TLS handshake failed', { err });
      ts.destroy();
    });
    const refreshContext = (): void => {
      const g = security.tlsGeneration();
      if (g === generation) return;
      const next = security.tls();
      if (!next) return;
      generation = g;
      engine.setSecureContext({ ...next });
      // tls.Server reads these per connection; setSecureContext does not touch them.
      (engine as unknown as { requestCert: boolean; rejectUnauthorized: boolean }).requestCert = next.requestCert === true;
      (engine as unknown as { requestCert: boolean; rejectUnauthorized: boolean }).rejectUnauthorized = next.rejectUnauthorized === true;
    };
    tlsEngine = engine;
    const startTls = async (conn: Conn): Promise<void> => {
      try {
        await security.prepareConnection();
        refreshContext();
      } catch (err) {
        log.error('web config reload failed', { err: err instanceof Error ? err : String(err) });
      }
      if (conn.raw.destroyed || conn.closing) {
        handshakes.done(conn);
        return;
      }
      pendingTls.set(tupleKey(conn.raw), conn);
      conn.raw.once('close', () => pendingTls.delete(tupleKey(conn.raw)));
      engine.emit('connection', conn.raw);
    };
    const handshakes = new HandshakeQueue(MAX_HANDSHAKES, (conn) => void startTls(conn));
    engine.on('secureConnection', (ts: tls.TLSSocket) => handshakes.doneByKey(tupleKey(ts)));
    engine.on('tlsClientError', (_err: Error, ts: tls.TLSSocket) => handshakes.doneByKey(tupleKey(ts)));
    onRawTls = (conn) => handshakes.add(conn);
  }

  function onRaw(raw: net.Socket): void {
    raw.on('error', () => raw.destroy());
    const conn = table.admit(raw, tlsEngine !== null);
    if (!conn || conn.state === 'parked') return;
    if (tlsEngine) onRawTls(conn);
    else toHttp(conn, raw);
  }

  const specs: readonly ListenSpec[] = Array.isArray(listen) ? listen : [listen as ListenSpec];
  const listeners: net.Server[] = [];
  try {
    for (const spec of specs) {
      const l = await listenOn(spec, onRaw);
      l.maxConnections = limits.maxConnections * 2;
      l.on('error', (err) => log.error('listener error', { err }));
      listeners.push(l);
    }
  } catch (err) {
    for (const l of listeners) l.close();
    throw err;
  }
  const addresses = listeners.map((l) => {
    const a = l.address() as net.AddressInfo;
    return formatAddress(a.address, a.port);
  });

  return {
    addresses,
    address: addresses[0] ?? '',
    port: (listeners[0]?.address() as net.AddressInfo | null)?.port ?? 0,
    stats: () => ({ ...table.snapshot(), ...counters }),
    strikes: (ip) => table.reputation.score(ip),
    close: () => closeAll(listeners, table),
  };
}

async function closeAll(listeners: net.Server[], table: ConnectionTable): Promise<void> {
  const closed = Promise.all(listeners.map((l) => new Promise<void>((r) => l.close(() => r()))));
  table.drain();
  const force = setTimeout(() => {
    for (const c of table.all()) c.raw.destroy();
  }, 5_000);
  force.unref();
  await closed;
  clearTimeout(force);
}

/** TLS handshakes started and not yet done at once; more wait, fairly by client address (HandshakeQueue). */
const MAX_HANDSHAKES = 16;
/**
 * A handshake holds its place this long at most: a client that stalls mid-handshake costs no CPU and
 * must not keep scrapers waiting until the handshake deadline.
 */
const HANDSHAKE_SLOT_MS = 50;

/**
 * TLS handshakes are the costliest thing an unauthenticated client can make the agent do (key
 * exchange and signature, plus the TLS layer's JavaScript, slow under --jitless): 256 connections
 * opened at once are 256 handshakes in one burst, and a scraper's handshake queued behind them waited
 * over a second. So at most MAX_HANDSHAKES start within HANDSHAKE_SLOT_MS of each other (a slot is
 * free again when its handshake is done, failed, or that long has passed, so stalled handshakes do not
 * hold it), and waiting connections start round-robin by client address: a scraper on its own address
 * waits for at most one handshake per other address. Waiting counts against the handshake deadline.
 */
class HandshakeQueue {
  private readonly waiting = new Map<string, Conn[]>();
  private readonly running = new Map<string, Conn>();
  private readonly ids = new Set<number>();

  constructor(
    private readonly max: number,
    private readonly start: (conn: Conn) => void,
  ) {}

  add(conn: Conn): void {
    const list = this.waiting.get(conn.ip);
    if (list) list.push(conn);
    else this.waiting.set(conn.ip, [conn]);
    conn.raw.once('close', () => this.done(conn));
    this.pump();
  }

  /** The handshake of the connection with this 4-tuple ended (done or failed). */
  doneByKey(key: string): void {
    const conn = this.running.get(key);
    if (conn) this.done(conn);
  }

  done(conn: Conn): void {
    if (!this.ids.delete(conn.id)) {
      // Not started yet: drop it from its address's queue.
      const list = this.waiting.get(conn.ip);
      const i = list?.indexOf(conn) ?? -1;
      if (list && i >= 0) {
        list.splice(i, 1);
        if (list.length === 0) this.waiting.delete(conn.ip);
      }
      return;
    }
    for (const [k, c] of this.running) if (c === conn) this.running.delete(k);
    this.pump();
  }

  private pump(): void {
    while (this.ids.size < this.max && this.waiting.size > 0) {
      // Map order is insertion order: take the first address, then move it to the back.
      const [ip, list] = this.waiting.entries().next().value as [string, Conn[]];
      const conn = list.shift()!;
      this.waiting.delete(ip);
      if (list.length > 0) this.waiting.set(ip, list);
      if (conn.raw.destroyed || conn.closing) continue;
      this.ids.add(conn.id);
      this.running.set(tupleKey(conn.raw), conn);
      setTimeout(() => this.done(conn), HANDSHAKE_SLOT_MS).unref();
      this.start(conn);
    }
  }
}
