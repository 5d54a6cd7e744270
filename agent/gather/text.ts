/**
 * One text input — a file, a pipe, stdin, or an unpacked archive member — read once through the
 * router (evidence/text/router.ts), which offers every line to every kind. The result is the input's
 * status and the sections of evidence found in it.
 */
import fs from 'node:fs';
import { InputError, ParseError, located } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { KIND_LIST, type KindName } from '../evidence/index.js';
import type { SectionBase } from '../evidence/kind.js';
import { LineSplitter, parseText, type SplitStats } from '../evidence/text/lines.js';
import { createRouter, type RouterResult } from '../evidence/text/router.js';
import { sniff, type Sniffed } from '../evidence/text/detect.js';
import { feedRest, parseFile, readAllFrom, readUpTo } from '../sources/file.js';
import type { InputStatus } from '../result.js';

/** A section of one kind read from one input. */
export interface Part {
  kind: KindName;
  facts: SectionBase;
}

/** What one input gave. */
export interface TextRead {
  status: InputStatus;
  parts: Part[];
}

/** The first bytes every input is sniffed on. */
export const HEAD_BYTES = 64 * 1024;

/** Above this an input gets a progress line. */
const PROGRESS_BYTES = 50 * 1024 * 1024;

/** Largest input read whole into memory (UTF-16 text, a pipe holding an archive). */
export const MAX_WHOLE_BYTES = 1024 * 1024 * 1024;

/** A fresh router over every kind that reads user text, each parser naming `display` as its file. */
export function routerFor(display: string): ReturnType<typeof createRouter> {
  return createRouter(KIND_LIST.flatMap((k) => (k.createParser === null ? [] : [{ name: k.name, parser: k.createParser(display), readsClaimed: k.readsClaimedLines === true }])));
}

function errorText(err: unknown): string {
  if (err instanceof InputError) return err.message;
  if (err instanceof ParseError) return located(null, err.line, err.message);
  return err instanceof Error ? err.message : String(err);
}

/** Status and parts from what the router found. */
export function fromRouted(display: string, r: RouterResult, stats: SplitStats | null): TextRead {
  const sections = [...r.sections].sort((a, b) => b.recognised - a.recognised);
  const kinds = sections.map((s) => s.name as KindName);
  const status: InputStatus = { path: display, kind: kinds[0] ?? null, kinds, status: 'ok' };
  if (stats !== null) status.lines = stats.lines;
  const notes: string[] = [];
  if (stats !== null && stats.overlongLines > 0) notes.push(`${stats.overlongLines} overlong line${stats.overlongLines === 1 ? '' : 's'} (> 64 KB) skipped`);
  for (const e of r.errors) notes.push(`${e.name}: ${errorText(e.error)}`);
  if (sections.length === 0) {
    if (r.errors.length > 0) {
      status.status = 'failed';
      status.kind = r.errors[0]!.name as KindName;
      status.kinds = [status.kind];
    } else {
      status.status = 'no-evidence';
      notes.unshift('no clock evidence: no line is one clockdoctor reads (kernel log, VBox.log, cpuinfo, timer_list, clocksource, command output)');
    }
  }
  if (notes.length > 0) status.message = notes.join('; ');
  return { status, parts: sections.map((s) => ({ kind: s.name as KindName, facts: s.facts as SectionBase })) };
}

/** A text already in memory (an archive member, UTF-16 re-encoded, a test). */
export function readBuffer(display: string, buf: Buffer): TextRead {
  const sniffed = sniff(buf.subarray(0, HEAD_BYTES));
  if (sniffed.type !== 'text') return notText(display, sniffed);
  const text = decode(buf, sniffed.encoding);
  const router = routerFor(display);
  const splitter = new LineSplitter(router);
  splitter.write(Buffer.from(text, 'utf8'));
  splitter.end();
  return fromRouted(display, router.finish(), splitter.stats);
}

function decode(buf: Buffer, encoding: 'utf8' | 'utf16le' | 'utf16be'): string {
  if (encoding === 'utf8') return buf.toString('utf8').replace(/^\ufeff/, '');
  if (encoding === 'utf16le') return buf.toString('utf16le').replace(/^\ufeff/, '');
  const swapped = Buffer.from(buf);
  swapped.swap16();
  return swapped.toString('utf16le').replace(/^\ufeff/, '');
}

/** The status of an input that is not text: empty, or unreadable (archives are the caller's). */
export function notText(display: string, sniffed: Exclude<Sniffed, { type: 'text' }>): TextRead {
  if (sniffed.type === 'empty') return { status: { path: display, kind: null, kinds: [], status: 'no-evidence', message: 'empty' }, parts: [] };
  if (sniffed.type === 'unreadable') return { status: { path: display, kind: null, kinds: [], status: 'not-recognised', message: sniffed.reason }, parts: [] };
  return { status: { path: display, kind: 'archive', kinds: [], status: 'not-recognised', message: `${sniffed.type} inside an archive is not opened` }, parts: [] };
}

/** A regular file of text: streamed once (through the WebAssembly scanner when big). */
export function readTextFile(path: string, display: string, size: number, onProgress?: (m: string) => void): TextRead {
  if (size > PROGRESS_BYTES) onProgress?.(`reading ${display} (${(size / 1024 / 1024).toFixed(0)} MB)…`);
  const router = routerFor(display);
  const { facts, stats } = parseFile(path, router);
  return fromRouted(display, facts, stats);
}

/** UTF-16 text file: decoded whole, then read as text. */
export function readWideFile(path: string, display: string, size: number): TextRead {
  if (size > MAX_WHOLE_BYTES) throw new InputError(`UTF-16 text larger than ${MAX_WHOLE_BYTES} bytes: convert it first (iconv -f UTF-16 -t UTF-8)`, EXIT.dataErr, display);
  return readBuffer(display, fs.readFileSync(path));
}

/**
 * A stream (stdin, a pipe from `<(dmesg)`): its head is sniffed, text is streamed, anything else
 * (an archive piped in, UTF-16) is read whole and handed back to the caller as a buffer.
 */
export function readStream(fd: number, display: string): TextRead | { whole: Buffer; sniffed: Sniffed } {
  const head = Buffer.from(readUpTo(fd, HEAD_BYTES, display));
  const sniffed = sniff(head);
  if (sniffed.type === 'text' && sniffed.encoding === 'utf8') {
    const router = routerFor(display);
    const splitter = new LineSplitter(router);
    splitter.write(head);
    feedRest(fd, splitter, display);
    splitter.end();
    return fromRouted(display, router.finish(), splitter.stats);
  }
  if (sniffed.type === 'empty' || sniffed.type === 'unreadable') return notText(display, sniffed);
  return { whole: readAllFrom(fd, head, MAX_WHOLE_BYTES, display), sniffed };
}

/** Parse a text with the router outright (tests, small strings). */
export function readString(display: string, text: string): TextRead {
  const router = routerFor(display);
  return fromRouted(display, parseText(router, text), null);
}
