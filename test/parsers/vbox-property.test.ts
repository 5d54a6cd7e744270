/**
 * The VBox.log parser on arbitrary input: strings, byte buffers, and real lines cut and mixed at
 * random. It may only ever throw ParseError (it never needs to), and always returns facts.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../agent/errors.js';
import { LineSplitter, parseText } from '../../agent/evidence/text/lines.js';
import { createVboxParser, looksLikeVboxLog } from '../../agent/evidence/vbox/parser.js';

const FIXTURE = path.resolve(import.meta.dirname, '..', 'fixtures', 'vbox', 'v7.0.20-linux-intel-kvm-virttsc-thomasrbm.log.1');
const REAL_LINES = fs.readFileSync(FIXTURE, 'utf8').split('\n').filter((l) => /TM|GIM|Hst|Gst|CFGM|\[\/|  |VMMDev|Pausing|Resuming/.test(l));

function onlyParseErrors(run: () => unknown): void {
  try {
    const facts = run();
    expect(facts).toBeTypeOf('object');
  } catch (err) {
    expect(err).toBeInstanceOf(ParseError);
  }
}

describe('VBox.log parser on arbitrary input', () => {
  it('strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), (s) => {
      onlyParseErrors(() => parseText(createVboxParser(), s));
      expect(typeof looksLikeVboxLog(s)).toBe('boolean');
    }), { numRuns: 500 });
  });

  it('byte buffers, split into random chunks', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4000 }), fc.integer({ min: 1, max: 97 }), (bytes, chunk) => {
      onlyParseErrors(() => {
        const p = createVboxParser();
        const s = new LineSplitter(p);
        const buf = Buffer.from(bytes);
        for (let i = 0; i < buf.length; i += chunk) s.write(buf, i, Math.min(buf.length, i + chunk));
        s.end();
        return p.finish();
      });
    }), { numRuns: 300 });
  });

  it('real VBox.log lines truncated, mutated and shuffled', () => {
    const line = fc.tuple(fc.constantFrom(...REAL_LINES), fc.nat(300), fc.string({ maxLength: 8 }), fc.constantFrom('', '\r', ' ', '[/COLOR]'))
      .map(([l, cut, junk, tail]) => `${l.slice(0, cut)}${junk}${tail}`);
    fc.assert(fc.property(fc.array(line, { maxLength: 60 }), (lines) => {
      onlyParseErrors(() => parseText(createVboxParser(), lines.join('\n')));
    }), { numRuns: 300 });
  });
});

describe('hostile lines stay linear', () => {
  const cases: Record<string, string> = {
    'a head of blank lines': '\n'.repeat(64 * 1024),
    'GIP mode without a closing parenthesis': `00:00:00.000000 TM: GIP - u32Mode=1 (${' '.repeat(60_000)}`,
    'extradata key full of =': `00:00:00.000000   VBoxInternal/a${'="'.repeat(30_000)}`,
    'a line of BBCode closers': `00:00:00.000000 TM: x${'[/a]'.repeat(15_000)}x]`,
    'grouped digits without unit': `00:00:00.000000 TM: Giving up catch-up attempt at a ${'1 '.repeat(30_000)}`,
    'cTSCTicksPerSecond with endless digits': `00:00:00.000000 TM: cTSCTicksPerSecond=${'1 '.repeat(30_000)}`,
    'quoting prefixes': `${'> '.repeat(30_000)}00:00:00.000000 TM: x`,
  };
  it.each(Object.entries(cases))('%s', (_name, text) => {
    // Backtracking blow-ups on these lines take minutes to forever; a linear parser takes milliseconds.
    // The test's own limit tells them apart on any machine; the speed itself is `npm run bench -- parsers-linear`.
    const lines = `${text}\n`.repeat(20);
    parseText(createVboxParser(), lines);
    looksLikeVboxLog(lines.slice(0, 64 * 1024));
  });
});

/** Every number anywhere in `v` (facts) is finite and exact (|n| ≤ 2^53 − 1 for integers). */
function allNumbersSafe(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER;
  if (Array.isArray(v)) return v.every(allNumbersSafe);
  if (v !== null && typeof v === 'object') return Object.values(v).every(allNumbersSafe);
  return true;
}

describe('numbers in the facts are exact', () => {
  it('real lines with every digit run replaced by long or odd digits', () => {
    const digits = fc.oneof(fc.stringMatching(/^\d{1,40}$/), fc.constantFrom('0', '1', '00', '18446744073709551615', '9007199254740993'));
    const line = fc.tuple(fc.constantFrom(...REAL_LINES), fc.array(digits, { minLength: 1, maxLength: 8 }))
      .map(([l, ds]) => { let i = 0; return l.replace(/(?<=[=( ]|0x)\d+|\d+(?=\(\*\))/g, () => ds[i++ % ds.length]!); });
    fc.assert(fc.property(fc.array(line, { maxLength: 40 }), (lines) => {
      const facts = parseText(createVboxParser(), lines.join('\n'));
      expect(allNumbersSafe(facts)).toBe(true);
    }), { numRuns: 300 });
  });

  it('hand-made extremes', () => {
    const facts = parseText(createVboxParser(), [
      '00:00:00.000001 TM: cTSCTicksPerSecond=99999999999999999999 (0xffffffffffffffffff) enmTSCMode=1 (VirtTscEmulated) TSCMultiplier=99999999999999999999',
      '00:00:00.000002 TM: GIP - CPU: iCpuSet=0x0 idCpu=0x0 idApic=0x0 iGipCpu=0x5 i64TSCDelta=0 enmState=3 u64CpuHz=99999999999999999999(*) cErrors=0',
      '00:00:00.000003 GIM: KVM: VCPU  0: Enabled system-time struct. at 0x0 - u32TscScale=0x1 i8TscShift=-32 uVersion=2 TscKHz=99999999999999999999',
      '00:00:00.000004 Hst: 00000015/0000  00000001 ffffffff ffffffff 00000000',
      '00:00:00.000005 Full Name: "X @ 99999999999999999999.99GHz"',
      '00:00:00.000006 TM: Giving up catch-up attempt at a 99 999 999 999 999 999 999 ns lag; new total: 1 ns',
    ].join('\n'));
    expect(allNumbersSafe(facts)).toBe(true);
    expect(facts.tscTicksPerSecond).toBeNull();
    expect(facts.cpuidTscTicksPerSecond).toBeNull();
    expect(facts.brandNominalHz).toBeNull();
    expect(facts.gimKvmSystemTime[0]?.impliedHz).toBeNull();
  });
});
