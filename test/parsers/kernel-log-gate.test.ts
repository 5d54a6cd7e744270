/**
 * The kernel log's byte gate (kernel-log/gate.ts, prefix.ts splitPrefixBytes, the parser's `wants`)
 * must change nothing but speed. Proven without an old code path: the gate is sound (every line a
 * rule could read passes it), the byte split says what the string split says whenever it says
 * anything, and the parser gives the same facts and recognised count with `wants` as without it (then
 * every line is decoded and pushed) on every fixture, concatenations, CRLF, odd chunkings and
 * generated lines. Seeds are fixed; fast-check prints the failing case and seed.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createKernelLogParser, KERNEL_LOG_LITERALS } from '../../agent/evidence/kernel-log/parser.js';
import { gateAnchors, gateLine, GATE_NONE } from '../../agent/evidence/kernel-log/gate.js';
import { GATE } from '../../agent/evidence/kernel-log/rules.js';
import { hasKernelPrefix, splitPrefix, splitPrefixBytes, type ByteSplit } from '../../agent/evidence/kernel-log/prefix.js';
import { LineSplitter, parseText } from '../../agent/evidence/text/lines.js';
import { borrowChunk, returnChunk, SCAN_CHUNK } from '../../agent/evidence/text/line-scan.js';
import { ROOT } from '../helpers/cli.js';
import { fixtureLines } from '../helpers/fixture-lines.js';

const FIX = path.join(ROOT, 'test', 'fixtures');
const DMESG = fs.readdirSync(path.join(FIX, 'dmesg')).filter((f) => f.endsWith('.txt')).sort().map((f) => fs.readFileSync(path.join(FIX, 'dmesg', f), 'utf8'));

/** Every line of every text fixture (kernel logs and all the other kinds: a wide sample of real lines). */
const LINES = fixtureLines('test/fixtures');

const hasLiteral = (s: string): boolean => { GATE.lastIndex = 0; return GATE.test(s); };
const gate = (s: string): boolean => { const b = Buffer.from(s, 'utf8'); return gateLine(b, 0, b.length) !== GATE_NONE; };

describe('the literal gate', () => {
  it('is derived from the rule table: every literal has an anchor inside it', () => {
    const anchors = gateAnchors();
    expect(anchors.map((a) => a.literal).sort()).toEqual([...KERNEL_LOG_LITERALS].sort());
    for (const a of anchors) expect(a.offset + 2).toBeLessThanOrEqual(a.literal.length);
  });

  it(`passes every fixture line a rule could read (${LINES.length} lines)`, () => {
    const missed = LINES.filter((l) => hasLiteral(l) && !gate(l));
    expect(missed).toEqual([]);
    // It is a gate, not a pass-all: most lines of the kernel logs are settled on their bytes.
    const kernel = DMESG.join('\n').split('\n');
    expect(kernel.filter((l) => !gate(l)).length / kernel.length).toBeGreaterThan(0.6);
  });

  it('passes generated lines with literals at any position, between any bytes (seeded)', () => {
    const filler = fc.string({ unit: fc.constantFrom(...'ab TSC[]:.0\\#x\u00e9-_'.split('')), maxLength: 40 });
    fc.assert(fc.property(filler, fc.constantFrom(...KERNEL_LOG_LITERALS), filler, fc.boolean(), (a, lit, b, upper) => {
      const mixed = upper ? lit.toUpperCase() : lit;
      const line = `${a}${mixed}${b}`;
      // Sound: a literal present means the gate passes (changed case may or may not still be one).
      if (hasLiteral(line)) expect(gate(line)).toBe(true);
    }), { seed: 1301, numRuns: 4000 });
  });
});

