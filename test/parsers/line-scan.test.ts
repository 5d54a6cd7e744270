/**
 * The WebAssembly line scanner (agent/evidence/text/line-scan.ts, wasm/line-scan.wat) must change nothing
 * but speed: the same lines, numbers and facts as the plain indexOf path, for any input and any
 * chunking; and the VBox.log screen may only skip lines the JavaScript filter rejects.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter, MAX_LINE_BYTES, type LineParser } from '../../agent/evidence/text/lines.js';
import { borrowChunk, isScanChunk, lineScan, returnChunk, SCAN_CHUNK, SCREEN_SLOTS } from '../../agent/evidence/text/line-scan.js';
import { createVboxParser } from '../../agent/evidence/vbox/parser.js';
import { createKernelLogParser } from '../../agent/evidence/kernel-log/parser.js';
import {
  messageStart, prefilterState, screenPrefixes, wantsLine, type PrefilterState,
} from '../../agent/evidence/vbox/prefilter.js';
import { parseFile } from '../../agent/sources/file.js';
// @ts-expect-error: a plain .mjs build script, no types
import { compileLineScan } from '../../scripts/build-wasm.mjs';
import { ROOT } from '../helpers/cli.js';

const VBOX_DIR = path.join(ROOT, 'test', 'fixtures', 'vbox');
const VBOX_LOGS = fs.readdirSync(VBOX_DIR).filter((f) => /\.log(\.\d)?$/.test(f)).map((f) => path.join(VBOX_DIR, f));
const DMESG = path.join(ROOT, 'test', 'fixtures', 'dmesg', 'kvm-bochs-3.13-kernlog-multiboot.txt');

const scan = lineScan();

/** Every line a splitter hands to `wants`/`push`, with its number, for comparing two paths. */
function recorder(): LineParser<string[]> & { seen: string[] } {
  const seen: string[] = [];
  return { seen, push: (line, n) => { seen.push(`${n}:${line}`); }, finish: () => seen };
}

/** Feed `bytes` through the scanner's chunk in pieces of `piece` bytes (the wasm path). */
function viaChunk<F>(parser: LineParser<F>, bytes: Buffer, piece: number): { facts: F; stats: LineSplitter['stats'] } {
  const chunk = borrowChunk();
  expect(chunk).not.toBeNull();
  try {
    const splitter = new LineSplitter(parser);
    for (let i = 0; i < bytes.length; i += piece) {
      const n = Math.min(piece, bytes.length - i, SCAN_CHUNK);
      bytes.copy(chunk!, 0, i, i + n);
      splitter.write(chunk!, 0, n);
    }
    splitter.end();
    return { facts: parser.finish(), stats: splitter.stats };
  } finally {
    returnChunk(chunk);
  }
}

/** The same through an ordinary Buffer (the indexOf path). */
function viaBuffer<F>(parser: LineParser<F>, bytes: Buffer, piece: number): { facts: F; stats: LineSplitter['stats'] } {
  const splitter = new LineSplitter(parser);
  for (let i = 0; i < bytes.length; i += piece) splitter.write(Buffer.from(bytes.subarray(i, Math.min(bytes.length, i + piece))));
  splitter.end();
  return { facts: parser.finish(), stats: splitter.stats };
}

describe('the compiled module', () => {
  it('is the one line-scan.wat compiles to (run node scripts/build-wasm.mjs after editing it)', async () => {
    const committed = fs.readFileSync(path.join(ROOT, 'agent', 'evidence', 'text', 'wasm', 'line-scan.ts'), 'utf8');
    expect(committed).toBe(await compileLineScan());
  });

  it('loads here (Node 20 has WebAssembly SIMD)', () => {
    expect(scan).not.toBeNull();
  });

  it('lends its chunk to one reader at a time', () => {
    const a = borrowChunk();
    expect(a).not.toBeNull();
    expect(isScanChunk(a!)).toBe(true);
    expect(borrowChunk()).toBeNull();
    returnChunk(a);
    const b = borrowChunk();
    expect(b).toBe(a);
    returnChunk(b);
    expect(isScanChunk(Buffer.alloc(16))).toBe(false);
  });
});

