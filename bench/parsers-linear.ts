/**
 * Parser time grows linearly with input size: each streaming parser reads real captures (the fuzz
 * seeds, concatenated) at 1×, 4× and 16× a base size, fed through the same LineSplitter and 4 MB
 * chunks as `analyze`. Prints the median time of 3 runs and time-per-byte relative to 1× (≈ 1.0 means
 * linear; a quadratic parser would show ≈ 4 and ≈ 16). `npm run bench -- parsers-linear`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LineSplitter, type LineParser } from '../agent/evidence/text/lines.js';
import { createVboxParser } from '../agent/evidence/vbox/parser.js';
import { createKernelLogParser } from '../agent/evidence/kernel-log/parser.js';
import { createCpuinfoParser } from '../agent/evidence/cpuinfo/parser.js';
import { createTimerListParser } from '../agent/evidence/timer-list/parser.js';
import { median, repoRoot } from './util.js';


interface Target {
  name: string;
  seedKind: string;
  baseBytes: number;
  create(): LineParser<unknown>;
}

const TARGETS: Target[] = [
  { name: 'vbox', seedKind: 'vbox', baseBytes: 4 << 20, create: () => createVboxParser('bench') },
  { name: 'kernel-log', seedKind: 'dmesg', baseBytes: 4 << 20, create: () => createKernelLogParser('bench') },
  { name: 'cpuinfo', seedKind: 'cpuinfo', baseBytes: 1 << 20, create: () => createCpuinfoParser('bench') },
  { name: 'timer-list', seedKind: 'timer_list', baseBytes: 1 << 20, create: () => createTimerListParser('bench') },
];

const CHUNK = 4 << 20;
const SCALES = [1, 4, 16] as const;
const REPEATS = 3;

/** Real captures of one kind, repeated until `bytes` is reached. */
export function inputOf(seedKind: string, bytes: number): Buffer {
  const dir = path.join(repoRoot(), 'test', 'fixtures', 'fuzz', seedKind);
  const files = fs.readdirSync(dir).sort().map((f) => fs.readFileSync(path.join(dir, f)));
  const one = Buffer.concat(files.map((b) => (b[b.length - 1] === 10 ? b : Buffer.concat([b, Buffer.from('\n')]))));
  const parts: Buffer[] = [];
  let n = 0;
  while (n < bytes) {
    parts.push(one);
    n += one.length;
  }
  return Buffer.concat(parts).subarray(0, bytes);
}

/** Parse `buf` as `analyze` would (4 MB chunks); returns milliseconds. */
export function timeParse(create: () => LineParser<unknown>, buf: Buffer): number {
  const t0 = process.hrtime.bigint();
  const parser = create();
  const s = new LineSplitter(parser);
  for (let i = 0; i < buf.length; i += CHUNK) s.write(buf, i, Math.min(buf.length, i + CHUNK));
  s.end();
  parser.finish();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export async function run(): Promise<boolean> {
  let ok = true;
  process.stdout.write('parser       size      median ms   MB/s    time per byte vs 1×\n');
  for (const t of TARGETS) {
    let perByte1 = 0;
    for (const scale of SCALES) {
      const buf = inputOf(t.seedKind, t.baseBytes * scale);
      timeParse(t.create, buf); // warm-up: JIT and page cache
      const ms = median(Array.from({ length: REPEATS }, () => timeParse(t.create, buf)));
      const perByte = ms / buf.length;
      if (scale === 1) perByte1 = perByte;
      const ratio = perByte / perByte1;
      // Linear within noise: a shared 2-core box wobbles, a quadratic parser would be ×4 and ×16.
      if (scale > 1 && ratio > 1.6) ok = false;
      process.stdout.write(
        `${t.name.padEnd(12)} ${`${(buf.length / 2 ** 20).toFixed(0)} MB`.padStart(6)}   ${ms.toFixed(1).padStart(10)}   ${(buf.length / 2 ** 20 / (ms / 1000)).toFixed(0).padStart(5)}    ${ratio.toFixed(2)}\n`,
      );
    }
  }
  process.stdout.write(ok ? 'linear: yes (time per byte within 1.6× of the 1× run at 4× and 16×)\n' : 'linear: NO — see the ratios above\n');
  return ok;
}

if (process.argv[1] !== undefined && import.meta.filename === path.resolve(process.argv[1])) {
  void run().then((ok) => { process.exitCode = ok ? 0 : 1; });
}
