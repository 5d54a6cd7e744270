/**
 * Kind detection reads the head of any file a user names: it must answer (a kind or "not recognised")
 * for every input, never throw, and keep recognising real captures through harmless damage.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectKind } from '../../agent/evidence/text/detect.js';
import { arbitraryInput, mutatedSeed, runs, seeds } from './harness.js';

const RUNS = runs(1000);
const KINDS: Record<string, string> = { vbox: 'vbox-log', dmesg: 'kernel-log', cpuinfo: 'cpuinfo', timer_list: 'timer-list' };
const ALL = Object.keys(KINDS).flatMap((k) => seeds(k).map((s) => ({ ...s, kind: KINDS[k] as string })));
const HEAD = 64 * 1024;

describe('detectKind under fuzzing', () => {
  it('recognises every seed, and every seed with CRLF line ends', () => {
    for (const s of ALL) {
      expect(detectKind(s.buf.subarray(0, HEAD)).kind, s.name).toBe(s.kind);
      const crlf = Buffer.from(s.buf.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
      expect(detectKind(crlf.subarray(0, HEAD)).kind, `${s.name} CRLF`).toBe(s.kind);
    }
  });

  it(`mutated captures and arbitrary bytes: always an answer, never a throw (${RUNS} cases each)`, () => {
    const check = (buf: Buffer, label: string): void => {
      const d = detectKind(buf.subarray(0, HEAD));
      expect(d.kind === null || Object.values(KINDS).includes(d.kind) || ['current-clocksource', 'available-clocksource', 'capture-dir'].includes(d.kind), label).toBe(true);
      expect(typeof d.reason, label).toBe('string');
    };
    fc.assert(fc.property(mutatedSeed(ALL), ({ label, buf }) => check(buf, label)), { numRuns: RUNS });
    fc.assert(fc.property(arbitraryInput, (buf) => check(buf, `arbitrary ${buf.length} bytes`)), { numRuns: RUNS });
  });

  it('a head cut in the middle of a UTF-8 character is not called binary', () => {
    for (const s of ALL.filter((x) => x.buf.length > 100)) {
      const cut = Buffer.concat([s.buf.subarray(0, Math.min(s.buf.length, HEAD - 1) - 1), Buffer.from([0xe6, 0x99])]);
      expect(detectKind(cut).kind, s.name).toBe(s.kind);
    }
  });
});
