/**
 * Reads a user-named file through a parser in one streaming pass (the only fs access for `analyze`).
 */
import fs from 'node:fs';
import { LineSplitter, type LineParser, type SplitStats } from '../evidence/text/lines.js';
import { borrowChunk, returnChunk, SCAN_CHUNK } from '../evidence/text/line-scan.js';
import { InputError } from '../errors.js';
import { EXIT } from '../exit-codes.js';

const CHUNK = SCAN_CHUNK;

/** Map an fs error to a user-facing InputError naming the file. */
function fsError(path: string, err: unknown): InputError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return new InputError('no such file', EXIT.noInput, path);
    case 'EACCES':
    case 'EPERM':
      return new InputError('permission denied', EXIT.noInput, path);
    case 'EISDIR':
      return new InputError('is a directory, not a file', EXIT.noInput, path);
    default:
      return new InputError(`cannot read: ${code ?? String(err)}`, EXIT.noInput, path);
  }
}

/** Open a regular file for reading, with its size, or throw an InputError (missing, directory, unreadable). */
export function openRegular(path: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (err) {
    throw fsError(path, err);
  }
  const st = fs.fstatSync(fd);
  if (st.isDirectory()) {
    fs.closeSync(fd);
    throw new InputError('is a directory, not a file', EXIT.noInput, path);
  }
  return { fd, size: st.size };
}

/** Read the first `max` bytes of a file (for kind detection). */
export function readHead(path: string, max = 64 * 1024): Buffer {
  return readHeadAndSize(path, max).head;
}

/** `readHead`, with the size of the file as opened (no second stat). */
export function readHeadAndSize(path: string, max = 64 * 1024): { head: Buffer; size: number } {
  const { fd, size } = openRegular(path);
  try {
    const buf = Buffer.allocUnsafe(max);
    let total = 0;
    while (total < max) {
      const n = fs.readSync(fd, buf, total, max - total, null);
      if (n === 0) break;
      total += n;
    }
    return { head: buf.subarray(0, total), size };
  } catch (err) {
    throw err instanceof InputError ? err : fsError(path, err);
  } finally {
    fs.closeSync(fd);
  }
}

/** Files at least this big are read into the line scanner's chunk (instantiating it costs ~1 ms). */
const SCAN_MIN_BYTES = 1024 * 1024;

/** Stream a whole file through `parser`; returns the parser's facts and the split statistics. */
export function parseFile<F>(path: string, parser: LineParser<F>): { facts: F; stats: SplitStats } {
  const { fd, size } = openRegular(path);
  const splitter = new LineSplitter(parser);
  let borrowed: Buffer | null = null;
  try {
    // In the scanner's chunk, the splitter scans in WebAssembly (parsers/line-scan.ts).
    if (size >= SCAN_MIN_BYTES) borrowed = borrowChunk();
    const buf = borrowed ?? Buffer.allocUnsafe(CHUNK);
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(fd, buf, 0, CHUNK, null);
      } catch (err) {
        throw fsError(path, err);
      }
      if (n === 0) break;
      splitter.write(buf, 0, n);
    }
    splitter.end();
  } finally {
    returnChunk(borrowed);
    fs.closeSync(fd);
  }
  return { facts: parser.finish(), stats: splitter.stats };
}

/** Feed a splitter everything left on `fd` (a pipe, stdin, or a file after its head), in chunks. */
export function feedRest(fd: number, splitter: LineSplitter, label: string, maxBytes = Number.POSITIVE_INFINITY): void {
  const buf = Buffer.allocUnsafe(CHUNK);
  let total = 0;
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, CHUNK, null);
    } catch (err) {
      // A non-blocking stdin with nothing yet to read: wait for it, as a pipe reader does.
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); continue; }
      throw fsError(label, err);
    }
    if (n === 0) break;
    total += n;
    if (total > maxBytes) throw new InputError(`more than ${maxBytes} bytes`, EXIT.dataErr, label);
    splitter.write(buf, 0, n);
  }
}

/** Read up to `max` bytes from the current position of `fd` (fewer at its end). */
export function readUpTo(fd: number, max: number, label: string): Buffer {
  const buf = Buffer.allocUnsafe(max);
  let total = 0;
  while (total < max) {
    let n: number;
    try {
      n = fs.readSync(fd, buf, total, max - total, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); continue; }
      throw fsError(label, err);
    }
    if (n === 0) break;
    total += n;
  }
  return buf.subarray(0, total);
}

/** Everything left on `fd` after `head`, as one buffer of at most `max` bytes (archives, UTF-16 text). */
export function readAllFrom(fd: number, head: Buffer, max: number, label: string): Buffer {
  const parts: Buffer[] = [head];
  let total = head.length;
  for (;;) {
    const chunk = readUpTo(fd, CHUNK, label);
    if (chunk.length === 0) break;
    total += chunk.length;
    if (total > max) throw new InputError(`larger than the ${max}-byte limit for archives and re-encoded text`, EXIT.dataErr, label);
    parts.push(Buffer.from(chunk));
  }
  return Buffer.concat(parts, total);
}
