/**
 * The connection table: every accepted TCP connection from accept to close, the deadlines that bound
 * what a client may hold, and the slots it may hold them in.
 *
 * Two pools, bounded apart (issue 15: slow-header clients reconnecting at the connection limit kept
 * /metrics answering 2 times in 80, because the limit applied before TLS and authentication):
 *
 * - **unauthenticated** — every new connection, until a request on it has been authorised (with no
 *   web config, any request is). Holds at most `maxConnections − authorisedSlots`. When it is full a
 *   newcomer is not refused: the oldest connection that has no request in progress, taken from the
 *   client address holding the most unauthenticated slots, is closed to make room. A slow client
 *   therefore cannot keep a scraper out — it is the one evicted — and clients on other addresses are
 *   evicted last (per-address fairness). Only when every slot has a request in progress is the
 *   newcomer closed at once.
 * - **authorised** — connections that carried an authorised request, kept alive between scrapes.
 *   Holds at most `authorisedSlots`; an authorised response on a connection that finds the pool full
 *   is sent with `Connection: close` (announced, so no client races a silent close).
 *
 * Deadlines, checked by one timer that runs only while connections are open (an idle agent must not
 * wake the guest): a connection must complete its TLS handshake and request head within
 * `headersTimeoutMs` of connecting or of its previous response (then 408 if it sent part of a head,
 * else closed silently; a connection still in its TLS handshake is destroyed — it can never be written
 * to, which is what leaked sockets and slots forever in issue 15); an authorised connection idle for
 * `keepAliveTimeoutMs` is closed; a socket with no I/O for `socketIdleTimeoutMs` (a client that stopped
 * reading its response) is destroyed. Every close ends in `destroy()` within `CLOSE_GRACE_MS`.
 */
import type net from 'node:net';

/** After end(), a socket that has not closed by itself is destroyed this much later. */
export const CLOSE_GRACE_MS = 1000;

export type ConnState = 'parked' | 'handshake' | 'head' | 'busy';

/** One accepted connection. */
export interface Conn {
  readonly id: number;
  readonly raw: net.Socket;
  /** Client address (`remoteAddress`), the key for fairness. */
  readonly ip: string;
  /**
   * What the connection is doing: parked (throttled: held, never read, closed at the deadline), in its
   * TLS handshake, waiting for a request head, or answering one.
   */
  state: ConnState;
  /** In the authorised pool. */
  authorised: boolean;
  /** When the current wait (handshake, head) started, ms on the table's clock. */
  since: number;
  /** raw.bytesRead when the wait started: more means a partial head. */
  bytesAtWait: number;
  /** End the connection at the HTTP level, optionally writing `data` first (the TLS socket's end for TLS). */
  end: ((data?: string) => void) | null;
  closing: boolean;
}

export interface ConnectionLimits {
  maxConnections: number;
  /** Slots of the authorised pool (the rest are unauthenticated). */
  authorisedSlots: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  socketIdleTimeoutMs: number;
}

/** Counters for the load script, tests and (later) metrics. */
export interface ConnectionStats {
  open: number;
  unauthenticated: number;
  authorised: number;
  /** Connections closed to make room for a newcomer. */
  evicted: number;
  /** Newcomers closed because every slot had a request in progress. */
  refused: number;
  /** Newcomers parked at accept because their address had too many strikes (Reputation). */
  throttled: number;
  /** Connections closed by a deadline (handshake, head, keep-alive). */
  timedOut: number;
}

const TIMEOUT_408 = 'HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';

/**
 * Strikes against client addresses, so one that keeps misbehaving (wrong passwords, handshakes or
 * request heads it never finishes, evicted slots, pipelining floods, malformed requests) stops costing
 * the CPU the scrapes need: past `limit` strikes its new connections are admitted at `ratePerSec`
 * only (the rest closed at accept, before any TLS work). Strikes decay with a half-life, so an address
 * that behaves again is soon treated as new, and an address that had an authorised request answered in
 * the last GOOD_STANDING_MS is never throttled (a scraper sharing a host with a misbehaving client).
 * A well-behaved client never collects strikes: Prometheus is not slowed down by an attacker on
 * another address, however fast that one reconnects.
 */
export class Reputation {
  static readonly MAX_ADDRESSES = 4096;
  /** Addresses with an authorised answer this recently are never throttled (a scraper on a shared host). */
  static readonly GOOD_STANDING_MS = 120_000;
  private readonly byIp = new Map<string, { score: number; at: number; tokens: number; goodUntil: number }>();

