/**
 * The kernel-log settle (wasm/line-scan.wat, text/lines.ts KernelSettle) must change nothing but
 * speed: a line it settles is counted by the kernel log and offered to no kind, which is right only
 * if every kind that would have been offered it would have rejected it and the kernel log would have
 * counted it the same way. Proven without an old code path: each text read by the analyze router
 * through the scanner's chunk (the settle open) and through an ordinary Buffer (the JavaScript path,
 * no scanner) — sections, facts, recognised counts and commands identical.
 *
 * Texts: every text fixture (routed-texts.ts) whole and in odd chunks; the kernel logs concatenated
 * (boots, stamps back at zero, arming after a settled run); a kernel log woven into every other
 * fixture and under prompts; and seeded texts built from the shapes the settle reads, each with the
 * byte that should stop it (a literal, a backslash, a byte past ASCII, a prompt sigil, a `.field`, a
 * caller id, a `kernel:` tag, a continuation; in another program's syslog line a time-sync
 * program's name, a numeric tail, a kernel stamp) — the seed is printed when it fails.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KIND_LIST } from '../../agent/evidence/index.js';
import { routerFor } from '../../agent/gather/text.js';
import { LineSplitter } from '../../agent/evidence/text/lines.js';
import { borrowChunk, returnChunk, SCAN_CHUNK } from '../../agent/evidence/text/line-scan.js';
import { KERNEL_LOG_LITERALS } from '../../agent/evidence/kernel-log/rules.js';
import { TIMER_LIST_WORDS } from '../../agent/evidence/timer-list/wants.js';
import { FILES, read, prompted, withNewline } from '../evidence/routed-texts.js';

interface Routed { json: string; offered: number }

/** The analyze router's result for `bytes`, read in pieces of `piece` bytes through the scanner's chunk or through Buffers. */
function route(bytes: Buffer, chunked: boolean, piece = SCAN_CHUNK): Routed {
  const router = routerFor('paste.txt');
  let offered = 0;
  const wants = router.wants!.bind(router);
  router.wants = (buf, start, end, lineNo) => { offered++; return wants(buf, start, end, lineNo); };
  const splitter = new LineSplitter(router);
  const chunk = chunked ? borrowChunk() : null;
  if (chunked) expect(chunk).not.toBeNull();
  try {
    for (let i = 0; i < bytes.length; i += piece) {
      const n = Math.min(piece, bytes.length - i);
      if (chunk !== null) {
        bytes.copy(chunk, 0, i, i + n);
        splitter.write(chunk, 0, n);
      } else splitter.write(Buffer.from(bytes.subarray(i, i + n)));
    }
    splitter.end();
  } finally {
    returnChunk(chunk);
  }
  const r = router.finish();
  const errors = r.errors.map((e) => ({ name: e.name, message: e.error instanceof Error ? e.error.message : String(e.error) }));
  return { json: JSON.stringify({ sections: r.sections, errors, commands: r.commands }), offered };
}

/** Where the two readings of `text` first differ, or null; the chunked reading's offered-line count. */
function compare(text: string | Buffer, piece = SCAN_CHUNK): { diff: string | null; offered: number; lines: number } {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const a = route(bytes, true, piece);
  const b = route(bytes, false, piece);
  let diff: string | null = null;
  if (a.json !== b.json) {
    let i = 0;
    while (a.json[i] === b.json[i]) i++;
    diff = `settled: …${a.json.slice(Math.max(0, i - 120), i + 120)}\n  js: …${b.json.slice(Math.max(0, i - 120), i + 120)}`;
  }
  return { diff, offered: a.offered, lines: b.offered };
}

const KERNEL = FILES.filter((p) => p.startsWith('test/fixtures/dmesg/'));

