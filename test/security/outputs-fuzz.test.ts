/**
 * Whatever the evidence says, the outputs stay safe: the JSON document parses and round-trips the
 * facts, and the report (colour off) carries no control character from the input. Property-based over
 * mutated real captures with escape sequences spliced in, through the same parse → diagnose → render
 * path `analyze` uses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyFacts, type Facts } from '../../agent/facts.js';
import { diagnose } from '../../agent/diagnose.js';
import { renderJson } from '../../agent/outputs/json.js';
import { renderReport } from '../../agent/outputs/report.js';
import { ParseError } from '../../agent/errors.js';
import { feed, mutatedSeed, runs, seeds } from '../fuzz/harness.js';
import { createVboxParser } from '../../agent/evidence/vbox/parser.js';
import { createKernelLogParser } from '../../agent/evidence/kernel-log/parser.js';
import { createCpuinfoParser } from '../../agent/evidence/cpuinfo/parser.js';

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const ESCAPES = ['\x1b[2J', '\x1b]0;t\x07', '\u009b6n', '\x1bP+q\x1b\\', '\u202e', '\x00', '\x08\x08\x08'];

const escapeSpliced = (buf: Buffer, r: number): Buffer => {
  const lines = buf.toString('utf8').split('\n');
  return Buffer.from(lines.map((l, i) => ((i * 31 + Math.floor(r * 7)) % 5 === 0 ? `${l.slice(0, 20)}${ESCAPES[i % ESCAPES.length]}${l.slice(20)}` : l)).join('\n'));
};

function safely<F>(f: () => F): F | null {
  try {
    return f();
  } catch (err) {
    if (err instanceof ParseError) return null;
    throw err;
  }
}

describe('outputs under hostile evidence', () => {
  const vbox = seeds('vbox');
  const dmesg = seeds('dmesg');
  const cpuinfo = seeds('cpuinfo');

  it(`JSON parses and the report has no raw control character (${runs(200)} cases)`, () => {
    fc.assert(
      fc.property(mutatedSeed(vbox), mutatedSeed(dmesg), mutatedSeed(cpuinfo), fc.double({ min: 0, max: 1, noNaN: true }), fc.option(fc.integer({ min: 1_000_000, max: 100_000_000_000 })), (v, k, c, r, hz) => {
        const facts: Facts = {
          ...emptyFacts({ hostTscHz: hz }),
          vbox: safely(() => feed(createVboxParser('vbox.log'), escapeSpliced(v.buf, r))),
          kernelLog: safely(() => feed(createKernelLogParser('dmesg'), escapeSpliced(k.buf, r))),
          cpuinfo: safely(() => feed(createCpuinfoParser('cpuinfo'), escapeSpliced(c.buf, r))),
        };
        const result = diagnose(facts);
        const json = renderJson(result);
        const doc = JSON.parse(json) as { facts: { vbox: { vmName: string | null } | null } };
        expect(doc.facts.vbox?.vmName ?? null).toBe(facts.vbox?.vmName ?? null);
        expect(json.includes('\x1b')).toBe(false);
        const report = renderReport(result, { color: false, width: 100 });
        expect(RAW_CONTROL.test(report), `${v.label} | ${k.label} | ${c.label}`).toBe(false);
      }),
      { numRuns: runs(200) },
    );
  });
});
