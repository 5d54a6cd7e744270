/**
 * The HTTP server's limits (documented in docs/metrics.md). A scrape request is one short GET line and
 * a handful of headers; everything past these numbers is a broken or hostile client.
 */

/** Limits the agent's HTTP server enforces. */
export interface ServerLimits {
  /** Bytes of request line + headers; more → 431 (Node's parser). */
  maxHeaderSize: number;
  /** Header fields; more → 431. */
  maxHeadersCount: number;
  /** Time to receive the whole request, ms (Node's requestTimeout); then 408 and close. */
  requestTimeoutMs: number;
  /** Time to receive the headers, ms (Node's headersTimeout); then 408 and close. */
  headersTimeoutMs: number;
  /** Idle time of a kept-alive connection between requests, ms. */
  keepAliveTimeoutMs: number;
  /** Inactivity on a socket (e.g. a client that stops reading its response), ms; then it is destroyed. */
  socketIdleTimeoutMs: number;
  /** Open connections at once; further connections are closed at accept. */
  maxConnections: number;
  /** Requests served on one kept-alive connection before it is closed. */
  maxRequestsPerSocket: number;
}

export const DEFAULT_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxHeaderSize: 8 * 1024,
  maxHeadersCount: 64,
  requestTimeoutMs: 10_000,
  headersTimeoutMs: 5_000,
  keepAliveTimeoutMs: 5_000,
  socketIdleTimeoutMs: 30_000,
  maxConnections: 256,
  maxRequestsPerSocket: 1_000,
});