describe('the byte prefix split', () => {
  const split: ByteSplit = { shape: 'plain', msgStart: 0, msgEmpty: true, tsZero: false, tsAboveOne: false, kernelPrefix: false };
  /** When the byte path answers, it answers as splitPrefix/hasKernelPrefix do. */
  const agrees = (line: string): boolean => {
    const b = Buffer.from(line, 'utf8');
    if (b.includes(92) || !splitPrefixBytes(b, 0, b.length, split)) return true; // string path
    const sp = splitPrefix(line);
    const msg = b.toString('utf8', split.msgStart).trimEnd();
    const ok = sp.shape === split.shape && sp.msg === msg && sp.tsZero === split.tsZero && ((sp.ts ?? 0) >= 1) === split.tsAboveOne
      && hasKernelPrefix(line, sp) === split.kernelPrefix && (split.shape !== 'plain' || (sp.msg === '') === split.msgEmpty);
    if (!ok) process.stdout.write(`disagree: ${JSON.stringify(line)} ${JSON.stringify(split)} ${JSON.stringify(sp)}\n`);
    return ok;
  };

  it('agrees with the string split on every fixture line', () => {
    expect(LINES.filter((l) => !agrees(l))).toEqual([]);
  });

  it('agrees on generated prefixes of every shape (seeded)', () => {
    const part = fc.constantFrom('[    0.000000] ', '[ 12.5]', '[1.0]  ', '[ T12] ', '[C1]', 'kernel: ', 'host kernel: ', 'kernel[3]: ', 'Mar 22 18:26:13 ', 'Mar  2 18:26:13 ',
      'Mar 2 18:26:13\t', 'Tue Mar  8 13:19:34 2022 ', 'Mar 22 18:26:13.5 ', 'Mar 22 18:26:13 CET ', 'Mar 22 18:26:13 1234 ', 'h ', 'a b c: ', 'kern  :info  : ',
      'kern:warn :\t', '<6>', '<1234>', '6,339,5140900,-;', '4,1,0,c,x;', '12,3,99999999999999999,-;', 'x: ', 'ACPI: ', ' ', '\u00a0', ':', '[', ']', '0', 'Linux', '  ', '\t', 'é');
    fc.assert(fc.property(fc.array(part, { maxLength: 6 }), (parts) => agrees(parts.join(''))), { seed: 1302, numRuns: 6000 });
  });
});

/** Facts and recognised count of `text`, with the parser's `wants` or without it (every line decoded). */
function run(text: string, withWants: boolean, piece = 0): string {
  const p = createKernelLogParser('t');
  if (!withWants) delete (p as { wants?: unknown }).wants;
  if (piece === 0) {
    const f = parseText(p, text);
    return JSON.stringify([f, p.recognised()]);
  }
  // Through the scanner's chunk in pieces, as a file is read.
  const bytes = Buffer.from(text, 'utf8');
  const chunk = borrowChunk();
  const splitter = new LineSplitter(p);
  try {
    for (let i = 0; i < bytes.length; i += piece) {
      const n = Math.min(piece, bytes.length - i, SCAN_CHUNK);
      if (chunk !== null) { bytes.copy(chunk, 0, i, i + n); splitter.write(chunk, 0, n); } else splitter.write(bytes.subarray(i, i + n));
    }
    splitter.end();
  } finally {
    returnChunk(chunk);
  }
  return JSON.stringify([p.finish(), p.recognised()]);
}

describe('the parser with its gate', () => {
  it('gives the same facts as without it on every corpus kernel log', () => {
    for (const t of DMESG) expect(run(t, true)).toBe(run(t, false));
  });

  it('and on concatenations (boots), CRLF and chunk boundaries anywhere', () => {
    const all = DMESG.join('');
    expect(run(all, true)).toBe(run(all, false));
    const crlf = DMESG.join('\n').replace(/\n/g, '\r\n');
    expect(run(crlf, true)).toBe(run(crlf, false));
    for (const piece of [997, 65536]) expect(run(all, true, piece)).toBe(run(all, false));
  });

  it('and on generated logs: wrapped continuations, stamps back at zero, settled lines between (seeded)', () => {
    const line = fc.constantFrom(
      '[    0.000000] Linux version 5.4.0 (b@h) #1', '[    0.000000] Initializing cgroup subsys cpu', '[    2.500000] random: crng init done', '[    0.000000] no literal here',
      '[    3.100000] clocksource: Switched to clocksource tsc', '    continued text', '  source tsc', 'Switched to clock', '[    1.0] Linux', '  version 4.4.0 (x@y)',
      'Mar 22 18:26:13 h kernel: [    5.0] pci 0000:00:01.0', 'Mar 22 18:26:13 h systemd[1]: Started', 'Mar 22 18:26:13 h kernel: Command line: ro',
      '-- Boot 3f2a --', '6,1,0,-;Linux version 6.1', '6,2,2000000,-;hello', ' SUBSYSTEM=pci', '', 'plain words', '[    0.000000] x', 'kernel: [ 1.0] x');
    fc.assert(fc.property(fc.array(line, { maxLength: 40 }), fc.boolean(), (lines, crlf) => {
      const text = lines.join(crlf ? '\r\n' : '\n');
      expect(run(text, true)).toBe(run(text, false));
    }), { seed: 1303, numRuns: 1500 });
  });
});
