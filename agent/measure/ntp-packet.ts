/**
 * NTP/SNTP packets (RFC 4330, RFC 5905 header): build a client request, decode a reply, decide whether a
 * reply can be trusted, and compute offset and delay. Pure: no sockets, no clock.
 *
 * Times are bigint nanoseconds since the Unix epoch, so 64-bit NTP timestamps (233 ps resolution) keep
 * their precision: a double holding Unix seconds would round to ~0.24 µs.
 */

/** Seconds from the NTP prime epoch (1900-01-01) to the Unix epoch (1970-01-01). */
export const NTP_UNIX_DELTA_SECONDS = 2_208_988_800n;
const ERA = 1n << 32n;
const NS = 1_000_000_000n;
/** An NTP header is 48 bytes; extension fields and a MAC may follow and are ignored. */
export const NTP_HEADER_BYTES = 48;
/** RFC 5905 MAXDISP: a server whose root distance exceeds this is not a usable reference. */
export const MAX_ROOT_DISTANCE_SECONDS = 16;

/** A raw 64-bit NTP timestamp: 32-bit seconds since the start of its era, 32-bit fraction. */
export interface NtpTimestamp {
  seconds: number;
  fraction: number;
}

/** The fields of a decoded NTP header. */
export interface NtpReply {
  /** Leap indicator: 0 none, 1 +1 s, 2 −1 s, 3 alarm (server clock unsynchronised). */
  leap: number;
  version: number;
  /** 3 client, 4 server, 5 broadcast. */
  mode: number;
  /** 0 = kiss-o'-death (RFC 4330 §8), 1 primary, 2–15 secondary, 16 unsynchronised. */
  stratum: number;
  poll: number;
  precision: number;
  rootDelaySeconds: number;
  rootDispersionSeconds: number;
  /** The 4 reference-id bytes: a kiss code or clock name (ASCII) at stratum 0–1, an address above. */
  referenceId: Uint8Array;
  reference: NtpTimestamp;
  origin: NtpTimestamp;
  receive: NtpTimestamp;
  transmit: NtpTimestamp;
}

/** Why a reply was not used. `kod` carries the kiss code; DENY and RSTR mean "stop asking". */
export type ReplyVerdict =
  | { ok: true }
  | { ok: false; kind: 'kod'; code: string; fatal: boolean; rateLimited: boolean; reason: string }
  | { ok: false; kind: 'reject'; reason: string };

/** A packet that is not an NTP header at all. */
export class NtpPacketError extends Error {
  override readonly name = 'NtpPacketError';
}

/** Build a version-4 client request whose transmit timestamp is `nonce` (echoed back as the reply's origin). */
export function buildRequest(nonce: Uint8Array): Uint8Array {
  if (nonce.length !== 8) throw new RangeError('the nonce must be 8 bytes');
  const buf = new Uint8Array(NTP_HEADER_BYTES);
  buf[0] = (0 << 6) | (4 << 3) | 3;
  buf.set(nonce, 40);
  return buf;
}

/** Decode the 48-byte header of a reply; throws NtpPacketError for anything shorter. */
export function decodeReply(packet: Uint8Array): NtpReply {
  if (packet.length < NTP_HEADER_BYTES) {
    throw new NtpPacketError(`short packet: ${packet.length} bytes (an NTP header has ${NTP_HEADER_BYTES})`);
  }
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const b0 = view.getUint8(0);
  const ts = (at: number): NtpTimestamp => ({ seconds: view.getUint32(at), fraction: view.getUint32(at + 4) });
  return {
    leap: b0 >> 6,
    version: (b0 >> 3) & 7,
    mode: b0 & 7,
    stratum: view.getUint8(1),
    poll: view.getInt8(2),
    precision: view.getInt8(3),
    // NTP short format: 16.16 fixed point, unsigned.
    rootDelaySeconds: view.getUint32(4) / 65536,
    rootDispersionSeconds: view.getUint32(8) / 65536,
    referenceId: packet.slice(12, 16),
    reference: ts(16),
    origin: ts(24),
    receive: ts(32),
    transmit: ts(40),
  };
}

/** The kiss code of a stratum-0 reply (4 ASCII characters), with anything unprintable shown as `?`. */
export function kissCode(refId: Uint8Array): string {
  return Array.from(refId, (c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '?')).join('');
}

const isZero = (t: NtpTimestamp): boolean => t.seconds === 0 && t.fraction === 0;

function sameBytes(t: NtpTimestamp, nonce: Uint8Array): boolean {
  if (nonce.length !== 8) return false;
  const v = new DataView(nonce.buffer, nonce.byteOffset, 8);
  return v.getUint32(0) === t.seconds && v.getUint32(4) === t.fraction;
}

