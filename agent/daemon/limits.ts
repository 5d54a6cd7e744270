/**
 * The HTTP server's limits (documented in docs/metrics.md "Server limits"). A scrape request is one
 * short GET line and a handful of headers; everything past these numbers is a broken or hostile client.
 */

/** Limits the agent's HTTP server enforces. */
export interface ServerLimits {
  /** Bytes of request line + headers; more → 431 (Node's parser). */
  maxHeaderSize: number;
  /** Header fields; more → 431. */
  maxHeadersCount: number;
  /**
   * Time to complete the TLS handshake and the request head, ms, from connecting or from the previous
   * response; then 408 (part of a head was sent) or a silent close; a handshake is destroyed.
   */
  headersTimeoutMs: number;
  /** Idle time of a kept-alive authorised connection between requests, ms. */
  keepAliveTimeoutMs: number;
  /** Inactivity on a socket (e.g. a client that stops reading its response), ms; then it is destroyed. */
  socketIdleTimeoutMs: number;
  /** Open connections at once, both pools (`--web.max-connections`). */
  maxConnections: number;
  /** Of those, slots kept for connections that carried an authorised request. */
  authorisedSlots: number;
  /** Requests being answered at once (`--web.max-requests`, as node_exporter's); more → 503. 0 = no limit. */
  maxRequestsInFlight: number;
  /** Requests served on one kept-alive connection before it is closed. */
  maxRequestsPerSocket: number;
  /**
   * Pipelined requests (sent before the previous answer arrived) served on one connection; the answer
   * to the last one carries `Connection: close`. No scraper pipelines; a client that sends a thousand
   * requests without reading would otherwise get a thousand answers rendered into its socket.
   */
  maxPipelined: number;
}

export const DEFAULT_LIMITS: Readonly<ServerLimits> = Object.freeze({
  maxHeaderSize: 8 * 1024,
  maxHeadersCount: 64,
  headersTimeoutMs: 5_000,
  keepAliveTimeoutMs: 5_000,
  socketIdleTimeoutMs: 30_000,
  maxConnections: 256,
  authorisedSlots: 64,
  maxRequestsInFlight: 40,
  maxRequestsPerSocket: 1_000,
  maxPipelined: 2,
});

/** The authorised pool's share when only --web.max-connections is given: a quarter, at least 1. */
export function authorisedSlotsFor(maxConnections: number): number {
  return Math.max(1, Math.floor(maxConnections / 4));
}