describe('newline search', () => {
  it('finds the same line breaks as indexOf, in any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 0, max: 40 }), (raw, nlEvery) => {
      const bytes = Buffer.from(raw);
      if (nlEvery > 0) for (let i = 0; i < bytes.length; i += nlEvery) bytes[i] = 10;
      const chunk = borrowChunk()!;
      try {
        bytes.copy(chunk);
        const found: number[] = [];
        let from = 0;
        for (;;) {
          const n = scan!.newlines(from, bytes.length);
          for (let k = 0; k < n; k++) found.push(scan!.out[k]!);
          from = scan!.resume();
          if (from + 16 > bytes.length) break;
        }
        for (let i = from; i < bytes.length; i++) if (bytes[i] === 10) found.push(i);
        const expected: number[] = [];
        for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) expected.push(i);
        expect(found).toEqual(expected);
      } finally {
        returnChunk(chunk);
      }
    }), { numRuns: 300 });
  });

  it('hands over more line breaks than its output holds in one call (a chunk of empty lines)', () => {
    const bytes = Buffer.alloc(100_000, 10);
    const a = viaChunk(recorder(), bytes, SCAN_CHUNK);
    expect(a.stats.lines).toBe(100_000);
    expect(a.facts).toEqual(viaBuffer(recorder(), bytes, 1 << 20).facts);
  });
});

// ───────────── the VBox.log screen ─────────────

const MESSAGES = [
  'TM: cTSCTicksPerSecond=3 478 274 491 (0xcf5241bb) fTSCVirtualized=true', 'TM: GIP - u32Mode=1', 'TMR3UtcNow: nsNow=1',
  'TM: Switching TSC mode from \'Dynamic\' to \'RealTscOffset\'', 'T', 'TX', 'GIM: Using provider \'KVM\' (Implementation version: 0)',
  'GIM: KVM: VCPU  0: Enabled system-time struct. at 0x0000000009b81000', 'GIM', 'Gst: 00000000  00000016 756e6547', 'Guest OS type: \'Linux26_64\'',
  'Hst: 00000015  00000002 000000c8 00000000 00000000', 'Full Name          <string>  = "ubuntu"', 'VirtualBox VM 5.0.6 r103037 win.amd64 (Oct  1 2015 17:04:16) release log',
  'VMMDev: Guest Additions information report: Version 5.0.6 r103037 \'5.0.6\'', 'VMMDev: Guest Log: 00:00:01.000 timesync vgsvcTimeSyncWorker: Radical guest time change',
  'VMMDev: Guest Log: nothing', 'Log opened 2015-10-10T10:10:10.123456000Z', 'OS Product: Windows 10', 'OS Release: 10.0.19041', 'Extradata overrides:',
  'Pausing VM execution, reason \'host suspend\'', 'Resuming VM execution, reason \'host resume\'', '************************* CFGM dump *************************',
  '*', '[/] (level 0)', '[/TM/] (level 1)', '[/Devices/] (level 1)', '[x', '  TSCTicksPerSecond <integer> = 0x00000000cf5241bb (3 478 274 491)',
  '  VBoxInternal/TM/TSCTicksPerSecond="3400109000"', '  ', ' ', '', 'PGM: x', 'EM: y', 'CPUM: z', 'Changing the VM state', 'ÿé', '0',
];
const TIMES = ['00:00:01.234567 ', '00:00:01.234 ', '12:34:56.789012 ', '99:59:59.999 ', '00:00:01.234567', '00:00:01.234', '0:00:01.234567 ',
  '00:00:01,234567 ', '100:00:01.234567 ', ' 00:00:01.234567 ', '00:0a:01.234567 ', '00:00:01.2345 ', '00:00:01.23456a ', ''];

const stateArb = fc.record({
  done: fc.integer({ min: 0, max: (1 << 13) - 1 }), cfgmDone: fc.boolean(), cpuidDone: fc.boolean(), inWantedNode: fc.boolean(),
  ts0: fc.integer({ min: -1, max: 400_000 }), ts1: fc.integer({ min: 0, max: 999_999 }),
});
const lineArb = fc.tuple(fc.constantFrom(...TIMES), fc.constantFrom(...MESSAGES), fc.nat(120), fc.string({ maxLength: 6 }), fc.constantFrom('', '\r'))
  .map(([t, m, cut, junk, cr]) => `${t}${m.slice(0, cut)}${junk}${cr}`);

function makeState(s: { done: number; cfgmDone: boolean; cpuidDone: boolean; inWantedNode: boolean; ts0: number; ts1: number }): PrefilterState {
  const st = prefilterState();
  Object.assign(st, { done: s.done, cfgmDone: s.cfgmDone, cpuidDone: s.cpuidDone, inWantedNode: s.inWantedNode });
  st.ts[0] = s.ts0;
  st.ts[1] = s.ts1;
  return st;
}

const snapshot = (s: PrefilterState): unknown => ({ ...s, ts: [...s.ts] });

