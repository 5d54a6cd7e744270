/**
 * One request in flight per connection. Node's HTTP parser reads whatever the socket delivers and
 * parses every pipelined request in a chunk at once: a client that sends 1000 `GET /metrics` in one
 * write and never reads gets 1000 requests handled and 1000 responses queued in memory (issue 15:
 * RSS 73 MB → 1.78 GB with 256 such clients). The gate sits between the socket and the parser: it
 * passes bytes through until one complete request head (`CRLF CRLF`; the agent accepts no bodies, so
 * a head is a whole request) and then holds the rest and pauses the socket until `release()` — which
 * the server calls once the response has been written out. So the parser never sees a second request
 * before the first response is flushed, and at most one read chunk per connection waits in memory.
 *
 * It is a Duplex the HTTP server treats as its socket; writes go straight to the real socket, whose
 * write callbacks (data handed to the kernel) are what makes the response's `finish` fire.
 */
import { Duplex } from 'node:stream';
import type net from 'node:net';
import type tls from 'node:tls';

/** After the last response of a connection, the socket is destroyed this much later whatever the client does. */
export const FINAL_GRACE_MS = 5_000;

const CR = 13;
const LF = 10;

/** Finds the end of a request head across chunks; empty lines before a request line are skipped (RFC 9112 §2.2). */
export class HeadScanner {
  private matched = 0;
  private content = false;

  /** Index just past the head's final CRLF CRLF in `chunk`, or -1 when the head is not complete yet. */
  scan(chunk: Buffer, from = 0): number {
    for (let i = from; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === CR) this.matched = this.matched === 0 || this.matched === 2 ? this.matched + 1 : 1;
      else if (b === LF) this.matched = this.matched === 1 || this.matched === 3 ? this.matched + 1 : 0;
      else {
        this.matched = 0;
        this.content = true;
      }
      if (this.matched === 4) {
        this.matched = 0;
        if (this.content) {
          this.content = false;
          return i + 1;
        }
      } else if (this.matched === 2 && !this.content) {
        // A bare CRLF before any request line: an empty line, ignored.
        this.matched = 0;
      }
    }
    return -1;
  }
}

/** The real socket's parts the server reads through the gate (addresses, TLS state). */
type Inner = net.Socket | tls.TLSSocket;

export class RequestGate extends Duplex {
  /** True from a complete head until release(). */
  inFlight = false;
  /** Requests that were already waiting (pipelined) when the previous response finished. */
  pipelined = 0;
  /** Bytes that arrived after the head in flight (a pipelined request), held until release(). */
  private held: Buffer[] = [];
  private readonly scanner = new HeadScanner();
  private ended = false;

  constructor(
    readonly inner: Inner,
    /** Called when a complete request head has been passed to the parser. */
    private readonly onHead: () => void = () => undefined,
  ) {
    super({ allowHalfOpen: true });
    inner.on('data', (chunk: Buffer) => this.feed(chunk));
    inner.on('end', () => {
      this.ended = true;
      if (this.held.length === 0) this.push(null);
    });
    inner.on('error', (err) => this.destroy(err));
    inner.on('close', () => this.destroy());
  }

  /** Bytes held for later (tests, accounting). */
  get heldBytes(): number {
    return this.held.reduce((n, b) => n + b.length, 0);
  }

  private feed(chunk: Buffer): void {
    if (this.inFlight) {
      this.held.push(chunk);
      this.inner.pause();
      return;
    }
    const end = this.scanner.scan(chunk);
    if (end < 0) {
      this.push(chunk);
      return;
    }
    this.inFlight = true;
    if (end < chunk.length) {
      this.held.push(chunk.subarray(end));
      this.inner.pause();
    }
    this.push(chunk.subarray(0, end));
    this.onHead();
  }

  /** The response to the request in flight is out: let the next request (held or still to come) through. */
  release(): void {
    if (!this.inFlight || this.destroyed) return;
    this.inFlight = false;
    const held = this.held;
    this.held = [];
    if (held.length > 0) this.pipelined++;
    for (let i = 0; i < held.length; i++) {
      if (this.inFlight) {
        this.held.push(...held.slice(i));
        return;
      }
      this.feed(held[i]!);
    }
    if (this.inFlight) return;
    if (this.ended) this.push(null);
    else this.inner.resume();
  }

  override _read(): void {
    if (!this.inFlight && !this.ended) this.inner.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.inner.destroyed) {
      cb(new Error('socket closed'));
      return;
    }
    this.inner.write(chunk, (err) => cb(err ?? null));
  }

  override _final(cb: (err?: Error | null) => void): void {
    // The last response is written; a client that does not read it (or never closes) must not hold
    // the socket past a grace period.
    const inner = this.inner;
    inner.end();
    setTimeout(() => inner.destroy(), FINAL_GRACE_MS).unref();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.held = [];
    this.inner.destroy();
    cb(err);
  }

  // The parts of net.Socket that Node's HTTP server and our handler use.
  get remoteAddress(): string | undefined {
    return this.inner.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.inner.remotePort;
  }
  get localAddress(): string | undefined {
    return this.inner.localAddress;
  }
  get localPort(): number | undefined {
    return this.inner.localPort;
  }
  get encrypted(): boolean {
    return (this.inner as tls.TLSSocket).encrypted === true;
  }
  get authorized(): boolean {
    return (this.inner as tls.TLSSocket).authorized === true;
  }
  getPeerCertificate(detailed?: boolean): ReturnType<tls.TLSSocket['getPeerCertificate']> | Record<string, never> {
    const t = this.inner as tls.TLSSocket;
    return typeof t.getPeerCertificate === 'function' ? t.getPeerCertificate(detailed === true) : {};
  }
  /** Timeouts are the connection table's (connections.ts); Node's own per-socket timers stay off. */
  setTimeout(): this {
    return this;
  }
  setNoDelay(noDelay?: boolean): this {
    this.inner.setNoDelay(noDelay);
    return this;
  }
  setKeepAlive(enable?: boolean, delay?: number): this {
    this.inner.setKeepAlive(enable, delay);
    return this;
  }
  destroySoon(): void {
    this.end();
  }
}
