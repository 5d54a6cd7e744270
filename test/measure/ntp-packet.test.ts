import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buildRequest,
  checkReply,
  decodeReply,
  NtpPacketError,
  ntpToUnixNs,
  offsetAndDelay,
  unixNsToNtp,
  writeTimestamp,
  type NtpReply,
} from '../../agent/measure/ntp-packet.js';

const NONCE = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);

function reply(over: Partial<{ b0: number; stratum: number; refId: string; origin: Uint8Array; zeroTx: boolean; zeroRx: boolean; rootDisp: number }> = {}): NtpReply {
  const p = new Uint8Array(48);
  p[0] = over.b0 ?? ((0 << 6) | (4 << 3) | 4);
  p[1] = over.stratum ?? 2;
  new DataView(p.buffer).setUint32(8, over.rootDisp ?? 0x10);
  if (over.refId) p.set(Array.from(over.refId, (c) => c.charCodeAt(0)), 12);
  p.set(over.origin ?? NONCE, 24);
  if (!over.zeroRx) writeTimestamp(p, 32, unixNsToNtp(1_700_000_000_000_000_000n));
  if (!over.zeroTx) writeTimestamp(p, 40, unixNsToNtp(1_700_000_000_000_100_000n));
  return decodeReply(p);
}

describe('NTP timestamps', () => {
  it('converts the Unix epoch and a known date exactly', () => {
    expect(unixNsToNtp(0n)).toEqual({ seconds: 2_208_988_800, fraction: 0 });
    // 0.5 s is fraction 2^31.
    expect(unixNsToNtp(1_500_000_000n)).toEqual({ seconds: 2_208_988_801, fraction: 2 ** 31 });
    expect(ntpToUnixNs({ seconds: 2_208_988_801, fraction: 2 ** 31 }, 0n)).toBe(1_500_000_000n);
  });

  it('picks the era nearest our clock, so 2036 wraps correctly', () => {
    // 2036-02-07T06:28:16Z is NTP era 1 second 0.
    const wrapUnix = 2n ** 32n - 2_208_988_800n;
    const justAfter = unixNsToNtp((wrapUnix + 10n) * 1_000_000_000n);
    expect(justAfter.seconds).toBe(10);
    expect(ntpToUnixNs(justAfter, wrapUnix * 1_000_000_000n)).toBe((wrapUnix + 10n) * 1_000_000_000n);
    // From 1970 the 2036 reading is nearer (66 years) than the 1900 one (70 years).
    expect(ntpToUnixNs(justAfter, 0n)).toBe((wrapUnix + 10n) * 1_000_000_000n);
    // Only a pivot near 1900 reads the same wire value as 1900 + 10 s.
    expect(ntpToUnixNs(justAfter, -2_100_000_000n * 1_000_000_000n)).toBe((10n - 2_208_988_800n) * 1_000_000_000n);
  });

  it('round-trips any time within ±60 years of the pivot to the nanosecond', () => {
    const pivot = 1_800_000_000_000_000_000n;
    fc.assert(
      fc.property(fc.bigInt({ min: -60n * 31_557_600n * 1_000_000_000n, max: 60n * 31_557_600n * 1_000_000_000n }), (d) => {
        const t = pivot + d;
        const back = ntpToUnixNs(unixNsToNtp(t), pivot);
        expect(back - t <= 1n && t - back <= 1n).toBe(true);
      }),
    );
  });

  it('computes offset and delay as RFC 4330 section 5 does', () => {
    // Client sends at 10 s, server receives at 20.1 s and replies at 20.2 s, client receives at 10.5 s.
    const s = 1_000_000_000n;
    const r = offsetAndDelay(10n * s, 20_100_000_000n, 20_200_000_000n, 10_500_000_000n);
    expect(r.delayNs).toBe(400_000_000n);
    expect(r.offsetNs).toBe(9_900_000_000n);
  });
});

describe('NTP packets', () => {
  it('builds a v4 client request carrying the nonce as transmit timestamp', () => {
    const p = buildRequest(NONCE);
    expect(p.length).toBe(48);
    expect(p[0]).toBe(0x23);
    expect(Array.from(p.slice(40))).toEqual(Array.from(NONCE));
  });

  it('rejects short packets with a clear message', () => {
    expect(() => decodeReply(new Uint8Array(12))).toThrow(NtpPacketError);
    expect(() => decodeReply(new Uint8Array(47))).toThrow(/short packet: 47 bytes/);
  });

  it('accepts a good reply', () => {
    expect(checkReply(reply(), NONCE)).toEqual({ ok: true });
  });

  it.each([
    ['wrong mode', { b0: (4 << 3) | 3 }, /wrong mode 3/],
    ['bad version', { b0: (7 << 3) | 4 }, /unsupported NTP version 7/],
    ['origin mismatch', { origin: Uint8Array.from([9, 9, 9, 9, 9, 9, 9, 9]) }, /origin timestamp does not match/],
    ['leap 3', { b0: (3 << 6) | (4 << 3) | 4 }, /leap indicator 3/],
    ['stratum 16', { stratum: 16 }, /stratum 16/],
    ['zero transmit', { zeroTx: true }, /zero transmit/],
    ['zero receive', { zeroRx: true }, /zero receive/],
    ['root dispersion', { rootDisp: 20 * 65536 }, /root distance/],
  ])('rejects %s', (_name, over, msg) => {
    const v = checkReply(reply(over), NONCE);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.kind).toBe('reject');
      expect(v.reason).toMatch(msg);
    }
  });

  it('honours kiss-o-death codes only when they answer our request', () => {
    const deny = checkReply(reply({ stratum: 0, refId: 'DENY' }), NONCE);
    expect(deny).toMatchObject({ ok: false, kind: 'kod', code: 'DENY', fatal: true, rateLimited: false });
    expect(checkReply(reply({ stratum: 0, refId: 'RSTR' }), NONCE)).toMatchObject({ kind: 'kod', fatal: true });
    expect(checkReply(reply({ stratum: 0, refId: 'RATE' }), NONCE)).toMatchObject({ kind: 'kod', fatal: false, rateLimited: true });
    expect(checkReply(reply({ stratum: 0, refId: 'INIT' }), NONCE)).toMatchObject({ kind: 'kod', fatal: false, rateLimited: false });
    // A forged DENY that does not echo our nonce is just a bad packet.
    const forged = checkReply(reply({ stratum: 0, refId: 'DENY', origin: new Uint8Array(8) }), NONCE);
    expect(forged).toMatchObject({ ok: false, kind: 'reject' });
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 120 }), (bytes) => {
        try {
          const r = decodeReply(bytes);
          checkReply(r, NONCE);
        } catch (err) {
          expect(err).toBeInstanceOf(NtpPacketError);
        }
      }),
    );
  });
});
