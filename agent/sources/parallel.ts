/**
 * Reading a big log on two cores. The main thread parses the first half of the file; a worker runs a
 * fresh parser of the same kind over the second half and sends back only the lines its pre-filter
 * kept (plus the last few lines, which carry the log's final timestamp). The main parser then
 * replays those lines through its own `wants` and `push`, so the facts are exactly those of one
 * sequential pass: a `splittable` parser's pre-filter only narrows as it learns, so the fresh worker
 * keeps every line the main parser would (see LineParser.splittable).
 *
 * Why: a 270 MB VBox.log is mostly lines nobody needs; splitting them into lines is memory-bound work
 * that a second core halves, while process start-up and the CLI's imports cannot be made faster.
 */
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { LineSplitter, type LineParser, type SplitStats } from '../parsers/lines.js';
import { fsError, openRegular, parseFile } from './file.js';

/** Files smaller than this are read on one thread: a worker costs ~30 ms to start. */
export const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;

/** Parser kinds the worker can build (it cannot receive a parser object). */
export type SplittableKind = 'vbox-log';

/** What the worker sends back. */
export interface WorkerResult {
  /** Lines the worker's parser kept, numbered from 1 at the split point. */
  kept: { n: number; text: string }[];
  /** The last lines of the file, numbered likewise (their timestamps matter even when not kept). */
  tail: { n: number; text: string }[];
  stats: SplitStats;
}

export interface WorkerJob {
  path: string;
  kind: SplittableKind;
  start: number;
  end: number;
}

const CHUNK = 4 * 1024 * 1024;

/** Split point: just after the first newline at or after the middle (0 when there is none). */
function splitPoint(fd: number, size: number): number {
  const mid = Math.floor(size / 2);
  const buf = Buffer.allocUnsafe(64 * 1024);
  for (let pos = mid; pos < size; pos += buf.length) {
    const n = fs.readSync(fd, buf, 0, buf.length, pos);
    if (n === 0) break;
    const nl = buf.subarray(0, n).indexOf(10);
    if (nl >= 0) return pos + nl + 1;
  }
  return 0;
}

/** Feed `[start, end)` of an open file to a splitter. */
export function feedRange(fd: number, path: string, splitter: LineSplitter, start: number, end: number): void {
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, end - start)));
  let pos = start;
  while (pos < end) {
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, Math.min(buf.length, end - pos), pos);
    } catch (err) {
      throw fsError(path, err);
    }
    if (n === 0) break;
    splitter.write(buf, 0, n);
    pos += n;
  }
}

function runWorker(job: WorkerJob): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./parse-worker.js', import.meta.url), { workerData: job });
    worker.once('message', (m: WorkerResult) => resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`parse worker exited with ${code}`));
    });
  });
}

/**
 * Parse a file like `parseFile`, on two threads when it is big and the parser allows it. Falls back
 * to one thread whenever the worker cannot run (e.g. from TypeScript sources under a test runner).
 */
export async function parseFileParallel<F>(path: string, parser: LineParser<F>, kind: SplittableKind): Promise<{ facts: F; stats: SplitStats; threads: 1 | 2 }> {
  const fd = openRegular(path);
  let size: number;
  let split: number;
  try {
    size = fs.fstatSync(fd).size;
    split = parser.splittable === true && size >= PARALLEL_MIN_BYTES ? splitPoint(fd, size) : 0;
  } catch (err) {
    fs.closeSync(fd);
    throw fsError(path, err);
  }
  if (split === 0 || split >= size) {
    fs.closeSync(fd);
    return { ...parseFile(path, parser), threads: 1 };
  }
  const second = runWorker({ path, kind, start: split, end: size });
  // Keep the rejection handled while the main thread is busy below.
  second.catch(() => undefined);
  const splitter = new LineSplitter(parser);
  try {
    feedRange(fd, path, splitter, 0, split);
  } finally {
    fs.closeSync(fd);
  }
  let result: WorkerResult;
  try {
    result = await second;
  } catch {
    // No worker (e.g. running from .ts sources): finish on this thread.
    const fd2 = openRegular(path);
    try {
      feedRange(fd2, path, splitter, split, size);
    } finally {
      fs.closeSync(fd2);
    }
    splitter.end();
    return { facts: parser.finish(), stats: splitter.stats, threads: 1 };
  }
  splitter.end();
  const base = splitter.stats.lines;
  // Replay in line order: kept lines and the tail merged, each line once.
  const lines = new Map<number, string>();
  for (const l of result.kept) lines.set(l.n, l.text);
  for (const l of result.tail) lines.set(l.n, l.text);
  for (const n of [...lines.keys()].sort((a, b) => a - b)) {
    const text = lines.get(n)!;
    const bytes = Buffer.from(text, 'utf8');
    if (parser.wants === undefined || parser.wants(bytes, 0, bytes.length)) parser.push(text, base + n);
  }
  const stats: SplitStats = {
    lines: base + result.stats.lines,
    bytes: splitter.stats.bytes + result.stats.bytes,
    overlongLines: splitter.stats.overlongLines + result.stats.overlongLines,
  };
  return { facts: parser.finish(), stats, threads: 2 };
}
