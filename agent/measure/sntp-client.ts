/**
 * `ntp://HOST[:PORT]` — an SNTP client (RFC 4330) over UDP.
 *
 * Each request carries 8 random bytes as its transmit timestamp (as chrony does: it hides our clock and
 * makes forged or replayed replies detectable); a reply must echo them as its origin timestamp. The
 * socket is connected, so the kernel drops datagrams from any other address. A bad reply is noted and
 * we keep listening until the timeout: a forger must not be able to cut a good reply short.
 *
 * T1 and T4 are the local wall clock at send and receive, computed as monotonic + W (local-clock.ts)
 * with the same W, so a wall-clock step between them cannot corrupt the delay.
 */
import dgram from 'node:dgram';
import dns from 'node:dns/promises';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  buildRequest,
  checkReply,
  decodeReply,
  kissCode,
  NtpPacketError,
  ntpToUnixNs,
  offsetAndDelay,
} from './ntp-packet.js';
import type { LocalClock } from './local-clock.js';
import { ReferenceFailure, type Reference, type ReferenceSample } from './reference.js';
import { formatAddress } from '../util/address.js';

export const NTP_DEFAULT_PORT = 123;

/** Parse `ntp://HOST[:PORT]` (IPv6 in brackets). Returns null when the text is not of that form. */
export function parseNtpUrl(spec: string): { host: string; port: number } | null {
  const m = /^ntp:\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9._-]*)(?::(\d{1,5}))?\/?$/.exec(spec);
  if (!m) return null;
  const rawHost = m[1] as string;
  const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  const port = m[2] === undefined ? NTP_DEFAULT_PORT : Number(m[2]);
  if (!(port >= 1 && port <= 65535)) return null;
  if (rawHost.startsWith('[') && net.isIPv6(host) === false) return null;
  return { host, port };
}

export interface SntpOptions {
  host: string;
  port: number;
  /** How long to wait for a valid reply, ms. */
  timeoutMs: number;
}

export class SntpReference implements Reference {
  readonly name: string;
  readonly precision = 'about the network jitter (µs on a LAN or loopback, ms over the internet); ppm precision grows with duration';
  private socket: dgram.Socket | null = null;
  private connecting: Promise<dgram.Socket> | null = null;
  private socketError: Error | null = null;
  private listener: ((msg: Buffer) => void) | null = null;

  constructor(private readonly opt: SntpOptions) {
    this.name = `ntp://${formatAddress(opt.host, opt.port)}`;
  }

  private async open(): Promise<dgram.Socket> {
    if (this.socket) return this.socket;
    if (this.connecting) return this.connecting;
    this.connecting = (async () => {
      let address: string;
      let family: number;
      try {
        const r = net.isIP(this.opt.host) ? { address: this.opt.host, family: net.isIP(this.opt.host) } : await dns.lookup(this.opt.host);
        address = r.address;
        family = r.family;
      } catch (err) {
        throw new ReferenceFailure(`cannot resolve ${this.opt.host}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 'unavailable');
      }
      const sock = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
      sock.on('error', (err) => {
        this.socketError = err;
      });
      sock.on('message', (msg) => this.listener?.(msg));
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.connect(this.opt.port, address, () => {
          sock.off('error', reject);
          resolve();
        });
      }).catch((err: unknown) => {
        sock.close();
        throw new ReferenceFailure(`cannot reach ${this.name}: ${(err as Error).message}`, 'unavailable');
      });
      sock.unref();
      this.socket = sock;
      return sock;
    })();
    try {
      return await this.connecting;
    } finally {
      this.connecting = null;
    }
  }

  async sample(clock: LocalClock, signal?: AbortSignal): Promise<ReferenceSample> {
    const sock = await this.open();
    const nonce = randomBytes(8);
    const request = buildRequest(nonce);
    this.socketError = null;
    return new Promise<ReferenceSample>((resolve, reject) => {
      let lastRejection: string | null = null;
      let done = false;
      let m1 = 0n;
      const finish = (err: ReferenceFailure | null, value?: ReferenceSample): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearInterval(errPoll);
        signal?.removeEventListener('abort', onAbort);
        this.listener = null;
        if (err) reject(err);
        else resolve(value as ReferenceSample);
      };
      const onAbort = (): void => finish(new ReferenceFailure('aborted', 'timeout'));
      const timer = setTimeout(() => {
        finish(
          lastRejection
            ? new ReferenceFailure(`no valid reply from ${this.name} within ${this.opt.timeoutMs} ms; last reply rejected: ${lastRejection}`, 'rejected')
            : new ReferenceFailure(`no reply from ${this.name} within ${this.opt.timeoutMs} ms`, 'timeout'),
        );
      }, this.opt.timeoutMs);
      // ICMP port unreachable arrives as a socket error (ECONNREFUSED) on a connected UDP socket.
      const errPoll = setInterval(() => {
        const e = this.socketError as NodeJS.ErrnoException | null;
        if (!e) return;
        this.socketError = null;
        if (e.code === 'ECONNREFUSED') finish(new ReferenceFailure(`${this.name} refused the request (nothing listens on that port)`, 'unavailable'));
        else lastRejection = `socket error ${e.code ?? e.message}`;
      }, 20);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.listener = (msg: Buffer): void => {
        const m4 = clock.monoNs();
        if (done) return;
        let reply;
        try {
          reply = decodeReply(msg);
        } catch (err) {
          lastRejection = err instanceof NtpPacketError ? err.message : 'undecodable packet';
          return;
        }
        const verdict = checkReply(reply, nonce);
        if (!verdict.ok) {
          if (verdict.kind === 'kod') {
            if (verdict.fatal) return finish(new ReferenceFailure(`${this.name}: ${verdict.reason}`, 'denied'));
            if (verdict.rateLimited) return finish(new ReferenceFailure(`${this.name}: ${verdict.reason}`, 'rate-limited'));
          }
          lastRejection = verdict.reason;
          return;
        }
        const t1 = clock.realtimeNs(m1);
        const t4 = t1 + (m4 - m1);
        const t2 = ntpToUnixNs(reply.receive, t1);
        const t3 = ntpToUnixNs(reply.transmit, t1);
        if (t3 < t2) {
          lastRejection = 'server transmit timestamp precedes its receive timestamp';
          return;
        }
        const { offsetNs, delayNs } = offsetAndDelay(t1, t2, t3, t4);
        // A negative delay beyond rounding means the server's timestamps are not its processing time.
        if (delayNs < -1_000_000n) {
          lastRejection = `negative round-trip delay ${Number(delayNs) / 1e6} ms`;
          return;
        }
        finish(null, {
          monoNs: (m1 + m4) / 2n,
          offsetSeconds: Number(offsetNs) / 1e9,
          delaySeconds: Math.max(0, Number(delayNs) / 1e9),
          detail: {
            stratum: reply.stratum,
            version: reply.version,
            leap: reply.leap,
            referenceId: reply.stratum <= 1 ? kissCode(reply.referenceId) : Array.from(reply.referenceId).join('.'),
            rootDelaySeconds: reply.rootDelaySeconds,
            rootDispersionSeconds: reply.rootDispersionSeconds,
          },
        });
      };
      m1 = clock.monoNs();
      sock.send(request, (err) => {
        if (err) finish(new ReferenceFailure(`cannot send to ${this.name}: ${err.message}`, 'unavailable'));
      });
    });
  }

  close(): void {
    const s = this.socket;
    this.socket = null;
    this.listener = null;
    if (s) {
      try {
        s.close();
      } catch {
        // already closed
      }
    }
  }
}