  constructor(
    private readonly now: () => number,
    readonly limit = 16,
    readonly ratePerSec = 2,
    readonly halfLifeMs = 10_000,
  ) {}

  private entry(ip: string): { score: number; at: number; tokens: number; goodUntil: number } {
    const t = this.now();
    let e = this.byIp.get(ip);
    if (!e) {
      if (this.byIp.size >= Reputation.MAX_ADDRESSES) this.forgetLeast();
      e = { score: 0, at: t, tokens: this.ratePerSec, goodUntil: 0 };
      this.byIp.set(ip, e);
      return e;
    }
    const dt = t - e.at;
    e.score *= 0.5 ** (dt / this.halfLifeMs);
    e.tokens = Math.min(this.ratePerSec, e.tokens + (dt / 1000) * this.ratePerSec);
    e.at = t;
    return e;
  }

  private forgetLeast(): void {
    let least: [string, number] | null = null;
    for (const [ip, e] of this.byIp) if (least === null || e.score < least[1]) least = [ip, e.score];
    if (least) this.byIp.delete(least[0]);
  }

  strike(ip: string, weight = 1): void {
    this.entry(ip).score += weight;
  }

  /** An authorised request from `ip` was answered. */
  good(ip: string): void {
    this.entry(ip).goodUntil = this.now() + Reputation.GOOD_STANDING_MS;
  }

  score(ip: string): number {
    return this.byIp.has(ip) ? this.entry(ip).score : 0;
  }

  /** May a new connection from `ip` be admitted now? */
  admit(ip: string): boolean {
    if (!this.byIp.has(ip)) return true;
    const e = this.entry(ip);
    if (e.score < this.limit || e.goodUntil > this.now()) return true;
    if (e.tokens < 1) return false;
    e.tokens -= 1;
    return true;
  }
}

export class ConnectionTable {
  private readonly conns = new Map<net.Socket, Conn>();
  private nextId = 1;
  private timer: NodeJS.Timeout | null = null;
  private unauth = 0;
  private auth = 0;
  private draining = false;
  readonly stats: Omit<ConnectionStats, 'open' | 'unauthenticated' | 'authorised'> = { evicted: 0, refused: 0, timedOut: 0, throttled: 0 };
  readonly reputation: Reputation;

  constructor(
    private readonly limits: ConnectionLimits,
    private readonly now: () => number = () => performance.now(),
    private readonly checkEveryMs = Math.max(50, Math.min(1000, limits.headersTimeoutMs / 4)),
  ) {
    this.reputation = new Reputation(now);
  }

  snapshot(): ConnectionStats {
    return { ...this.stats, open: this.conns.size, unauthenticated: this.unauth, authorised: this.auth };
  }

  get(raw: net.Socket): Conn | undefined {
    return this.conns.get(raw);
  }

  private get unauthSlots(): number {
    return Math.max(1, this.limits.maxConnections - this.limits.authorisedSlots);
  }

  /**
   * Take a newly accepted socket into the unauthenticated pool, evicting to make room. Returns null
   * (and destroys the socket) when no slot can be freed.
   */
  admit(raw: net.Socket, tlsHandshake: boolean): Conn | null {
    const ip = raw.remoteAddress ?? '?';
    // A throttled address's connection is parked, not refused: refused, it would be back in
    // milliseconds (a reconnect loop costs an accept each time); parked, it waits out the deadline.
    const parked = !this.reputation.admit(ip);
    if (parked) this.stats.throttled++;
    if (this.unauth >= this.unauthSlots && !this.evictOne()) {
      this.stats.refused++;
      raw.destroy();
      return null;
    }
    const conn: Conn = {
      id: this.nextId++, raw, ip, state: parked ? 'parked' : tlsHandshake ? 'handshake' : 'head', authorised: false,
      since: this.now(), bytesAtWait: 0, end: null, closing: false,
    };
    this.conns.set(raw, conn);
    this.unauth++;
    raw.once('close', () => this.forget(raw));
    this.arm();
    return conn;
  }

  private forget(raw: net.Socket): void {
    const c = this.conns.get(raw);
    if (!c) return;
    this.conns.delete(raw);
    if (c.authorised) this.auth--;
    else this.unauth--;
    if (this.conns.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.check(), this.checkEveryMs);
    this.timer.unref();
  }

