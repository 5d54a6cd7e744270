/**
 * The agent's HTTP(S) server: `/metrics` (or `--web.telemetry-path`), `/`, `/-/healthy`, `/-/ready`.
 * A scrape only renders the registry (collect callbacks read the latest snapshot; no I/O). Everything
 * else a client may send is bounded (limits.ts): oversized or malformed requests get a 4xx and the
 * connection is closed; only GET and HEAD, no request body.
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';
import type { MetricsSource } from '../outputs/metrics.js';
import { DEFAULT_LIMITS, type ServerLimits } from './limits.js';
import { landingPage } from './landing.js';
import type { ListenAddress } from './listen-address.js';
import { formatAddress } from '../util/address.js';
import { NODE_CHECK_INTERVAL_MS, enforceHeaderDeadline } from './header-deadline.js';

/** What an authorizer may answer: true/'ok' serve, false/'unauthorized' → 401, 'forbidden' → 403. */
export type AuthAnswer = boolean | 'ok' | 'unauthorized' | 'forbidden';

export interface AgentServerOptions {
  /** What `/metrics` renders (a prom-client Registry or the agent's Exposition). */
  registry: MetricsSource;
  /** Default `/metrics`. */
  telemetryPath?: string;
  /** True once the first snapshot is served (`/-/ready`). */
  isReady: () => boolean;
  /** Serve HTTPS with these options (from `--web.config.file`); plain HTTP when absent. */
  tls?: tls.SecureContextOptions & { requestCert?: boolean; rejectUnauthorized?: boolean };
  /** Checked before every request (basic auth, client certificates). */
  authorize?: (req: http.IncomingMessage) => AuthAnswer | Promise<AuthAnswer>;
  /** Headers sent on every response that passed authorization (web config `http_server_config.headers`). */
  headers?: Readonly<Record<string, string>>;
  /** Headers sent with a 401 (e.g. `WWW-Authenticate`). */
  unauthorizedHeaders?: Readonly<Record<string, string>>;
  limits?: Partial<ServerLimits>;
  /** Called for requests that ended in an error on our side (never for client mistakes). */
  onError?: (err: unknown) => void;
}

export interface AgentServer {
  server: http.Server;
  /** The bound address, e.g. `127.0.0.1:9717`. */
  address: string;
  port: number;
  /** Stop accepting, end idle keep-alive connections, wait for in-flight responses (bounded). */
  close(): Promise<void>;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 408: 'Request Timeout', 413: 'Content Too Large', 431: 'Request Header Fields Too Large',
};

/** Write a whole response; a HEAD gets the same headers (Content-Length included) and no body. */
function send(res: http.ServerResponse, status: number, contentType: string, body: string, extra: Record<string, string> = {}): void {
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
  const te = req.headers['transfer-encoding'];
  if (te !== undefined) return true;
  const cl = req.headers['content-length'];
  return cl !== undefined && cl.trim() !== '0';
}

/** The request handler: refusals first, then authorization, then the routes. */
function createHandler(opts: AgentServerOptions, limits: ServerLimits): http.RequestListener {
  const telemetryPath = opts.telemetryPath ?? '/metrics';
  const landing = landingPage(telemetryPath);
  const extraHeaders = { 'X-Content-Type-Options': 'nosniff', ...(opts.headers ?? {}) };

  const serve = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    // Node keeps only maxHeadersCount + 1 fields, so reaching that many means some were dropped.
    if (req.rawHeaders.length / 2 > limits.maxHeadersCount) {
      refuse(res, 431, `too many header fields (limit ${limits.maxHeadersCount})\n`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      refuse(res, 405, 'only GET and HEAD\n', { Allow: 'GET, HEAD' });
      return;
    }
    if (hasBody(req)) {
      // Close instead of draining: we never read a body, and reading one is what a hostile client wants.
      refuse(res, 413, 'no request body accepted\n');
      return;
    }
    const url = req.url ?? '';
    if (!url.startsWith('/')) {
      refuse(res, 400, 'bad request target\n');
      return;
    }
    if (opts.authorize) {
      const a = await opts.authorize(req);
      if (a === 'forbidden') {
        plain(res, 403, 'forbidden\n');
        return;
      }
      if (a === false || a === 'unauthorized') {
        plain(res, 401, 'unauthorized\n', { ...(opts.unauthorizedHeaders ?? {}) });
        return;
      }
    }
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    for (const [k, v] of Object.entries(extraHeaders)) res.setHeader(k, v);
    if (path === telemetryPath) {
      const text = await opts.registry.metrics();
      send(res, 200, opts.registry.contentType, text);
    } else if (path === '/') {
      send(res, 200, 'text/html; charset=utf-8', landing);
    } else if (path === '/-/healthy') {
      plain(res, 200, 'OK\n');
    } else if (path === '/-/ready') {
      if (opts.isReady()) plain(res, 200, 'OK\n');
      else plain(res, 503, 'not ready: the first snapshot is still being taken\n');
    } else {
      plain(res, 404, 'not found\n');
    }
  };

  return (req, res) => {
    serve(req, res).catch((err: unknown) => {
      opts.onError?.(err);
      if (!res.headersSent) plain(res, 500, 'internal error\n');
      else res.destroy();
    });
  };
}

/** Answer a request Node's parser rejected (oversized headers, malformed line, timeout), then close. */
function onClientError(err: NodeJS.ErrnoException, socket: net.Socket | tls.TLSSocket): void {
  if (!socket.writable || (socket as net.Socket & { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const body = `${STATUS_TEXT[status]}\n`;
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
}

export async function startServer(listen: ListenAddress, opts: AgentServerOptions): Promise<AgentServer> {
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...(opts.limits ?? {}) };
  const base: http.ServerOptions = {
    maxHeaderSize: limits.maxHeaderSize,
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Methods and bodies are ours to reject with a status; Node's own lenient parsing stays off.
    insecureHTTPParser: false,
    connectionsCheckingInterval: NODE_CHECK_INTERVAL_MS,
  };
  const handler = createHandler(opts, limits);
  const server: http.Server = opts.tls
    ? https.createServer({ ...base, handshakeTimeout: limits.headersTimeoutMs, ...opts.tls }, handler)
    : http.createServer(base, handler);
  enforceHeaderDeadline(server, limits.headersTimeoutMs, opts.tls !== undefined);
  server.maxHeadersCount = limits.maxHeadersCount + 1;
  server.maxConnections = limits.maxConnections;
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
  server.setTimeout(limits.socketIdleTimeoutMs);
  server.on('clientError', onClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: listen.host, port: listen.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address() as net.AddressInfo;
  return {
    server,
    address: formatAddress(a.address, a.port),
    port: a.port,
    close: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), 5_000);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
