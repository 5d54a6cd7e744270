/**
 * Recognition line by line (evidence/text/router.ts): every file of the corpus is read as its kind
 * whatever its name, mixed pastes give every kind they hold, and what is not text is refused with a
 * reason (evidence/text/detect.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sniff } from '../../agent/evidence/text/detect.js';
import { readBuffer, readString } from '../../agent/gather/text.js';

const CORPUS = '/work/shared/corpus';
const FIX = path.resolve(import.meta.dirname, '..', 'fixtures');

/** The kind a corpus file must be read as, from where MANIFEST.tsv files it (null: not a kind read from files). */
function expected(rel: string): string | null {
  if (rel.startsWith('vbox/')) return 'vbox';
  if (rel.startsWith('dmesg/') || rel.endsWith('/commands/dmesg')) return 'kernel-log';
  if (rel.startsWith('cpuinfo/') || rel.endsWith('/proc/cpuinfo')) return 'cpuinfo';
  if (rel.startsWith('timer_list/') || rel.endsWith('/proc/timer_list')) return 'timer-list';
  if (rel.endsWith('_clocksource')) return 'clocksource';
  return null;
}

function walk(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p, base) : [path.relative(base, p)];
  });
}

describe('every corpus file is read as its kind', () => {
  // The shared corpus when this machine has it; else our copies of it.
  const root = fs.existsSync(CORPUS) ? CORPUS : FIX;
  const files = (root === CORPUS ? walk(root) : ['dmesg', 'cpuinfo', 'timer_list', 'vbox', 'live'].flatMap((d) => walk(path.join(FIX, d)).map((f) => `${d}/${f}`)))
    .filter((f) => expected(f) !== null).sort();
  it('finds the corpus', () => expect(files.length).toBeGreaterThan(20));
  for (const rel of files) {
    it(rel, () => {
      const r = readBuffer(rel, fs.readFileSync(path.join(root, rel)));
      expect(r.status.status, r.status.message).toBe('ok');
      expect(r.status.kind).toBe(expected(rel));
    });
  }
});

describe('mixed pastes', () => {
  it('VBox.log lines and guest kernel lines in one paste give both kinds', () => {
    const r = readString('ticket.txt', [
      'From the host:',
      '00:00:10.232569 TM: cTSCTicksPerSecond=3 478 274 491 (0xcf5241bb) enmTSCMode=3 (Dynamic)',
      '00:00:10.233752 GIM: Using provider \'KVM\' (Implementation version: 0)',
      'and in the guest:',
      '[    0.000000] Hypervisor detected: KVM',
      '[    0.000000] tsc: Detected 3478.274 MHz processor',
      '[    1.234567] clocksource: Switched to clocksource kvm-clock',
    ].join('\n'));
    expect(r.status.status).toBe('ok');
    expect(new Set(r.status.kinds)).toEqual(new Set(['vbox', 'kernel-log']));
  });
  it('quoted (> ) and indented lines are still read', () => {
    const r = readString('mail.txt', '> [    0.000000] Hypervisor detected: KVM\n>> [    0.149025] Switched to clocksource xen\n');
    expect(r.status.kinds).toEqual(['kernel-log']);
  });
  it('a VBox.log with guest kernel lines forwarded inside is a VBox.log first', () => {
    const lines = fs.readFileSync(path.join(FIX, 'vbox', 'v5.0.6-win-intel-none-bayons.log'), 'utf8').split('\n');
    lines.splice(30, 0, '00:00:05.123456 VMMDev: Guest Log: [    0.000000] Linux version 5.4.0-110-generic (buildd@ubuntu)');
    expect(readString('VBox.log', lines.join('\n')).status.kind).toBe('vbox');
  });
  it('prose has no evidence, and says so', () => {
    const r = readString('note.txt', 'Hello,\nmy guest clock loses 20 minutes a day.\nRegards\n');
    expect(r.status.status).toBe('no-evidence');
    expect(r.status.message).toMatch(/no clock evidence/);
  });
  it('a prompt that names a clocksource file gives the value below it', () => {
    const r = readString('cs.txt', '$ cat /sys/devices/system/clocksource/clocksource0/available_clocksource\nkvm-clock tsc hpet acpi_pm\n');
    expect(r.status.kinds).toEqual(['clocksource']);
    expect((r.parts[0]!.facts as unknown as { available: string[] }).available).toEqual(['kvm-clock', 'tsc', 'hpet', 'acpi_pm']);
  });
});

describe('what is not text', () => {
  const dmesg = fs.readFileSync(path.join(FIX, 'dmesg', 'kvm-bochs-3.13-kvmclock.txt'));
  it('empty, binary, compressed and UTF-16 are told apart', () => {
    expect(sniff(Buffer.alloc(0))).toEqual({ type: 'empty' });
    expect(sniff(Buffer.from('\n \n\t\n'))).toEqual({ type: 'empty' });
    expect(sniff(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0]))).toMatchObject({ type: 'unreadable', reason: expect.stringMatching(/binary/) });
    expect(sniff(zlib.gzipSync(dmesg))).toEqual({ type: 'gzip' });
    expect(sniff(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2]))).toMatchObject({ type: 'unreadable', reason: expect.stringMatching(/^xz-compressed: decompress it first \(xzcat/) });
    expect(sniff(Buffer.from(dmesg.toString('utf8'), 'utf16le'))).toEqual({ type: 'text', encoding: 'utf16le' });
  });
  it('UTF-16 text (PowerShell\'s >) is read like UTF-8', () => {
    const r = readBuffer('dmesg.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(dmesg.toString('utf8'), 'utf16le')]));
    expect(r.status.kind).toBe('kernel-log');
  });
  it('random bytes and random text never throw (property, seed 11)', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 4096 }), (bytes) => {
      const r = readBuffer('x', Buffer.from(bytes));
      expect(['ok', 'no-evidence', 'not-recognised', 'failed']).toContain(r.status.status);
    }), { numRuns: 300, seed: 11 });
    fc.assert(fc.property(fc.string({ maxLength: 2000 }), (s) => {
      expect(typeof readString('x', s).status.status).toBe('string');
    }), { numRuns: 300, seed: 11 });
  });
});
