/**
 * Shared fuzzing machinery: mutations of real captures, and the one property every parser must keep —
 * it returns facts (finite numbers, JSON-safe) or throws ParseError; nothing else escapes.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { expect } from 'vitest';
import { ParseError } from '../../agent/errors.js';
import { LineSplitter, type LineParser } from '../../agent/evidence/text/lines.js';

export const SEEDS_DIR = path.resolve(import.meta.dirname, '../fixtures/fuzz');

/** Runs per property: small in CI, raised with FUZZ_RUNS=N. */
export function runs(base: number): number {
  const env = Number(process.env.FUZZ_RUNS);
  return Number.isFinite(env) && env > 0 ? env : base;
}

/** Real captures of one kind from test/fixtures/fuzz/<kind>/. */
export function seeds(kind: string): { name: string; buf: Buffer }[] {
  const dir = path.join(SEEDS_DIR, kind);
  return fs.readdirSync(dir).sort().map((name) => ({ name: `${kind}/${name}`, buf: fs.readFileSync(path.join(dir, name)) }));
}

/** Feed a buffer to a LineParser in chunks of `chunk` bytes (streaming must not depend on chunking). */
export function feed<F>(parser: LineParser<F>, buf: Buffer, chunk = buf.length || 1): F {
  const s = new LineSplitter(parser);
  for (let i = 0; i < buf.length; i += chunk) s.write(buf, i, Math.min(buf.length, i + chunk));
  s.end();
  return parser.finish();
}

// ───────────── mutations ─────────────

function lineStarts(buf: Buffer): number[] {
  const out = [0];
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) out.push(i + 1);
  return out;
}

function splitLines(buf: Buffer): Buffer[] {
  const starts = lineStarts(buf);
  return starts.map((s, i) => buf.subarray(s, starts[i + 1] ?? buf.length));
}

type Mutator = (buf: Buffer, r: number[]) => Buffer;

const pick = <T>(xs: readonly T[], r: number): T => xs[Math.floor(r * xs.length) % Math.max(1, xs.length)] as T;

/** Each mutator takes the input and a few uniform randoms in [0,1). */
export const MUTATORS: Record<string, Mutator> = {
  truncateAnywhere: (b, [r = 0]) => b.subarray(0, Math.floor(r * b.length)),
  truncateAtLine: (b, [r = 0]) => b.subarray(0, pick(lineStarts(b), r)),
  truncateMidLine: (b, [r = 0, s = 0]) => {
    const starts = lineStarts(b);
    const at = pick(starts, r);
    const next = starts[starts.indexOf(at) + 1] ?? b.length;
    return b.subarray(0, at + Math.floor(s * (next - at)));
  },
  truncateMidUtf8: (b) => Buffer.concat([b, Buffer.from('é時', 'utf8').subarray(0, 4)]),
  flipBytes: (b, rs) => {
    const c = Buffer.from(b);
    for (let i = 0; i + 1 < rs.length && c.length > 0; i += 2) c[Math.floor((rs[i] ?? 0) * c.length)] = Math.floor((rs[i + 1] ?? 0) * 256);
    return c;
  },
  insertNul: (b, rs) => {
    let c = b;
    for (const r of rs.slice(0, 3)) {
      const at = Math.floor(r * c.length);
      c = Buffer.concat([c.subarray(0, at), Buffer.from([0, 0]), c.subarray(at)]);
    }
    return c;
  },
  crlfMix: (b, [r = 0]) => {
    const lines = splitLines(b);
    const ends = ['\n', '\r\n', '\r', '\n\r', '\r\r\n'];
    return Buffer.concat(lines.map((l, i) => {
      const body = l[l.length - 1] === 10 ? l.subarray(0, l.length - 1) : l;
      const end = l[l.length - 1] === 10 ? ends[(i + Math.floor(r * 5)) % ends.length] ?? '\n' : '';
      return Buffer.concat([body, Buffer.from(end)]);
    }));
  },
  invalidUtf8: (b, rs) => {
    const bad = [[0xff], [0xfe, 0xfe], [0xc3], [0xe2, 0x82], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80]];
    let c = b;
    for (let i = 0; i + 1 < rs.length; i += 2) {
      const at = Math.floor((rs[i] ?? 0) * c.length);
      c = Buffer.concat([c.subarray(0, at), Buffer.from(pick(bad, rs[i + 1] ?? 0)), c.subarray(at)]);
    }
    return c;
  },
  longLine: (b, [r = 0, s = 0]) => {
    const at = pick(lineStarts(b), r);
    // 70 KB–1 MB: over the splitter's 64 KB line limit; several-MB lines have their own test.
    const len = 70_000 + Math.floor(s * 1_000_000);
    return Buffer.concat([b.subarray(0, at), Buffer.alloc(len, 'TM: cTSCTicksPerSecond=9'), Buffer.from('\n'), b.subarray(at)]);
  },
  hugeNumbers: (b, rs) => {
    let i = 0;
    const forms = ['9999999999999999999999999999999999999999', '-1', '-3478274491', '0x', '0xffffffffffffffffffffffffffffffff', '1e308', '1e400', 'NaN', '00000000000000000000000000000000000000001', '-0', '١٢٣'];
    return Buffer.from(b.toString('latin1').replace(/\d+/g, (m) => ((rs[i++ % rs.length] ?? 0) < 0.3 ? pick(forms, rs[(i * 7) % rs.length] ?? 0) : m)), 'latin1');
  },
  negativeAndHex: (b, rs) => {
    let i = 0;
    return Buffer.from(b.toString('latin1').replace(/\b\d{2,}\b/g, (m) => {
      const r = rs[i++ % rs.length] ?? 0;
      if (r < 0.15) return `-${m}`;
      if (r < 0.3) return `0x${Number(m).toString(16)}`;
      if (r < 0.35) return `${m}.${m}`;
      return m;
    }), 'latin1');
  },
  duplicateSection: (b, [r = 0, s = 0]) => {
    const lines = splitLines(b);
    const from = Math.floor(r * lines.length);
    const to = Math.min(lines.length, from + 1 + Math.floor(s * 200));
    return Buffer.concat([...lines.slice(0, to), ...lines.slice(from, to), ...lines.slice(to)]);
  },
  reorderSections: (b, [r = 0, s = 0]) => {
    const lines = splitLines(b);
    const cut1 = Math.floor(r * lines.length);
    const cut2 = cut1 + Math.floor(s * (lines.length - cut1));
    return Buffer.concat([...lines.slice(cut2), ...lines.slice(cut1, cut2), ...lines.slice(0, cut1)]);
  },
  shuffleLines: (b, rs) => {
    const lines = splitLines(b);
    for (let i = 0; i < rs.length; i++) {
      const a = Math.floor((rs[i] ?? 0) * lines.length);
      const c = Math.floor((rs[(i + 1) % rs.length] ?? 0) * lines.length);
      const t = lines[a];
      if (t !== undefined && lines[c] !== undefined) { lines[a] = lines[c] as Buffer; lines[c] = t; }
    }
    return Buffer.concat(lines);
  },
  spliceForeign: (b, [r = 0]) => {
    // Another format's lines dropped into the middle (a kernel log inside a VBox.log etc.).
    const foreign = Buffer.from('[    0.000000] tsc: Detected 3400.109 MHz processor\n00:00:01.123456 TM: cTSCTicksPerSecond=3 478 274 491 (0xcf5241bb)\nprocessor\t: 0\nTimer List Version: v0.8\n');
    const at = pick(lineStarts(b), r);
    return Buffer.concat([b.subarray(0, at), foreign, b.subarray(at)]);
  },
  empty: () => Buffer.alloc(0),
  onlyNewlines: (_b, [r = 0]) => Buffer.alloc(1 + Math.floor(r * 1000), '\n'),
};