describe('the VBox.log screen', () => {
  it('skips only lines the JavaScript filter rejects, and they change nothing but the elapsed time', () => {
    let skippedSome = 0;
    let keptSome = 0;
    fc.assert(fc.property(stateArb, fc.array(lineArb, { minLength: 1, maxLength: 30 }), (st, lines) => {
      const chunk = borrowChunk()!;
      try {
        const bytes = Buffer.from(`${lines.join('\n')}\n${'x'.repeat(16)}`, 'latin1');
        bytes.copy(chunk);
        const state = makeState(st);
        scan!.setPrefixes(screenPrefixes(state));
        const handed = new Set<number>();
        let pos = 0;
        for (;;) {
          const n = scan!.screen(pos, bytes.length);
          for (let k = 0; k < n; k++) handed.add(scan!.out[k * SCREEN_SLOTS]!);
          pos = scan!.resume();
          if (scan!.scanned() + 16 > bytes.length) break;
        }
        let start = 0;
        for (const line of lines) {
          const len = Buffer.byteLength(line, 'latin1');
          const end = line.endsWith('\r') ? start + len - 1 : start + len;
          if (start < pos && !handed.has(start)) {
            skippedSome++;
            // Skipped: the JavaScript filter, from the same state, must say no and only note the time.
            const a = makeState(st);
            const b = makeState(st);
            expect(wantsLine(chunk, start, end, a)).toBe(false);
            messageStart(chunk, start, end, b);
            expect(snapshot(a)).toEqual(snapshot(b));
          } else keptSome++;
          start += len + 1;
        }
      } finally {
        returnChunk(chunk);
      }
    }), { numRuns: 600 });
    expect(skippedSome).toBeGreaterThan(100);
    expect(keptSome).toBeGreaterThan(100);
  });

  it('never skips an overlong line (the splitter counts those)', () => {
    const long = `00:00:01.234567 PGM: ${'x'.repeat(MAX_LINE_BYTES)}\n`;
    const a = viaChunk(createVboxParser(), Buffer.from(long.repeat(3)), SCAN_CHUNK);
    expect(a.stats.overlongLines).toBe(3);
  });
});

// ───────────── whole parsers: wasm path = plain path ─────────────

describe('whole logs read through the scanner', () => {
  it.each(VBOX_LOGS.map((f) => [path.basename(f), f]))('%s: same VBox.log facts and counts in any chunking', (_name, file) => {
    const bytes = fs.readFileSync(file);
    const plain = viaBuffer(createVboxParser(file), bytes, 1 << 20);
    for (const piece of [SCAN_CHUNK, 65_536, 4093, 17]) {
      if (piece < 4000 && bytes.length > 400_000) continue; // tiny pieces of a big log only cost time
      const wasm = viaChunk(createVboxParser(file), bytes, piece);
      expect(wasm.facts).toEqual(plain.facts);
      expect(wasm.stats).toEqual(plain.stats);
    }
  });

  it('random mixes of real VBox.log lines and noise give the same facts', () => {
    const real = fs.readFileSync(path.join(VBOX_DIR, 'virtualbox-5.0-kvm-drift.log'), 'latin1').split('\n');
    const lineArb2 = fc.oneof(fc.constantFrom(...real), lineArb, fc.string({ unit: 'binary', maxLength: 40 }));
    fc.assert(fc.property(fc.array(lineArb2, { maxLength: 200 }), fc.integer({ min: 1, max: 300 }), fc.constantFrom('\n', '\r\n'), (lines, piece, eol) => {
      const bytes = Buffer.from(lines.join(eol), 'latin1');
      const wasm = viaChunk(createVboxParser(), bytes, piece);
      const plain = viaBuffer(createVboxParser(), bytes, piece);
      expect(wasm.facts).toEqual(plain.facts);
      expect(wasm.stats).toEqual(plain.stats);
    }), { numRuns: 200 });
  });

  it('a kernel log (no screen: newline search only) gives the same facts', () => {
    const bytes = fs.readFileSync(DMESG);
    for (const piece of [SCAN_CHUNK, 1000, 33]) {
      expect(viaChunk(createKernelLogParser(), bytes, piece)).toEqual(viaBuffer(createKernelLogParser(), bytes, 1 << 20));
    }
  });

  it('parseFile of a log over 1 MiB reads through the scanner and agrees with the plain path', () => {
    const parts = VBOX_LOGS.slice(0, 8).map((f) => fs.readFileSync(f));
    const bytes = Buffer.concat([...parts, ...parts]);
    expect(bytes.length).toBeGreaterThan(1024 * 1024);
    const file = path.join(fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'cd-scan-')), 'VBox.log');
    fs.writeFileSync(file, bytes);
    try {
      const inner = createVboxParser(file);
      let sawChunk = false;
      const watched: LineParser<unknown> = {
        ...inner,
        wants(buf, start, end) {
          sawChunk ||= isScanChunk(buf);
          return inner.wants!(buf, start, end);
        },
      };
      const viaFile = parseFile(file, watched);
      expect(sawChunk).toBe(true);
      expect(viaFile).toEqual(viaBuffer(createVboxParser(file), bytes, 1 << 20));
      // ...and gave the chunk back.
      const c = borrowChunk();
      expect(c).not.toBeNull();
      returnChunk(c);
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });
});