  /**
   * Close a parked connection if there is one, else the oldest idle unauthenticated connection of the
   * address holding the most such slots.
   */
  private evictOne(): boolean {
    const perIp = new Map<string, Conn[]>();
    for (const c of this.conns.values()) {
      if (c.authorised || c.closing || c.state === 'busy') continue;
      if (c.state === 'parked') {
        this.stats.evicted++;
        this.destroy(c);
        return true;
      }
      const list = perIp.get(c.ip);
      if (list) list.push(c);
      else perIp.set(c.ip, [c]);
    }
    let victims: Conn[] | null = null;
    for (const list of perIp.values()) if (victims === null || list.length > victims.length) victims = list;
    const victim = victims?.reduce((a, b) => (b.since < a.since ? b : a));
    if (!victim) return false;
    this.stats.evicted++;
    this.reputation.strike(victim.ip);
    this.destroy(victim);
    return true;
  }

  /** The TLS handshake is done: the connection now waits for its first request head. */
  secured(raw: net.Socket): void {
    const c = this.conns.get(raw);
    if (c && c.state === 'handshake') c.state = 'head';
  }

  /** A request head arrived on the connection. */
  requestStarted(raw: net.Socket): void {
    const c = this.conns.get(raw);
    if (c) c.state = 'busy';
  }

  /**
   * The response is out. `authorised` says whether the request was; returns false when the connection
   * should close after this response (authorised, but that pool is full).
   */
  canKeepAlive(raw: net.Socket, authorised: boolean): boolean {
    const c = this.conns.get(raw);
    if (!c) return false;
    if (!authorised || c.authorised) return true;
    if (this.auth >= this.limits.authorisedSlots) return false;
    c.authorised = true;
    this.unauth--;
    this.auth++;
    return true;
  }

  /** The response on the connection has been written: it waits for the next head (or closes, when draining). */
  requestDone(raw: net.Socket): void {
    const c = this.conns.get(raw);
    if (!c) return;
    c.state = 'head';
    c.since = this.now();
    c.bytesAtWait = raw.bytesRead;
    if (this.draining) this.close(c);
  }

  /** Shutdown: close every connection not answering a request now, and the others once they have. */
  drain(): void {
    this.draining = true;
    for (const c of this.conns.values()) if (c.state !== 'busy') this.close(c);
  }

  /** Close now-ish: end (writing `reply` first), then destroy after the grace period whatever the peer does. */
  close(c: Conn, reply?: string): void {
    if (c.closing) return;
    c.closing = true;
    if (c.state === 'handshake' || c.state === 'parked' || !c.raw.writable) {
      c.raw.destroy();
      return;
    }
    if (c.end) c.end(reply);
    else if (reply === undefined) c.raw.end();
    else c.raw.end(reply);
    setTimeout(() => c.raw.destroy(), CLOSE_GRACE_MS).unref();
  }

  private destroy(c: Conn): void {
    c.closing = true;
    c.raw.destroy();
  }

  /** Apply the deadlines (runs every checkEveryMs while connections are open; tests call it directly). */
  check(): void {
    const now = this.now();
    for (const c of this.conns.values()) {
      if (c.closing || c.state === 'busy') continue;
      const waited = now - c.since;
      if (c.state === 'handshake' || c.state === 'parked') {
        // A socket in its TLS handshake can never be written to (nor a parked one): destroy, never end().
        if (waited > this.limits.headersTimeoutMs) {
          this.stats.timedOut++;
          this.reputation.strike(c.ip);
          this.destroy(c);
        }
        continue;
      }
      const partial = c.raw.bytesRead > c.bytesAtWait;
      const limit = c.authorised && !partial ? this.limits.keepAliveTimeoutMs : this.limits.headersTimeoutMs;
      if (waited <= limit) continue;
      this.stats.timedOut++;
      // An idle kept-alive connection closing is normal; a head never finished is a strike.
      if (partial || !c.authorised) this.reputation.strike(c.ip);
      // An idle kept-alive connection is closed silently (a 408 could be read as the answer to the
      // client's next request); a partial head gets its 408.
      this.close(c, partial ? TIMEOUT_408 : undefined);
    }
  }

  /** Every connection, for shutdown. */
  all(): Conn[] {
    return [...this.conns.values()];
  }
}