export const MUTATOR_NAMES = Object.keys(MUTATORS);

/** An arbitrary mutation (1–3 mutators in a row) of one of the seeds; `label` says which, for shrunk reports. */
export function mutatedSeed(seedList: { name: string; buf: Buffer }[]): fc.Arbitrary<{ label: string; buf: Buffer }> {
  return fc
    .record({
      seed: fc.nat({ max: seedList.length - 1 }),
      steps: fc.array(fc.record({ m: fc.constantFrom(...MUTATOR_NAMES), r: fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 6, maxLength: 6 }) }), { minLength: 1, maxLength: 3 }),
    })
    .map(({ seed, steps }) => {
      const s = seedList[seed] ?? seedList[0];
      if (s === undefined) throw new Error('no seeds');
      let buf = s.buf;
      for (const st of steps) buf = (MUTATORS[st.m] as Mutator)(buf, st.r);
      const label = `${s.name} ← ${steps.map((x) => x.m).join(' → ')}`;
      // Report a failing case by its recipe, not by megabytes of bytes.
      return { label, buf, [fc.toStringMethod]: () => `${label} (${buf.length} bytes)` };
    });
}

/** Arbitrary bytes/strings not derived from any capture. */
export const arbitraryInput: fc.Arbitrary<Buffer> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 2000 }).map((s) => Buffer.from(s, 'utf8')),
  fc.uint8Array({ maxLength: 4000 }).map((u) => Buffer.from(u)),
  fc.tuple(fc.array(fc.string({ maxLength: 80 }), { maxLength: 60 }), fc.constantFrom('\n', '\r\n', '\r')).map(([ls, nl]) => Buffer.from(ls.join(nl))),
);

// ───────────── the property ─────────────

/** Every number anywhere in the facts is finite (no NaN/Infinity from a 40-digit or garbage number). */
export function assertFiniteNumbers(v: unknown, where = 'facts'): void {
  if (typeof v === 'number') {
    expect(Number.isFinite(v), `${where} = ${v}`).toBe(true);
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => assertFiniteNumbers(x, `${where}[${i}]`));
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) assertFiniteNumbers(x, `${where}.${k}`);
  }
}

/**
 * Run `parse`: it must return facts that survive JSON (and are finite), or throw a ParseError with a
 * message; anything else (TypeError, RangeError, a hang) fails the property.
 */
/**
 * Every number is exact: within ±2^53, so it is what the input said, not a rounded guess of a
 * 40-digit number (the facts contract: unstated → null, never guessed).
 */
export function assertExactNumbers(v: unknown, where = 'facts'): void {
  if (typeof v === 'number') {
    expect(Math.abs(v) <= Number.MAX_SAFE_INTEGER, `${where} = ${v} is beyond 2^53: not what the input said`).toBe(true);
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => assertExactNumbers(x, `${where}[${i}]`));
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) assertExactNumbers(x, `${where}.${k}`);
  }
}

export function mustParseOrParseError(parse: () => unknown, label: string, opts: { exactNumbers?: boolean } = {}): { facts: unknown } | { error: ParseError } {
  let facts: unknown;
  try {
    facts = parse();
  } catch (err) {
    if (err instanceof ParseError) {
      expect(err.message.length, `${label}: empty ParseError message`).toBeGreaterThan(0);
      return { error: err };
    }
    throw new Error(`${label}: threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)} instead of facts or ParseError`, { cause: err });
  }
  expect(facts, label).toBeDefined();
  assertFiniteNumbers(facts, label);
  if (opts.exactNumbers) assertExactNumbers(facts, label);
  expect(() => JSON.parse(JSON.stringify(facts)), label).not.toThrow();
  return { facts };
}
