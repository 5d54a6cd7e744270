/**
 * Worker half of agent/sources/parallel.ts: pre-filter `[start, end)` of a file with a fresh parser
 * and send back the lines it kept and the last lines of the range.
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { LineSplitter, type LineParser } from '../parsers/lines.js';
import { createVboxParser } from '../parsers/vbox.js';
import { feedRange, type SplittableKind, type WorkerJob, type WorkerResult } from './parallel.js';

const FACTORIES: Record<SplittableKind, () => LineParser<unknown>> = {
  'vbox-log': () => createVboxParser(),
};

/** How many final lines to send whatever the filter says (enough to reach a timestamped one). */
const TAIL_LINES = 16;
const TAIL_BYTES = 64 * 1024;

function run(job: WorkerJob): WorkerResult {
  const inner = FACTORIES[job.kind]();
  const kept: WorkerResult['kept'] = [];
  // Push into the fresh parser too: its first-wins state must narrow exactly as the main one would.
  const collector: LineParser<null> = {
    wants: inner.wants?.bind(inner),
    push(line, n) {
      kept.push({ n, text: line });
      inner.push(line, n);
    },
    finish: () => null,
  };
  const fd = fs.openSync(job.path, 'r');
  try {
    const splitter = new LineSplitter(collector);
    feedRange(fd, job.path, splitter, job.start, job.end);
    splitter.end();
    const stats = splitter.stats;
    // The tail: split the last bytes again, dropping a first partial line, numbered back from the end.
    const tailStart = Math.max(job.start, job.end - TAIL_BYTES);
    const all: string[] = [];
    const tailSplitter = new LineSplitter({ push: (line) => all.push(line), finish: () => null });
    feedRange(fd, job.path, tailSplitter, tailStart, job.end);
    tailSplitter.end();
    if (tailStart > job.start) all.shift();
    const lastN = stats.lines;
    const tail = all.slice(-TAIL_LINES).map((text, i, arr) => ({ n: lastN - (arr.length - 1 - i), text }));
    return { kept, tail, stats };
  } finally {
    fs.closeSync(fd);
  }
}

parentPort?.postMessage(run(workerData as WorkerJob));
