/**
 * The router's claims (kind.ts `claims`, `readsClaimedLines`) must change nothing but speed: a line
 * the kernel-log kind claims (it carries a kernel-log prefix) goes only to the kinds that read
 * claimed lines, so every other kind must be one that cannot act on such a line. Proven without an
 * old code path: every text fixture, and mixtures of them (two kinds in one paste, each part under a
 * shell prompt or not), read once as the registry says and once with every kind offered every
 * claimed line — sections, facts and recognised counts identical.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KIND_LIST } from '../../agent/evidence/index.js';
import { createRouter, type RouterResult } from '../../agent/evidence/text/router.js';
import { LineSplitter } from '../../agent/evidence/text/lines.js';
import { ROOT } from '../helpers/cli.js';

/** Every text file under test/fixtures and test/cases (no NUL byte, under 4 MB), by path. */
function textFixtures(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (fs.statSync(p).size < 4 * 1024 * 1024) {
        const buf = fs.readFileSync(p);
        if (!buf.includes(0)) out.set(path.relative(ROOT, p), buf.toString('utf8'));
      }
    }
  };
  walk(path.join(ROOT, 'test', 'fixtures'));
  walk(path.join(ROOT, 'test', 'cases'));
  return out;
}

/** The router's result for `text`, with the registry's readers of claimed lines or with every kind reading them. */
function read(text: string, everyKindReadsClaimed: boolean): { result: RouterResult; recognised: Record<string, number> } {
  const kinds = KIND_LIST.flatMap((k) => (k.createParser === null ? [] : [{
    name: k.name, parser: k.createParser('t'), readsClaimed: everyKindReadsClaimed || k.readsClaimedLines === true,
  }]));
  const router = createRouter(kinds);
  const splitter = new LineSplitter(router);
  splitter.write(Buffer.from(text, 'utf8'));
  splitter.end();
  const result = router.finish();
  return { result, recognised: Object.fromEntries(kinds.map((k) => [k.name, k.parser.recognised()])) };
}

const same = (text: string): void => {
  const a = read(text, false);
  const b = read(text, true);
  expect(JSON.parse(JSON.stringify(a))).toEqual(JSON.parse(JSON.stringify(b)));
};

const FIXTURES = textFixtures();
const KERNEL = [...FIXTURES].filter(([p]) => p.includes('dmesg') || /kern|syslog|journal|messages/.test(p));

describe('router claims', () => {
  it(`change no result on any text fixture (${FIXTURES.size} files)`, () => {
    for (const [file, text] of FIXTURES) {
      try { same(text); } catch (e) { throw new Error(`${file}: ${(e as Error).message.slice(0, 2000)}`); }
    }
  });

  it('change no result on a kernel log mixed with every other fixture, with and without prompts', () => {
    expect(KERNEL.length).toBeGreaterThan(5);
    const others = [...FIXTURES].filter(([p]) => !KERNEL.some(([k]) => k === p));
    let i = 0;
    for (const [file, text] of others) {
      const [kfile, ktext] = KERNEL[i++ % KERNEL.length]!;
      const klines = ktext.split('\n');
      const head = klines.slice(0, 40).join('\n');
      // A kernel line after each of the first lines of the other text: claimed lines inside its blocks and tables.
      const woven = text.split('\n').flatMap((l, n) => (n < 30 ? [l, klines[n % klines.length]!] : [l])).join('\n');
      for (const mix of [`${head}\n${text}`, `${text}\n${head}`, `$ dmesg | head -40\n${head}\n$ cat ${path.basename(file)}\n${text}`, woven]) {
        try { same(mix); } catch (e) { throw new Error(`${kfile} + ${file}: ${(e as Error).message.slice(0, 2000)}`); }
      }
    }
  });

  it('are used: a kernel log reaches fewer kinds than it would without them (what they are for)', () => {
    const kinds = KIND_LIST.filter((k) => k.createParser !== null);
    expect(kinds.filter((k) => k.readsClaimedLines === true).length).toBeLessThan(kinds.length / 4);
    expect(KIND_LIST.some((k) => k.createParser?.('t').claims !== undefined)).toBe(true);
  });
});
