/**
 * Which kind of evidence a file is, from its CONTENT only (never its name). Pure: the caller reads
 * the head of the file (agent/sources/file.ts `readHead`) and passes the bytes.
 *
 * Order matters: the strong one-line headers (timer_list) first, then cpuinfo's key/value shape,
 * then the two logs. A VBox.log may carry a forwarded guest kernel line and a kern.log may quote a
 * VBoxService line, so between the two logs the majority of line prefixes decides.
 */
import type { InputKind } from '../../result.js';
import { looksLikeVboxLog } from '../vbox/parser.js';
import { looksLikeKernelLog } from '../kernel-log/parser.js';
import { clocksourceFileKind } from '../clocksource/parser.js';
import { hasKernelPrefix, splitPrefix } from '../kernel-log/prefix.js';

/** The kinds content can show: every input kind but a capture directory (which has no content to sniff). */
export type FileKind = Exclude<InputKind, 'capture-dir'>;

export interface DetectedKind {
  kind: FileKind | null;
  /** Why: which marker decided, or why nothing matched (`empty`, `binary`, `not recognised …`). */
  reason: string;
}

/** Share of U+FFFD (invalid UTF-8) or control characters above which text is called binary. */
const BINARY_SHARE = 0.1;

function isBinary(head: Buffer, text: string): boolean {
  if (head.includes(0)) return true;
  let bad = 0;
  // The head may end in the middle of a multi-byte character; ignore its last few characters.
  const n = Math.max(0, text.length - 3);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd || (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12 && c !== 27)) bad++;
  }
  return n > 0 && bad / n > BINARY_SHARE;
}

function firstLines(text: string, max: number): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n', max * 4)) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    out.push(line);
    if (out.length >= max) break;
  }
  return out;
}

function looksLikeTimerList(lines: string[]): boolean {
  return lines.slice(0, 3).some((l) => /^Timer List Version: v0\.\d+/.test(splitPrefix(l).msg));
}

function looksLikeCpuinfo(lines: string[]): boolean {
  // A shell prompt or comment line before the content (`# cat /proc/cpuinfo`) is common in captures.
  const body = lines.filter((l) => !/^\s*(?:#|\$ )/.test(l)).slice(0, 40);
  if (body.length === 0 || !/^processor\s*:\s*\d+\s*$/i.test(body[0] ?? '')) return false;
  const kv = body.filter((l) => /^[A-Za-z][\w ()]*?\s*:(?:\s|$)/.test(l)).length;
  const known = body.some((l) => /^(?:vendor_id|model name|flags|Features|BogoMIPS|CPU implementer|cpu MHz)\s*:/i.test(l));
  return known && kv / body.length >= 0.8;
}

/** Count lines with a VBox.log elapsed-time prefix vs a kernel-log prefix, to settle mixed files. */
function prefixVotes(lines: string[]): { vbox: number; kernel: number } {
  let vbox = 0;
  let kernel = 0;
  for (const l of lines) {
    if (/^(?:\s*>)*\s?\d{2,}:\d\d:\d\d\.\d{3,9} /.test(l)) vbox++;
    else if (hasKernelPrefix(l, splitPrefix(l))) kernel++;
  }
  return { vbox, kernel };
}

/** Compressed logs (rotated `kern.log.2.gz`, sosreport `.xz`) are common; name the tool that opens them. */
const COMPRESSED: [number[], string, string][] = [
  [[0x1f, 0x8b], 'gzip', 'zcat'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz', 'xzcat'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'zstd', 'zstdcat'],
  [[0x42, 0x5a, 0x68], 'bzip2', 'bzcat'],
];

/** UTF-16 (Windows "Unicode" text): a BOM, or ASCII with every other byte zero. */
function isUtf16(head: Buffer): boolean {
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) return true;
  const n = Math.min(head.length, 64) & ~1;
  if (n < 8) return false;
  let zeroOdd = 0;
  let zeroEven = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) zeroEven++;
    if (head[i + 1] === 0) zeroOdd++;
  }
  return zeroOdd === n / 2 || zeroEven === n / 2;
}

/** Detect the kind of a file from its first bytes (64 KiB is plenty). */
export function detectKind(head: Buffer): DetectedKind {
  if (head.length === 0) return { kind: null, reason: 'empty' };
  for (const [magic, name, tool] of COMPRESSED) {
    if (head.length >= magic.length && magic.every((b, i) => head[i] === b)) {
      return { kind: null, reason: `${name}-compressed: decompress it first (${tool} FILE > FILE.txt)` };
    }
  }
  if (isUtf16(head)) return { kind: null, reason: 'UTF-16 text: convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8 FILE > FILE.txt)' };
  let text = head.toString('utf8');
  if (isBinary(head, text)) return { kind: null, reason: 'binary' };
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return { kind: null, reason: 'empty' };

  const lines = firstLines(text, 200);
  if (looksLikeTimerList(lines)) return { kind: 'timer-list', reason: '"Timer List Version:" header' };
  if (looksLikeCpuinfo(lines)) return { kind: 'cpuinfo', reason: '"processor : N" block with cpuinfo keys' };

  const vbox = looksLikeVboxLog(text);
  const kernel = looksLikeKernelLog(text);
  if (vbox && kernel) {
    const votes = prefixVotes(lines);
    return votes.kernel > votes.vbox
      ? { kind: 'kernel-log', reason: `kernel log prefixes outnumber VBox.log timestamps (${votes.kernel} vs ${votes.vbox})` }
      : { kind: 'vbox-log', reason: `VBox.log timestamps outnumber kernel log prefixes (${votes.vbox} vs ${votes.kernel})` };
  }
  if (vbox) return { kind: 'vbox-log', reason: 'VirtualBox release log header or VMM component lines' };
  if (kernel) return { kind: 'kernel-log', reason: 'kernel log prefixes and kernel messages' };

  const cs = clocksourceFileKind(text);
  if (cs !== null) {
    return { kind: cs, reason: cs === 'current-clocksource' ? 'a single clocksource name' : 'a list of clocksource names' };
  }
  return { kind: null, reason: 'not recognised: not a VBox.log, kernel log, /proc/cpuinfo, /proc/timer_list or clocksource file' };
}
