/**
 * `date` output as users paste it → DateFacts. Pure.
 *
 * A line is a date line when, with its clock readings taken out, at most one short label per reading
 * is left (`host: …  guest: …`): a log line that starts with a time stamp and goes on with a message
 * is not one, nor `hwclock`'s `… -0.500000 seconds`. Under a prompt, only a command that runs `date`
 * gives date lines (a `timedatectl` or `hwclock` block is another kind's), and `date +%s` gives epoch
 * seconds. Several readings on one line are one row of a comparison (columns named by the loop's
 * command: clock-text.ts, columns.ts); a loop that prints each clock on its own line is read round
 * robin. compare.ts fits the second clock's rate against the first.
 */
import type { LineRef, KindParser, LineContext } from '../kind.js';
import type { ClockComparison, ClockPlace, DateFacts, DateSample } from './facts.js';
import { epochReading, findReadings, type ClockReading } from './clock-text.js';
import { dateColumns, readsDate, type ColumnSpec } from './columns.js';
import { compareClocks } from './compare.js';
import { excerpt } from '../text/lines.js';
import { mayHoldReading } from '../text/bytes.js';

const MAX_SAMPLES = 1000;
const MAX_COMPARISONS = 20;

/** A label word left beside a reading: `host:`, `guest`, `vm1=`, `->`. */
const LABEL = /^(?:[\w.@-]{1,24}[:=]?|->|=>|vs\.?|[-–|])$/;

/** What is left of a line once its readings are removed, split into words. */
function leftover(line: string, readings: readonly ClockReading[]): string[] {
  let rest = '';
  let at = 0;
  for (const r of readings) { rest += ` ${line.slice(at, r.start)} `; at = r.end; }
  rest += line.slice(at);
  return rest.split(/[\s|,;]+/).filter((w) => w !== '');
}

/** Readings of a line if it is a date line, else null. */
function dateLine(line: string, epochs: boolean): ClockReading[] | null {
  let readings = findReadings(line);
  if (readings.length === 0 && epochs) {
    const words = [...line.matchAll(/\S+/g)];
    const rs = words.map((w) => epochReading(w[0], w.index));
    if (rs.length > 0 && rs.every((r) => r !== null)) readings = rs as ClockReading[];
  }
  if (readings.length === 0) return null;
  // util-linux hwclock's own form (microseconds and a zone), the hwclock kind's when no prompt says `date`.
  if (!epochs && readings.every((r) => r.form === 'iso' && /\.\d{6}(?!\d)/.test(r.text) && r.zone !== null) && readings.length === 1) return null;
  const rest = leftover(line, readings);
  if (rest.length > readings.length || !rest.every((w) => LABEL.test(w) && !/^\d{3,}/.test(w))) return null;
  return readings;
}

/** One prompt's block: its columns, the rows and lines it printed. */
interface Block {
  command: string | null;
  host: string | null;
  columns: ColumnSpec[];
  /** The prompt line, when there was one. */
  promptLine: LineRef | null;
  rows: number;
  singles: number;
  /** Readings of each row, for the comparisons. */
  cells: Map<number, DateSample[]>;
}

interface State {
  block: Block;
  blocks: Block[];
  samples: DateSample[];
  recognised: number;
}

function newBlock(s: State | null, command: string | null, host: string | null, promptLine: LineRef | null = null): Block {
  const b: Block = { command, host, columns: readsDate(command) ? dateColumns(command) : [], promptLine, rows: 0, singles: 0, cells: new Map() };
  s?.blocks.push(b);
  return b;
}

/** Which column and row a line's k-th reading is. */
function placeReading(b: Block, k: number, count: number): { column: number; row: number | null; spec: ColumnSpec | null } {
  if (count >= 2) return { column: k, row: b.rows, spec: b.columns.length === count ? b.columns[k]! : null };
  if (b.columns.length >= 2) {
    const column = b.singles % b.columns.length;
    return { column, row: Math.floor(b.singles / b.columns.length), spec: b.columns[column]! };
  }
  return { column: 0, row: null, spec: b.columns[0] ?? null };
}

function sampleOf(r: ClockReading, b: Block, k: number, count: number, lineNo: number, line: string): DateSample {
  const { column, row, spec } = placeReading(b, k, count);
  const place: ClockPlace = spec?.place ?? (b.command === null ? 'unknown' : 'local');
  const host = spec?.host ?? (place === 'local' || place === 'unknown' ? b.host : null);
  return {
    line: lineNo, excerpt: excerpt(line), host, command: spec?.command ?? b.command, place, column, row,
    text: r.text, wallSeconds: r.wall, epochSeconds: r.epoch, zone: r.zone, resolutionSeconds: r.resolution,
  };
}