describe('the kernel-log settle changes no result', () => {
  it(`on every text fixture, whole and in odd chunks (${FILES.length} files)`, () => {
    const bad: string[] = [];
    for (const rel of FILES) {
      for (const piece of [SCAN_CHUNK, 4093]) {
        const { diff } = compare(read(rel), piece);
        if (diff !== null) bad.push(`${rel} (pieces of ${piece}): ${diff}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('on the kernel logs concatenated, forwards and backwards (boots, stamps back at zero)', () => {
    expect(KERNEL.length).toBeGreaterThan(10);
    const all = KERNEL.map((rel) => withNewline(read(rel)));
    for (const text of [all.join(''), [...all].reverse().join(''), all.map((t) => t.replace(/\n/g, '\r\n')).join('')]) {
      const r = compare(text, 65_536);
      expect(r.diff).toBeNull();
      // The settle is used: most lines of kernel logs never reach the router's per-line path.
      expect(r.offered).toBeLessThan(r.lines * 0.75);
    }
  });

  it('on a kernel log woven into every other fixture, and under prompts', () => {
    const bad: string[] = [];
    const klines = KERNEL.flatMap((rel) => read(rel).split('\n').slice(0, 60));
    FILES.filter((p) => !KERNEL.includes(p)).forEach((rel, i) => {
      const text = read(rel);
      const head = klines.slice((i * 37) % klines.length, (i * 37) % klines.length + 80).join('\n');
      const woven = text.split('\n').flatMap((l, n) => (n < 40 ? [l, klines[(i + n) % klines.length]!] : [l])).join('\n');
      for (const mix of [`${head}\n${text}`, `${withNewline(text)}${head}`, `${head}\n${prompted(rel, text)}\n${head}`, woven]) {
        const { diff } = compare(mix);
        if (diff !== null) bad.push(`${rel}: ${diff}`);
      }
    });
    expect(bad).toEqual([]);
  });
});

// ───────────── generated lines: the shapes the settle reads, and what must stop it ─────────────

const STAMPS = ['    0.000000', '    0.000001', '    0.500000', '    1.000000', '12345.678901', '0.0', '00.000', ' 7.25', '1234567890123456.1', '3.', '+1.5'];
const WORDS = ['pci 0000:00:1f.2: enabled', 'usb 1-1: new device', 'kernel: x', 'host kernel: y', 'e820: remove', 'NetLabel:  domain hash size = 128', ''];
/** What may stand in a message to stop settling (or not): literals, timer_list words, bytes the string path decides. */
const SPICE = [
  ...KERNEL_LOG_LITERALS.filter((_, i) => i % 7 === 0), ...TIMER_LIST_WORDS.filter((_, i) => i % 5 === 0),
  '\\_SB_', 'caf\u00e9', '\u00a0', '$ ls', '# dmesg', '% top', '> x', '.resolution: 1 nsecs', '[T12] ', '[C1] ', '[drm] ', 'kernel:', '  ', '\t',
  // What makes another program's syslog line matter to some kind: its words, an ntpq row's numeric tail, a kernel stamp.
  ' : ', 'ntpd', 'chronyd', 'ptp0', 'vmtoolsd', 'VBoxService', 'Time Synchronization', 'timesyncd', ' 1 2.5 -3', '[ 12.5]', '[12.345678] ',
];

const message = fc.tuple(fc.constantFrom(...WORDS), fc.option(fc.constantFrom(...SPICE), { freq: 3 }), fc.constantFrom('', ' tail words here', ' a b c d e')).map(([w, s, t]) => `${w}${s ?? ''}${t}`);
const line = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...STAMPS), message).map(([ts, m]) => `[${ts}] ${m}`) },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('Mar 22 18:26:13', 'Jan  3 01:02:03', 'Dec 4 04:56:44', 'Oct 11 23:59:59.5', 'Tue Mar  8 13:19:34 2022'), fc.constantFrom('host', 'h:x', 'web-1'), fc.constantFrom('kernel:', 'kernel: ', 'kernel[3]:', 'systemd[1]:', 'kern.info kernel:', 'ntpd[612]:', 'chronyd:', 'prog[x]:', 'a]b:', 'dhclient[9]: [x]'), fc.option(fc.constantFrom(...STAMPS)), message)
    .map(([d, h, t, ts, m]) => `${d} ${h} ${t}${ts === null ? '' : ` [${ts}]`} ${m}`) },
  { weight: 1, arbitrary: message.map((m) => `    ${m}`) },
  { weight: 1, arbitrary: fc.constantFrom('', '-- Boot 3f2a --', '$ dmesg | grep -i tsc', 'Linux version 5.4.0 (x@y)', 'clocksource: Switched to clocksource tsc') },
);

describe('the kernel-log settle on generated lines (seeded)', () => {
  it('gives what the JavaScript path gives', () => {
    fc.assert(fc.property(fc.array(line, { minLength: 1, maxLength: 60 }), fc.constantFrom(SCAN_CHUNK, 97), (lines, piece) => {
      expect(compare(lines.join('\n'), piece).diff).toBeNull();
    }), { numRuns: 600 });
  });
});

describe('the kernel-log settle is open where it can be', () => {
  it('every kind the router offers lines says when it is quiet on claimed or daemon lines', () => {
    const parsers = KIND_LIST.flatMap((k) => (k.createParser === null ? [] : [{ kind: k, parser: k.createParser('t') }]));
    // Absent, the settle would stay closed (safe, slow): a new kind must decide.
    expect(parsers.filter(({ parser }) => parser.settle === undefined && parser.quietOnDaemon === undefined).map(({ kind }) => kind.name)).toEqual([]);
    expect(parsers.filter(({ kind, parser }) => kind.readsClaimedLines === true && parser.quietOnClaimed === undefined).map(({ kind }) => kind.name)).toEqual([]);
  });

  it('syslog lines of other programs are settled too (a syslog with no time-sync daemon in it)', () => {
    const text = Array.from({ length: 400 }, (_, i) => `Mar 22 18:${String(10 + (i % 50)).padStart(2, '0')}:13 web-1 dhclient[${900 + i}]: DHCPREQUEST of 10.0.0.${i % 250} on eth0 port 67`).join('\n');
    const r = compare(`Mar 22 18:00:00 web-1 kernel: [    5.000000] e1000: eth0 NIC Link is Up\n${text}\n`);
    expect(r.diff).toBeNull();
    expect(r.offered).toBeLessThan(40);
  });
});
