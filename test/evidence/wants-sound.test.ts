/**
 * Every kind's `wants` byte pre-filter changes nothing but speed. Proven without an old code path:
 * each text is read through the router once as `analyze` reads it, and once with every kind's
 * filter taken away (every line then reaches every kind's `push`); the sections (facts and
 * recognised counts), the kinds whose facts failed and the commands seen must be identical.
 *
 * Texts: every text fixture of the project (test/fixtures, test/cases, examples), and mixtures of
 * two fixtures of different kinds, with and without a shell prompt before each part (one that reads
 * the part's kind, as a user's paste has it), so a filter is tested in every state another kind's
 * lines and a prompt can leave it in.
 *
 * Taking a filter away means: `wants` removed, so the line is decoded and pushed. Two kinds do work
 * in `wants` besides filtering, and are opened the way that keeps that work: the kernel log's
 * settles (counts) the lines it rejects, which `push` counts the same when it gets them (removed,
 * as test/parsers/kernel-log-gate.test.ts does); the kernel command line's counts the non-empty
 * lines of the text on their bytes (a one-line file is /proc/cmdline itself), which its `push`
 * does not — so its `wants` is still called on every line and its answer ignored.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KIND_LIST } from '../../agent/evidence/index.js';
import type { KindParser } from '../../agent/evidence/kind.js';
import { DRESS, differing, FILES, POOL, PROMPTS, prompted, read, representatives, routedJson, withNewline } from './routed-texts.js';

/** Kinds whose `wants` observes every line (its answer ignored, the call kept) rather than being removed. */
const OBSERVING = new Set(['cmdline', 'vbox']);

/**
 * Kinds whose `recognised()` counts the lines their filter lets through: VBox.log counts the stamped
 * lines about time it reads, and cannot count the others (the WebAssembly screen skips them in bulk
 * before `wants`), so a VBoxService log — VBox.log's stamp, none of its messages — holds no VBox.log
 * evidence. For them the count is left out and a section that states nothing (the facts of a parser
 * that read no line, but for the last elapsed time it saw) is no section; every fact must still be
 * identical.
 */
const COUNTED_BY_FILTER = new Set(['vbox']);
const blankOf = (facts: unknown): string => JSON.stringify({ ...(facts as object), lastSeconds: null });
const NOTHING = new Map([...COUNTED_BY_FILTER].map((n) => [n, blankOf(KIND_LIST.find((k) => k.name === n)!.createParser!('paste.txt').finish())]));

type Mode = 'filtered' | 'open';

/** `p` with its pre-filter taken away (see the header): every line reaches `push`. */
function opened(name: string, p: KindParser<unknown>): KindParser<unknown> {
  const observe = OBSERVING.has(name) ? p.wants?.bind(p) : undefined;
  return {
    ...(observe !== undefined ? { wants: (buf: Uint8Array, start: number, end: number, lineNo?: number) => { observe(buf, start, end, lineNo); return true; } } : {}),
    push: (line, lineNo, ctx) => p.push(line, lineNo, ctx),
    recognised: () => p.recognised(),
    finish: () => p.finish(),
    ...(p.prompt !== undefined ? { prompt: p.prompt.bind(p) } : {}),
    ...(p.stampedPrefixes !== undefined ? { stampedPrefixes: p.stampedPrefixes } : {}),
    // The claims stay: they are another speed-up, proven apart (router-claims.test.ts).
    ...(p.claims !== undefined ? { claims: p.claims.bind(p) } : {}),
  };
}

/** What the router makes of `text`, as plain JSON (errors by kind and message). */
function route(text: string, mode: Mode): unknown {
  const kinds = KIND_LIST.flatMap((k) => {
    if (k.createParser === null) return [];
    const p = k.createParser('paste.txt');
    // Routed as analyze routes (gather/text.ts routerFor): the kinds that read claimed lines get them.
    return [{ name: k.name, parser: mode === 'open' ? opened(k.name, p) : p, readsClaimed: k.readsClaimedLines === true }];
  });
  return routedJson(kinds, text, (r) => r.sections.flatMap((s) => {
    if (!COUNTED_BY_FILTER.has(s.name)) return [s];
    return blankOf(s.facts) === NOTHING.get(s.name) ? [] : [{ name: s.name, facts: s.facts }];
  }));
}

describe('every kind\'s wants is sound: the same sections with every filter taken away', () => {
  it('every kind a user can hand over has a pre-filter (else every line of a big log is decoded and pushed to it)', () => {
    const without = KIND_LIST.filter((k) => k.createParser !== null && k.createParser('x').wants === undefined).map((k) => k.name);
    expect(without).toEqual([]);
  });

  it(`on each text fixture as it is (${FILES.length} files)`, () => {
    const bad: string[] = [];
    for (const rel of FILES) {
      const text = read(rel);
      const d = differing(route(text, 'filtered'), route(text, 'open'));
      if (d.length > 0) bad.push(`${rel}: ${d.join(', ')}`);
    }
    expect(bad).toEqual([]);
  });

  it('on each text fixture under a prompt that reads it, and with CRLF line ends', () => {
    const bad: string[] = [];
    for (const rel of FILES) {
      for (const text of [prompted(rel, read(rel)), read(rel).replace(/\n/g, '\r\n')]) {
        const d = differing(route(text, 'filtered'), route(text, 'open'));
        if (d.length > 0) bad.push(`${rel}: ${d.join(', ')}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('on mixtures of two fixtures of different kinds, with and without prompts', () => {
    const reps = representatives();
    const bad: string[] = [];
    let n = 0;
    for (const a of reps) {
      for (const b of reps) {
        if (a === b) continue;
        const ta = read(a);
        const tb = read(b);
        for (const text of [withNewline(ta) + tb, prompted(a, ta) + prompted(b, tb)]) {
          n++;
          const d = differing(route(text, 'filtered'), route(text, 'open'));
          if (d.length > 0) bad.push(`${a} + ${b}${text.startsWith('$ ') ? ' (prompted)' : ''}: ${d.join(', ')}`);
        }
      }
    }
    expect(n).toBeGreaterThan(100);
    expect(bad).toEqual([]);
  });
});

describe('every kind\'s wants is sound on texts made of any real lines in any order', () => {
  it('the same sections on each small fixture with every line dressed alike (kernel prefix, quoting, odd spaces, …)', () => {
    const bad: string[] = [];
    for (const rel of representatives()) {
      const lines = read(rel).split('\n');
      DRESS.forEach((dress, k) => {
        const text = lines.map(dress).join('\n');
        const d = differing(route(text, 'filtered'), route(text, 'open'));
        if (d.length > 0) bad.push(`${rel} dressed #${k}: ${d.join(', ')}`);
      });
    }
    expect(bad).toEqual([]);
  });

  it('the same sections with every filter taken away (seeded)', () => {
    const line = fc.oneof({ weight: 8, arbitrary: fc.tuple(fc.constantFrom(...POOL), fc.constantFrom(...DRESS)).map(([l, d]) => d(l)) }, { weight: 1, arbitrary: fc.constantFrom(...PROMPTS) }, { weight: 1, arbitrary: fc.constantFrom('', '  ', '\t', 'Dec  4 02:31:00 h kernel: x') });
    fc.assert(fc.property(fc.array(line, { minLength: 1, maxLength: 40 }), (lines) => {
      const text = lines.join('\n');
      expect(differing(route(text, 'filtered'), route(text, 'open'))).toEqual([]);
    }), { numRuns: 400 });
  });
});
