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
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KIND_LIST } from '../../agent/evidence/index.js';
import type { KindParser } from '../../agent/evidence/kind.js';
import { sniff } from '../../agent/evidence/text/detect.js';
import { parseText } from '../../agent/evidence/text/lines.js';
import { createRouter, type RouterResult } from '../../agent/evidence/text/router.js';
import { ROOT } from '../helpers/cli.js';

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
  };
}

/** What the router makes of `text`, as plain JSON (errors by kind and message). */
function route(text: string, mode: Mode): unknown {
  const kinds = KIND_LIST.flatMap((k) => {
    if (k.createParser === null) return [];
    const p = k.createParser('paste.txt');
    return [{ name: k.name, parser: mode === 'open' ? opened(k.name, p) : p }];
  });
  const r: RouterResult = parseText(createRouter(kinds), text);
  return JSON.parse(JSON.stringify({
    sections: r.sections.flatMap((s) => {
      if (!COUNTED_BY_FILTER.has(s.name)) return [s];
      return blankOf(s.facts) === NOTHING.get(s.name) ? [] : [{ name: s.name, facts: s.facts }];
    }),
    errors: r.errors.map((e) => ({ name: e.name, message: e.error instanceof Error ? e.error.message : String(e.error) })),
    commands: r.commands,
  }));
}

/** The kinds whose section (or error) differs between the two readings: names a failure precisely. */
function differing(a: unknown, b: unknown): string[] {
  type R = { sections: { name: string }[]; errors: { name: string }[]; commands: string[] };
  const x = a as R;
  const y = b as R;
  const names = new Set([...x.sections, ...y.sections, ...x.errors, ...y.errors].map((s) => s.name));
  const of = (r: R, n: string): string => JSON.stringify([r.sections.find((s) => s.name === n), r.errors.find((s) => s.name === n)]);
  const out = [...names].filter((n) => of(x, n) !== of(y, n));
  if (JSON.stringify(x.commands) !== JSON.stringify(y.commands)) out.push('(commands)');
  return out;
}

/** Every UTF-8 text file under the dirs (SOURCE.md notes and goldens left out), relative to ROOT. */
function textFiles(...dirs: string[]): string[] {
  const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(d, e.name);
    if (e.isDirectory()) return walk(p);
    if (e.name === 'SOURCE.md' || /\.golden\b/.test(e.name) || /\.(?:ts|json)$/.test(e.name)) return [];
    const head = fs.readFileSync(p).subarray(0, 64 * 1024);
    const s = sniff(head);
    return s.type === 'text' && s.encoding === 'utf8' ? [path.relative(ROOT, p)] : [];
  });
  return dirs.flatMap((d) => walk(path.join(ROOT, d))).sort();
}

const FILES = textFiles('test/fixtures', 'test/cases', 'examples');
const read = (rel: string): string => fs.readFileSync(path.join(ROOT, rel), 'utf8');

/** The command a user would have typed to print a fixture of this folder. */
const COMMANDS: Record<string, string> = {
  cpuinfo: 'cat /proc/cpuinfo', timer_list: 'cat /proc/timer_list', dmesg: 'dmesg', vbox: 'cat VBox.log', vmware: 'cat vmware.log',
  chrony: 'chronyc sources -v', ntp: 'ntpq -pn', timedatectl: 'timedatectl', timesyncd: 'journalctl -u systemd-timesyncd',
  vboxservice: 'cat /var/log/vboxadd-service.log', cmdline: 'cat /proc/cmdline', date: 'date', hwclock: 'hwclock -r', lscpu: 'lscpu',
  packages: 'rpm -qa', ptp: 'ls /sys/class/ptp', uname: 'uname -a', versions: 'cat /proc/version', virt: 'systemd-detect-virt',
  'clocksource-current': 'cat /sys/devices/system/clocksource/clocksource0/current_clocksource',
};

/** The fixture folder a file belongs to (its kind, roughly). */
const folderOf = (rel: string): string => rel.split('/')[2] ?? rel;

/** One small file of each folder (the smallest, so the mixtures stay quick), for mixtures. */
function representatives(): string[] {
  const best = new Map<string, { rel: string; size: number }>();
  for (const rel of FILES) {
    if (!rel.startsWith('test/fixtures/') || rel.startsWith('test/fixtures/fuzz/') || rel.startsWith('test/fixtures/exporter-toolkit/')) continue;
    const size = fs.statSync(path.join(ROOT, rel)).size;
    const f = folderOf(rel);
    const cur = best.get(f);
    if (cur === undefined || size < cur.size) best.set(f, { rel, size });
  }
  return [...best.values()].map((v) => v.rel).sort();
}

const withNewline = (s: string): string => (s.endsWith('\n') ? s : `${s}\n`);
const prompted = (rel: string, text: string): string => `$ ${COMMANDS[folderOf(rel)] ?? `cat ${path.basename(rel)}`}\n${withNewline(text)}`;

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

/** Every line of the fixtures (a wide sample of real lines of every kind) and a prompt of every command. */
const POOL: string[] = [...new Set(FILES.filter((rel) => !rel.startsWith('test/fixtures/fuzz/')).flatMap((rel) => read(rel).split('\n')))];
const PROMPTS = Object.values(COMMANDS).map((c) => `$ ${c}`);
/** What pastes and logs do to a line: trailing `\r` (CRLF converted twice) or blanks, a forum tag, indentation, quoting, odd spaces. */
const DRESS: ((l: string) => string)[] = [
  (l) => l, (l) => l, (l) => l, (l) => `${l}\r`, (l) => `${l} `, (l) => `${l}[/CODE]`, (l) => ` ${l}`, (l) => `\t${l}`, (l) => `> ${l}`,
  (l) => `\u00a0${l}`, (l) => `\f${l}`, (l) => `${l}\u00a0`, (l) => `[code]${l}`, (l) => `[COLOR="#333333"][FONT=Courier New][SIZE=2][B]${l}`,
  // Dumped into the kernel log (SysRq-Q prints /proc/timer_list there), or with a markdown escape.
  (l) => `[ 1234.567890] ${l}`, (l) => `<6>${l}`, (l) => `[    5.000000] [T1] ${l}`, (l) => `[ 1.5] \\[T1\\] ${l}`,
];

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
