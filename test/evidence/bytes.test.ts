/**
 * The byte helpers of the `wants` pre-filters (agent/evidence/text/bytes.ts) say on raw UTF-8 what
 * the string functions `push` uses say on the decoded line.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { afterIsoStamp, skipSpace, spaceAt, startsWithMonth } from '../../agent/evidence/text/bytes.js';

describe('spaceAt / skipSpace', () => {
  it('take exactly the characters trim() and \\s remove, over every code point of the BMP and some beyond', () => {
    const wrong: string[] = [];
    const points = [...Array.from({ length: 0x10000 }, (_, c) => c).filter((c) => c < 0xd800 || c > 0xdfff), 0x1f600, 0x10ffff];
    for (const c of points) {
      const ch = String.fromCodePoint(c);
      const b = Buffer.from(`${ch}x`, 'utf8');
      const space = ch.trim() === '';
      expect(/\s/.test(ch)).toBe(space);
      if (spaceAt(b, 0, b.length) !== (space ? b.length - 1 : 0)) wrong.push(c.toString(16));
    }
    expect(wrong).toEqual([]);
  });

  it('skipSpace stops where trimStart() does, on any bytes (invalid UTF-8 too; seeded)', () => {
    const unit = fc.constantFrom(0x20, 0x09, 0x0b, 0x0c, 0x0d, 0xc2, 0xa0, 0xe2, 0x80, 0x8a, 0xa8, 0xaf, 0x81, 0x9f, 0xe1, 0x9a, 0xe3, 0xef, 0xbb, 0xbf, 0x41, 0x5b);
    fc.assert(fc.property(fc.array(unit, { maxLength: 12 }), (bytes) => {
      const b = Buffer.from(bytes);
      const at = skipSpace(b, 0, b.length);
      const decoded = b.toString('utf8');
      expect(b.toString('utf8', at)).toBe(decoded.trimStart());
    }), { numRuns: 20000 });
  });

  it('never reads past the end it is given', () => {
    const b = Buffer.from('\u00a0\u00a0', 'utf8');
    expect(skipSpace(b, 0, 3)).toBe(2);
    expect(spaceAt(b, 2, 3)).toBe(0);
    expect(skipSpace(b, 0, 0)).toBe(0);
  });
});

describe('stamp helpers', () => {
  const b = (s: string): Buffer => Buffer.from(s, 'utf8');
  it('afterIsoStamp ends after the fraction and zone of every ISO shape the logs write, -1 on anything else', () => {
    const cases: [string, string][] = [
      ['2014-08-17T15:14:38.716+01:00| vmx|', '| vmx|'], ['2023-09-04T18:43:24.698Z In(05) vmx', ' In(05) vmx'],
      ['2018-02-22 21:17:38,517+0100 h', ' h'], ['2018-02-22T21:17:38 h', ' h'], ['2018-02-22T21:17:38.5', ''],
    ];
    for (const [line, rest] of cases) {
      const x = b(line);
      const i = afterIsoStamp(x, 0, x.length);
      expect(x.toString('utf8', i), line).toBe(rest);
    }
    for (const line of ['[    0.000000] x', 'Oct 03 19:52:41 h', '2018-02-22', '20180222T211738 host x']) expect(afterIsoStamp(b(line), 0, b(line).length), line).toBe(-1);
  });

  it('startsWithMonth takes the twelve English months with their blank, nothing else', () => {
    expect(['Jan  1', 'Dec 31', ' Oct  3'].every((l) => startsWithMonth(b(l), 0, b(l).length))).toBe(true);
    expect(['Janus', 'Marvell', 'mar 3', '[ 1.0]'].some((l) => startsWithMonth(b(l), 0, b(l).length))).toBe(false);
  });
});
