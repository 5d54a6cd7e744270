/**
 * A small SNTP server for tests and the benchmark: it serves time whose rate differs from this
 * machine's clock by a known amount, and can misbehave on purpose (short, malformed, replayed,
 * forged, kiss-o'-death, unsynchronised, silent, jumping by years) to prove the client copes.
 *
 * Served time: S = S0 + (mono − mono0)·(1 + ratePpm·1e-6), with S0 the precise wall clock at start.
 * Listens on loopback only.
 */
import dgram from 'node:dgram';
import { LocalClock } from './local-clock.js';
import { NTP_HEADER_BYTES, unixNsToNtp, writeTimestamp } from './ntp-packet.js';

export type RateServerMode =
  | 'normal'
  | 'silent'
  | 'short'
  | 'garbage'
  | 'wrong-mode'
  | 'wrong-version'
  | 'bad-origin'
  | 'zero-transmit'
  | 'stratum16'
  | 'leap3'
  | 'kod-rate'
  | 'kod-deny'
  | 'kod-rstr'
  /** Before each good reply: a stale copy of the previous reply and a forged DENY; after it, a duplicate. */
  | 'replay'
  /** After `jumpAfter` requests, serve time `jumpSeconds` (default 3 years) ahead. */
  | 'jump';

export interface RateServerOptions {
  /** How much faster the served time runs than this machine's clock, ppm. */
  ratePpm?: number;
  mode?: RateServerMode;
  jumpAfter?: number;
  jumpSeconds?: number;
  /** Port to bind (0 = any free one). */
  port?: number;
  /**
   * The clock to serve from. Pass the client's own LocalClock and both sides share one estimate of
   * REALTIME − MONOTONIC: then the served offset is exactly 0 at rate 0, and a sample's offset error is
   * bounded by half its round trip — what a test can assert on a machine of any speed.
   */
  clock?: LocalClock;
}

export interface RateServer {
  port: number;
  url: string;
  /** Requests received so far. */
  readonly requests: number;
  close(): Promise<void>;
}

export async function startRateServer(opts: RateServerOptions = {}): Promise<RateServer> {
  const ratePpm = opts.ratePpm ?? 0;
  const mode = opts.mode ?? 'normal';
  const clock = opts.clock ?? new LocalClock();
  clock.calibrate();
  const mono0 = clock.monoNs();
  const s0 = clock.realtimeNs(mono0);
  const jumpNs = BigInt(Math.round((opts.jumpSeconds ?? 3 * 365 * 86400) * 1e9));
  let requests = 0;
  let previous: Buffer | null = null;
  const served = (mono: bigint): bigint => {
    const el = mono - mono0;
    // Integer ns arithmetic: el·ratePpm/1e6 with ratePpm kept to 1e-6 ppm.
    const extra = (el * BigInt(Math.round(ratePpm * 1e6))) / 1_000_000_000_000n;
    let t = s0 + el + extra;
    if (mode === 'jump' && requests > (opts.jumpAfter ?? 5)) t += jumpNs;
    return t;
  };

  const sock = dgram.createSocket('udp4');
  sock.on('error', () => undefined);
  sock.on('message', (req, rinfo) => {
    const recvMono = clock.monoNs();
    requests++;
    if (req.length < NTP_HEADER_BYTES || mode === 'silent') return;
    const send = (b: Uint8Array): void => {
      sock.send(b, rinfo.port, rinfo.address);
    };
    if (mode === 'short') return send(Buffer.alloc(12, 0x24));
    if (mode === 'garbage') return send(Buffer.from('\x1b[31mHELLO\x07 this is not NTP at all, but it is long enough to fool a length check.'));
    const reqVersion = ((req[0] as number) >> 3) & 7;
    const out = Buffer.alloc(NTP_HEADER_BYTES);
    let leap = 0;
    let version = reqVersion;
    let pmode = 4;
    let stratum = 2;
    if (mode === 'wrong-mode') pmode = 3;
    if (mode === 'wrong-version') version = 7;
    if (mode === 'stratum16') stratum = 16;
    if (mode === 'leap3') leap = 3;
    if (mode === 'kod-rate' || mode === 'kod-deny' || mode === 'kod-rstr') stratum = 0;
    out[0] = (leap << 6) | (version << 3) | pmode;
    out[1] = stratum;
    out[2] = 4;
    out[3] = -20 & 0xff;
    out.writeUInt32BE(0x00000010, 4);
    out.writeUInt32BE(0x00000020, 8);
    if (stratum === 0) out.write(mode === 'kod-rate' ? 'RATE' : mode === 'kod-deny' ? 'DENY' : 'RSTR', 12, 'latin1');
    else out.set([127, 0, 0, 1], 12);
    writeTimestamp(out, 16, unixNsToNtp(served(recvMono) - 1_000_000_000n));
    req.copy(out, 24, 40, 48);
    if (mode === 'bad-origin') out[31] = (out[31] as number) ^ 0xff;
    writeTimestamp(out, 32, unixNsToNtp(served(recvMono)));
    if (mode !== 'zero-transmit') writeTimestamp(out, 40, unixNsToNtp(served(clock.monoNs())));
    if (mode === 'replay') {
      if (previous) send(previous);
      const forged = Buffer.from(out);
      forged[1] = 0;
      forged.write('DENY', 12, 'latin1');
      forged[30] = (forged[30] as number) ^ 0x55;
      send(forged);
      send(out);
      send(out);
      previous = out;
      return;
    }
    send(out);
  });
  const port = await new Promise<number>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(opts.port ?? 0, '127.0.0.1', () => resolve(sock.address().port));
  });
  return {
    port,
    url: `ntp://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    close: () => new Promise<void>((resolve) => sock.close(() => resolve())),
  };
}