function keep(s: State, b: Block, x: DateSample): void {
  if (s.samples.length >= MAX_SAMPLES) return;
  s.samples.push(x);
  if (x.row !== null) b.cells.set(x.row, [...(b.cells.get(x.row) ?? []), x]);
}

function onLine(s: State, line: string, lineNo: number, ctx: LineContext | undefined): void {
  const command = ctx?.command ?? null;
  if (command !== s.block.command) s.block = newBlock(s, command, ctx?.host ?? null);
  // Output of a command that does not run `date` (timedatectl, hwclock, chronyc) is not this kind's.
  if (command !== null && !readsDate(command)) return;
  const readings = dateLine(line, command !== null && /\+%s/.test(command));
  if (readings === null) return;
  s.recognised++;
  const b = s.block;
  readings.forEach((r, k) => keep(s, b, sampleOf(r, b, k, readings.length, lineNo, line)));
  if (readings.length >= 2) b.rows++;
  else b.singles++;
}

const ref = (x: DateSample): LineRef => ({ line: x.line, excerpt: x.excerpt });

/** The instants of two readings to compare: both instants when both zones are known, else both wall clocks. */
function pairTimes(a: DateSample, b: DateSample): [number, number] {
  return a.epochSeconds !== null && b.epochSeconds !== null ? [a.epochSeconds, b.epochSeconds] : [a.wallSeconds, b.wallSeconds];
}

/** Rows of a block where both column 0 and column j were read, in row order. */
function pairsOf(b: Block, j: number): [DateSample, DateSample][] {
  const pairs: [DateSample, DateSample][] = [];
  for (const row of [...b.cells.keys()].sort((x, y) => x - y)) {
    const cells = b.cells.get(row)!;
    const first = cells.find((c) => c.column === 0);
    const second = cells.find((c) => c.column === j);
    if (first !== undefined && second !== undefined) pairs.push([first, second]);
  }
  return pairs;
}

const side = (x: DateSample): ClockComparison['first'] => ({ host: x.host, command: x.command, place: x.place });

/** The comparison of column `j` against column 0 over one block's rows, or null with fewer than two rows. */
function comparison(b: Block, j: number): ClockComparison | null {
  const pairs = pairsOf(b, j);
  if (pairs.length < 2) return null;
  const points = pairs.map(([x, y]) => { const [first, second] = pairTimes(x, y); return { first, second }; });
  const resolution = Math.max(...pairs.map(([x, y]) => Math.max(x.resolutionSeconds, y.resolutionSeconds)));
  const fit = compareClocks(points, resolution);
  const p0 = points[0]!;
  const pN = points[points.length - 1]!;
  return {
    first: side(pairs[0]![0]), second: side(pairs[0]![1]), loop: b.command, loopLine: b.promptLine, rows: pairs.length,
    spanSeconds: pN.first - p0.first,
    rate: fit?.rate ?? null, ratePpm: fit?.ratePpm ?? null, uncertaintyPpm: fit?.uncertaintyPpm ?? null,
    steps: (fit?.steps ?? []).map((st) => ({ ...ref(pairs[st.row]![1]), seconds: st.seconds, at: pairs[st.row]![1].text })),
    offsetFirstSeconds: p0.second - p0.first,
    offsetLastSeconds: pN.second - pN.first,
    firstRow: ref(pairs[0]![0]), lastRow: ref(pairs[pairs.length - 1]![0]),
  };
}

/** Every comparison: per block, each column j ≥ 1 against column 0. */
function comparisons(blocks: readonly Block[]): ClockComparison[] {
  const out: ClockComparison[] = [];
  for (const b of blocks) {
    const columns = new Set([...b.cells.values()].flat().map((x) => x.column));
    for (const j of [...columns].filter((c) => c > 0).sort((x, y) => x - y)) {
      const c = comparison(b, j);
      if (c !== null && out.length < MAX_COMPARISONS) out.push(c);
    }
  }
  return out;
}

/** A streaming parser of `date` output for the text router. */
export function createDateParser(path: string | null = null): KindParser<DateFacts> {
  const s: State = { block: newBlock(null, null, null), blocks: [], samples: [], recognised: 0 };
  s.blocks.push(s.block);
  return {
    wants: (buf, start, end) => readsDate(s.block.command) || mayHoldReading(buf, start, end),
    // A month is no weekday, and the day after it no year.
    quietOnDaemon: () => !readsDate(s.block.command),
    prompt(command, host, lineNo, line) {
      s.block = newBlock(s, command, host, { line: lineNo, excerpt: excerpt(line) });
    },
    push: (line, lineNo, ctx) => onLine(s, line, lineNo, ctx),
    recognised: () => s.recognised,
    finish: () => ({ path, refs: {}, samples: s.samples, comparisons: comparisons(s.blocks) }),
  };
}