/**
 * Decide whether a reply answers our request and can be used (RFC 4330 §5, with RFC 5905's sanity tests).
 * Order matters: a kiss-o'-death is only honoured when it echoes our nonce, so nobody can silence us
 * by spraying forged DENY packets.
 */
export function checkReply(reply: NtpReply, nonce: Uint8Array): ReplyVerdict {
  if (reply.mode !== 4) return { ok: false, kind: 'reject', reason: `wrong mode ${reply.mode} (a server reply has mode 4)` };
  if (reply.version < 1 || reply.version > 4) return { ok: false, kind: 'reject', reason: `unsupported NTP version ${reply.version}` };
  if (!sameBytes(reply.origin, nonce)) {
    return { ok: false, kind: 'reject', reason: 'origin timestamp does not match our request (a stale, replayed or forged reply)' };
  }
  if (reply.stratum === 0) {
    const code = kissCode(reply.referenceId);
    const fatal = code === 'DENY' || code === 'RSTR';
    const rateLimited = code === 'RATE';
    const what = fatal ? 'the server refuses to serve us' : rateLimited ? 'the server asks us to poll less often' : 'the server is not ready';
    return { ok: false, kind: 'kod', code, fatal, rateLimited, reason: `kiss-o'-death ${code}: ${what}` };
  }
  if (reply.leap === 3) return { ok: false, kind: 'reject', reason: 'the server clock is not synchronised (leap indicator 3)' };
  if (reply.stratum >= 16) return { ok: false, kind: 'reject', reason: `the server clock is not synchronised (stratum ${reply.stratum})` };
  if (isZero(reply.transmit)) return { ok: false, kind: 'reject', reason: 'zero transmit timestamp' };
  if (isZero(reply.receive)) return { ok: false, kind: 'reject', reason: 'zero receive timestamp' };
  if (reply.rootDelaySeconds / 2 + reply.rootDispersionSeconds > MAX_ROOT_DISTANCE_SECONDS) {
    return { ok: false, kind: 'reject', reason: `root distance over ${MAX_ROOT_DISTANCE_SECONDS} s (the server's own time is too uncertain)` };
  }
  return { ok: true };
}

/**
 * NTP timestamp → Unix ns, choosing the era (136-year wrap) that puts it closest to `pivotUnixNs`
 * (our own clock), as RFC 5905 §6 does; this keeps working past 2036.
 */
export function ntpToUnixNs(t: NtpTimestamp, pivotUnixNs: bigint): bigint {
  const pivotNtpSeconds = pivotUnixNs / NS + NTP_UNIX_DELTA_SECONDS;
  const s = BigInt(t.seconds >>> 0);
  // Nearest era: round((pivot − s) / 2^32).
  const diff = pivotNtpSeconds - s;
  let era = diff / ERA;
  const rem = diff - era * ERA;
  if (rem > ERA / 2n) era += 1n;
  else if (rem < -ERA / 2n) era -= 1n;
  const fracNs = (BigInt(t.fraction >>> 0) * NS + ERA / 2n) >> 32n;
  return (s + era * ERA - NTP_UNIX_DELTA_SECONDS) * NS + fracNs;
}

/** Unix ns → NTP timestamp (era dropped, as on the wire). */
export function unixNsToNtp(unixNs: bigint): NtpTimestamp {
  const ntpNs = unixNs + NTP_UNIX_DELTA_SECONDS * NS;
  let secs = ntpNs / NS;
  let rem = ntpNs - secs * NS;
  if (rem < 0n) {
    secs -= 1n;
    rem += NS;
  }
  let fraction = ((rem << 32n) + NS / 2n) / NS;
  if (fraction >= ERA) {
    fraction -= ERA;
    secs += 1n;
  }
  return { seconds: Number(((secs % ERA) + ERA) % ERA), fraction: Number(fraction) };
}

/** Write a timestamp at `at` in a packet. */
export function writeTimestamp(packet: Uint8Array, at: number, t: NtpTimestamp): void {
  const v = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  v.setUint32(at, t.seconds >>> 0);
  v.setUint32(at + 4, t.fraction >>> 0);
}

/** Offset θ (server − client) and round-trip delay δ from the four timestamps (RFC 4330 §5), in ns. */
export function offsetAndDelay(t1: bigint, t2: bigint, t3: bigint, t4: bigint): { offsetNs: bigint; delayNs: bigint } {
  return { offsetNs: (t2 - t1 + (t3 - t4)) / 2n, delayNs: t4 - t1 - (t3 - t2) };
}
