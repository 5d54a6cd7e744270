/**
 * Kind detection from content only: every file of the shared corpus gets its right kind (or null for
 * the kinds `analyze` does not read), mixed logs go the right way, and junk is refused with a reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { detectKind } from '../../agent/evidence/text/detect.js';
import type { InputKind } from '../../agent/result.js';

const CORPUS = '/work/shared/corpus';
const FIX = path.resolve(import.meta.dirname, '..', 'fixtures');
const head = (p: string) => fs.readFileSync(p).subarray(0, 64 * 1024);

/** The kind a corpus file must get, from where MANIFEST.tsv files it. */
function expected(rel: string): InputKind | null {
  if (rel.startsWith('vbox/')) return 'vbox-log';
  if (rel.startsWith('dmesg/') || rel.endsWith('/commands/dmesg')) return 'kernel-log';
  if (rel.startsWith('cpuinfo/') || rel.endsWith('/proc/cpuinfo')) return 'cpuinfo';
  if (rel.startsWith('timer_list/') || rel.endsWith('/proc/timer_list')) return 'timer-list';
  if (rel.endsWith('/current_clocksource')) return 'current-clocksource';
  if (rel.endsWith('/available_clocksource')) return 'available-clocksource';
  return null; // vmware.log, MANIFEST, SOURCE.md, /proc/cmdline, /proc/version, clockevent files
}

function walk(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p, base) : [path.relative(base, p)];
  });
}

describe('every corpus file gets its right kind', () => {
  // The shared corpus when this machine has it; else our copies of its guest-side part.
  const root = fs.existsSync(CORPUS) ? CORPUS : FIX;
  const files = root === CORPUS
    ? walk(root).sort()
    : ['dmesg', 'cpuinfo', 'timer_list', 'live'].flatMap((d) => walk(path.join(FIX, d)).map((f) => `${d}/${f}`)).filter((f) => !/(^|\/)SOURCE\.md$/.test(f) || f.startsWith('live/firecracker')).sort();
  it('finds the corpus', () => expect(files.length).toBeGreaterThan(20));
  for (const rel of files) {
    it(rel, () => {
      const d = detectKind(head(path.join(root, rel)));
      expect(d.kind, d.reason).toBe(expected(rel));
      expect(d.reason.length).toBeGreaterThan(0);
    });
  }
});

describe('mixed and odd inputs', () => {
  it('a VBox.log with a guest kernel line forwarded inside stays a VBox.log', () => {
    const src = path.join(CORPUS, 'vbox', 'v5.0.6-win-intel-none-bayons.log');
    if (!fs.existsSync(src)) return;
    const vbox = fs.readFileSync(src, 'utf8').split('\n');
    vbox.splice(30, 0, '00:00:05.123456 VMMDev: Guest Log: [    0.000000] Linux version 5.4.0-110-generic (buildd@ubuntu)', '00:00:05.123457 VMMDev: Guest Log: [    0.000000] clocksource: Switched to clocksource tsc');
    expect(detectKind(Buffer.from(vbox.join('\n'))).kind).toBe('vbox-log');
  });
  it('a kern.log quoting VBoxService lines stays a kernel log', () => {
    const lines = fs.readFileSync(path.join(FIX, 'dmesg', 'vbox-kvm-paravirt-debian10-4.19-kvmclock-kernlog.txt'), 'utf8').split('\n');
    lines.splice(5, 0,
      'Nov  9 16:18:20 debian kernel: [   12.000000] 16:18:20.000000 main     VBoxService 6.1.16 r140961 (verbosity: 0) linux.amd64 (Oct 15 2020 16:19:11) release log',
      'Nov  9 16:18:20 debian kernel: [   12.000100] 16:18:20.000100 main     00:00:00.000129 main     Log opened 2020-11-09T16:18:20.812Z',
      'Nov  9 16:18:20 debian kernel: [   12.000200] 16:18:20.000200 timesync vgsvcTimeSyncWorker: Radical guest time change: 62 007 277 670 000ns (GuestNow=1 ns GuestLast=2 ns fSetTimeLastLoop=true)');
    expect(detectKind(Buffer.from(lines.join('\n'))).kind).toBe('kernel-log');
  });
  it('CRLF and a BOM do not matter', () => {
    const t = fs.readFileSync(path.join(FIX, 'cpuinfo', 'hyperv-guest-xeon-w2155-rhel8.txt'), 'utf8').replace(/\n/g, '\r\n');
    expect(detectKind(Buffer.from(`\ufeff${t}`)).kind).toBe('cpuinfo');
  });
});

describe('junk', () => {
  it('empty and whitespace-only', () => {
    expect(detectKind(Buffer.alloc(0))).toEqual({ kind: null, reason: 'empty' });
    expect(detectKind(Buffer.from('\n \n\t\n'))).toEqual({ kind: null, reason: 'empty' });
  });
  it('binary: NUL bytes, or mostly invalid UTF-8', () => {
    expect(detectKind(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0]))).toEqual({ kind: null, reason: 'binary' });
    expect(detectKind(Buffer.from(Array.from({ length: 4096 }, (_, i) => 0x80 + (i % 64))))).toEqual({ kind: null, reason: 'binary' });
  });
  it('compressed and UTF-16 files get a reason that says how to open them', () => {
    const dmesg = fs.readFileSync(path.join(FIX, 'dmesg', 'kvm-bochs-3.13-kvmclock.txt'));
    expect(detectKind(zlib.gzipSync(dmesg)).reason).toMatch(/^gzip-compressed: decompress it first \(zcat/);
    expect(detectKind(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(dmesg.toString('utf8'), 'utf16le')]))).toMatchObject({ kind: null, reason: expect.stringMatching(/^UTF-16 text/) });
    expect(detectKind(Buffer.from(dmesg.toString('utf8'), 'utf16le')).reason).toMatch(/^UTF-16 text/);
  });
  it('prose, JSON and a vmware.log are not recognised', () => {
    for (const t of ['Hello,\nmy guest clock loses 20 minutes a day.\nRegards\n', '{"a": 1}\n', 'hello\n']) {
      const d = detectKind(Buffer.from(t));
      expect(d.kind).toBeNull();
      expect(d.reason).toMatch(/^not recognised/);
    }
  });
  it('random bytes never throw and never claim a log kind (property)', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 4096 }), (bytes) => {
      const d = detectKind(Buffer.from(bytes));
      expect(['vbox-log', 'kernel-log', 'cpuinfo', 'timer-list']).not.toContain(d.kind);
    }), { numRuns: 300 });
  });
  it('random text never throws (property)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 2000 }), (s) => {
      expect(typeof detectKind(Buffer.from(s)).reason).toBe('string');
    }), { numRuns: 300 });
  });
});
