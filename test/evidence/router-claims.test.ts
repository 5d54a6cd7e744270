/**
 * The router's claims (kind.ts `claims`, `readsClaimedLines`) must change nothing but speed: a line
 * the kernel-log kind claims (it carries a kernel-log prefix) goes only to the kinds that read
 * claimed lines, so every other kind must be one that cannot act on such a line in any state.
 * Proven without an old code path: each text read once as the registry says and once with every
 * kind offered every claimed line — sections, facts, recognised counts and commands identical.
 *
 * Texts (routed-texts.ts, shared with wants-sound.test.ts): every text fixture as it is and under a
 * prompt; a kernel log before, after and woven into every other fixture (kernel lines inside other
 * kinds' blocks and tables); every small fixture with every line dressed alike — a kernel prefix
 * among the dressings, so a kind that reads its lines inside a kernel log (timer_list, dumped there by
 * SysRq-Q) is caught; and seeded texts of real lines in any order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KIND_LIST } from '../../agent/evidence/index.js';
import { DRESS, differing, FILES, POOL, PROMPTS, prompted, read, representatives, routedJson, withNewline } from './routed-texts.js';

/** The router's result for `text`, with the registry's readers of claimed lines or with every kind reading them. */
function route(text: string, everyKindReadsClaimed: boolean): unknown {
  const kinds = KIND_LIST.flatMap((k) => (k.createParser === null ? [] : [{
    name: k.name, parser: k.createParser('paste.txt'), readsClaimed: everyKindReadsClaimed || k.readsClaimedLines === true,
  }]));
  return routedJson(kinds, text);
}

/** The kinds whose section differs, for `text`. */
const diff = (text: string): string[] => differing(route(text, false), route(text, true));

const KERNEL = FILES.filter((p) => p.startsWith('test/fixtures/dmesg/'));

describe('router claims change no result', () => {
  it(`on each text fixture as it is and under a prompt that reads it (${FILES.length} files)`, () => {
    const bad: string[] = [];
    for (const rel of FILES) {
      for (const text of [read(rel), prompted(rel, read(rel))]) {
        const d = diff(text);
        if (d.length > 0) bad.push(`${rel}: ${d.join(', ')}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('on a kernel log before, after and woven into every other fixture, with and without prompts', () => {
    expect(KERNEL.length).toBeGreaterThan(5);
    const bad: string[] = [];
    FILES.filter((p) => !KERNEL.includes(p)).forEach((rel, i) => {
      const klines = read(KERNEL[i % KERNEL.length]!).split('\n');
      const head = klines.slice(0, 40).join('\n');
      const text = read(rel);
      const woven = text.split('\n').flatMap((l, n) => (n < 30 ? [l, klines[n % klines.length]!] : [l])).join('\n');
      for (const mix of [`${head}\n${text}`, `${withNewline(text)}${head}`, `$ dmesg | head -40\n${head}\n${prompted(rel, text)}`, woven]) {
        const d = diff(mix);
        if (d.length > 0) bad.push(`${rel} + ${KERNEL[i % KERNEL.length]}: ${d.join(', ')}`);
      }
    });
    expect(bad).toEqual([]);
  });

  it('on each small fixture with every line dressed alike (kernel prefixes among the dressings)', () => {
    const bad: string[] = [];
    for (const rel of representatives()) {
      const lines = read(rel).split('\n');
      DRESS.forEach((dress, k) => {
        const d = diff(lines.map(dress).join('\n'));
        if (d.length > 0) bad.push(`${rel} dressed #${k}: ${d.join(', ')}`);
      });
    }
    expect(bad).toEqual([]);
  });

  it('on texts of real lines in any order (seeded)', () => {
    const line = fc.oneof({ weight: 8, arbitrary: fc.tuple(fc.constantFrom(...POOL), fc.constantFrom(...DRESS)).map(([l, d]) => d(l)) }, { weight: 1, arbitrary: fc.constantFrom(...PROMPTS) });
    fc.assert(fc.property(fc.array(line, { minLength: 1, maxLength: 40 }), (lines) => {
      expect(diff(lines.join('\n'))).toEqual([]);
    }), { numRuns: 400 });
  });

  it('are used: a kernel line reaches few kinds (what they are for)', () => {
    const kinds = KIND_LIST.filter((k) => k.createParser !== null);
    expect(kinds.filter((k) => k.readsClaimedLines === true).length).toBeLessThan(kinds.length / 4);
    expect(kinds.filter((k) => k.createParser!('t').claims !== undefined).map((k) => k.name)).toEqual(['kernel-log']);
  });
});
