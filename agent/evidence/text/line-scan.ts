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
import { anchorOffset } from './anchors.js';

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
/**
 * The kernel-log settle's literal tables (setSettleLiterals; the .wat reads them): a bitmap of the
 * byte pairs that anchor a literal (8 KB), a u16 per pair with its list's offset in the pool, the pool.
 */
const SETTLE_BITS = 5 * 1024 * 1024;
const SETTLE_HEAD = SETTLE_BITS + 8 * 1024;
const SETTLE_POOL = SETTLE_HEAD + 128 * 1024;
const SETTLE_POOL_BYTES = 64 * 1024;

/** The part of the WebAssembly API used here (the DOM lib that types it is not in this build). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

interface Exports {
  memory: { buffer: ArrayBuffer };
  newlines(p: number, end: number, out: number, max: number): number;
  screen(p: number, end: number, out: number, max: number, prefixes: number, count: number): number;
  settleTables(bits: number, head: number, pool: number): void;
  settleState(state: number, daemons: number): void;
  settledDaemon(): number;
  settledDmesg(): number;
  settledSyslog(): number;
  settleLastStart(): number;
  settleLastEnd(): number;
  settleLastOrd(): number;
  settleOrder(): number;
  settledJournal(): number;
  needFlush(): number;
  resume(): number;
  scanned(): number;
  lines(): number;
  skipStart(): number;
  skipEnd(): number;
}

/** What the settle did in the last `screen` call (see the .wat's kernel-log settle). */
type SettleExports = 'settleState' | 'settledDmesg' | 'settledSyslog' | 'settleLastStart' | 'settleLastEnd' | 'settleLastOrd' | 'settleOrder' | 'settledJournal' | 'settledDaemon' | 'needFlush';

/** The scanner and views of its memory; `resume` … `needFlush` are the module's own (see the .wat). */
export interface LineScan extends Pick<Exports, 'resume' | 'scanned' | 'lines' | 'skipStart' | 'skipEnd' | SettleExports> {
  /** The chunk buffer (SCAN_CHUNK bytes at offset 0 of the module's memory). */
  readonly chunk: Buffer;
  /** Output of the last call: newline offsets, or SCREEN_SLOTS per line handed over. */
  readonly out: Int32Array;
  /** Offsets in `chunk` of the '\n' bytes in [p, end), from a 16-byte-aligned walk; see the .wat. */
  newlines(p: number, end: number): number;
  /** Lines that may matter among those ending in [p, end), given the prefixes set last; at most about `max` of them. */
  screen(p: number, end: number, max?: number): number;
  /** Set the message prefixes (1–4 ASCII bytes each) that make a line matter. */
  setPrefixes(prefixes: readonly string[]): void;
  /** Set the literals (2–255 printable ASCII bytes) that keep a kernel line from being settled; the same array again costs nothing. */
  setSettleLiterals(literals: readonly string[]): void;
}

/**
 * The literal tables for `literals`, laid out as the .wat reads them: each literal is filed under its
 * anchor pair (anchors.ts), its record `length anchor-offset bytes…`, each pair's list ended by 0.
 */
function settleTables(literals: readonly string[]): { bits: Uint8Array; head: Uint16Array; pool: Uint8Array } {
  const lists = new Map<number, number[][]>();
  for (const lit of literals) {
    if (lit.length < 2 || lit.length > 255 || !/^[\x20-\x7e]+$/.test(lit)) throw new RangeError(`settle literal must be 2–255 printable ASCII bytes: ${JSON.stringify(lit)}`);
    const bytes = Array.from(lit, (c) => c.charCodeAt(0));
    const at = anchorOffset(bytes);
    const pair = (bytes[at]! << 8) | bytes[at + 1]!;
    const list = lists.get(pair) ?? [];
    list.push([bytes.length, at, ...bytes]);
    lists.set(pair, list);
  }
  const bits = new Uint8Array(8 * 1024);
  const head = new Uint16Array(65536);
  const pool: number[] = [];
  for (const [pair, list] of lists) {
    bits[pair >> 3]! |= 1 << (pair & 7);
    head[pair] = pool.length;
    for (const rec of list) pool.push(...rec);
    pool.push(0);
  }
  if (pool.length > SETTLE_POOL_BYTES) throw new RangeError(`settle literals take ${pool.length} bytes, at most ${SETTLE_POOL_BYTES}`);
  return { bits, head, pool: Uint8Array.from(pool) };
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
  let settleLiterals: readonly string[] | null = null;
  x.settleTables(SETTLE_BITS, SETTLE_HEAD, SETTLE_POOL);
  return {
    chunk,
    out,
    newlines: (p, end) => x.newlines(p, end, OUT, OUT_ENTRIES),
    screen: (p, end, max = OUT_ENTRIES) => x.screen(p, end, OUT, Math.min(max, OUT_ENTRIES), PREFIXES, count),
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
    setSettleLiterals(literals) {
      if (literals === settleLiterals) return;
      const t = settleTables(literals);
      new Uint8Array(mem, SETTLE_BITS, t.bits.length).set(t.bits);
      new Uint16Array(mem, SETTLE_HEAD, t.head.length).set(t.head);
      new Uint8Array(mem, SETTLE_POOL, t.pool.length).set(t.pool);
      settleLiterals = literals;
    },
    settleState: x.settleState,
    settledDmesg: x.settledDmesg,
    settledSyslog: x.settledSyslog,
    settleLastStart: x.settleLastStart,
    settleLastEnd: x.settleLastEnd,
    settleLastOrd: x.settleLastOrd,
    settleOrder: x.settleOrder,
    settledJournal: x.settledJournal,
    settledDaemon: x.settledDaemon,
    needFlush: x.needFlush,
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
