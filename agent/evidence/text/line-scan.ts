/**
 * The WebAssembly line scanner (wasm/line-scan.wat) behind LineSplitter: finds line breaks 16 bytes
 * at a time and, for parsers that offer a `screen`, skips in bulk the lines their filter would reject.
 *
 * The module owns one chunk buffer in its memory; a file reader borrows it (`borrowChunk`), reads
 * into it, and hands it to a LineSplitter, which scans it in place. Anything else — a string, a
 * Buffer of its own, a second reader while the chunk is borrowed, a Node run with `--jitless` (no
 * WebAssembly) — takes the plain `indexOf` path, which gives the same lines.
 */
import { LINE_SCAN_WASM } from './wasm/line-scan.js';

/** Bytes of the chunk buffer (the most a file reader reads at once). */
export const SCAN_CHUNK = 4 * 1024 * 1024;
/** Where the output area starts; the gap after the chunk absorbs the scanner's 16-byte over-reads. */
const OUT = SCAN_CHUNK + 64 * 1024;
/** Entries the output area holds per call. */
const OUT_ENTRIES = 16 * 1024;
/** i32 per `screen` entry: start, end, ordinal, skipped start, skipped end. */
export const SCREEN_SLOTS = 5;
/** Where the prefix table starts, and how many prefixes it holds. */
const PREFIXES = OUT + OUT_ENTRIES * SCREEN_SLOTS * 4 + 64 * 1024;
export const MAX_PREFIXES = 64;

/** The part of the WebAssembly API used here (the DOM lib that types it is not in this build). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

interface Exports {
  memory: { buffer: ArrayBuffer };
  newlines(p: number, end: number, out: number, max: number): number;
  screen(p: number, end: number, out: number, max: number, prefixes: number, count: number): number;
  resume(): number;
  scanned(): number;
  lines(): number;
  skipStart(): number;
  skipEnd(): number;
}

/** The scanner and views of its memory; `resume` … `skipEnd` are the module's own (see the .wat). */
export interface LineScan extends Pick<Exports, 'resume' | 'scanned' | 'lines' | 'skipStart' | 'skipEnd'> {
  /** The chunk buffer (SCAN_CHUNK bytes at offset 0 of the module's memory). */
  readonly chunk: Buffer;
  /** Output of the last call: newline offsets, or SCREEN_SLOTS per line handed over. */
  readonly out: Int32Array;
  /** Offsets in `chunk` of the '\n' bytes in [p, end), from a 16-byte-aligned walk; see the .wat. */
  newlines(p: number, end: number): number;
  /** Lines that may matter among those ending in [p, end), given the prefixes set last. */
  screen(p: number, end: number): number;
  /** Set the message prefixes (1–4 ASCII bytes each) that make a line matter. */
  setPrefixes(prefixes: readonly string[]): void;
}

let scanner: LineScan | null | undefined;
let borrowed = false;

function load(): LineScan | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return null; // node --jitless
  let x: Exports;
  try {
    const bytes = Buffer.from(LINE_SCAN_WASM, 'base64');
    x = new wasm.Instance(new wasm.Module(bytes)).exports as Exports;
  } catch {
    return null; // no SIMD, or WebAssembly refused here: the indexOf path does the same work
  }
  const mem = x.memory.buffer;
  const chunk = Buffer.from(mem, 0, SCAN_CHUNK);
  const out = new Int32Array(mem, OUT, OUT_ENTRIES * SCREEN_SLOTS);
  const table = new Int32Array(mem, PREFIXES, MAX_PREFIXES * 2);
  let count = 0;
  return {
    chunk,
    out,
    newlines: (p, end) => x.newlines(p, end, OUT, OUT_ENTRIES),
    screen: (p, end) => x.screen(p, end, OUT, OUT_ENTRIES, PREFIXES, count),
    setPrefixes(prefixes) {
      if (prefixes.length > MAX_PREFIXES) throw new RangeError(`at most ${MAX_PREFIXES} screen prefixes`);
      // Groups of four: four masks, then four values (the scanner compares four at a time).
      const groups = Math.ceil(prefixes.length / 4);
      for (let i = 0; i < groups * 4; i++) {
        const g = (i >> 2) * 8;
        const lane = i & 3;
        const s = prefixes[i];
        if (s === undefined) {
          table[g + lane] = 0; // matches no word: (word & 0) is never 1
          table[g + 4 + lane] = 1;
          continue;
        }
        if (s.length < 1 || s.length > 4 || !/^[\x20-\x7e]+$/.test(s)) throw new RangeError(`screen prefix must be 1–4 printable ASCII bytes: ${JSON.stringify(s)}`);
        let value = 0;
        for (let k = 0; k < s.length; k++) value |= s.charCodeAt(k) << (8 * k);
        table[g + lane] = s.length === 4 ? -1 : (1 << (8 * s.length)) - 1;
        table[g + 4 + lane] = value;
      }
      count = groups;
    },
    resume: x.resume,
    scanned: x.scanned,
    lines: x.lines,
    skipStart: x.skipStart,
    skipEnd: x.skipEnd,
  };
}

/** The scanner, instantiated on first use; null where WebAssembly is not available. */
export function lineScan(): LineScan | null {
  if (scanner === undefined) scanner = load();
  return scanner;
}

/**
 * Borrow the scanner's chunk buffer for one file read; null when there is no scanner or the chunk is
 * already borrowed (the caller then reads into a Buffer of its own). Give it back with `returnChunk`.
 */
export function borrowChunk(): Buffer | null {
  const s = lineScan();
  if (s === null || borrowed) return null;
  borrowed = true;
  return s.chunk;
}

export function returnChunk(chunk: Buffer | null): void {
  if (chunk !== null && chunk === scanner?.chunk) borrowed = false;
}

/** Is `buf` the scanner's chunk (so a splitter may scan it in place)? */
export function isScanChunk(buf: Uint8Array): boolean {
  return scanner != null && buf.buffer === scanner.chunk.buffer && buf.byteOffset === 0;
}
