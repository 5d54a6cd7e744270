/**
 * What the first bytes of an input are, before any line is read: text (and in which encoding), an
 * archive or compressed file clockdoctor opens itself, or something it cannot read — never which kind
 * of evidence it holds: that is decided line by line (router.ts). Pure: the caller reads the head.
 */

/** What an input's head shows. */
export type Sniffed =
  | { type: 'text'; encoding: 'utf8' | 'utf16le' | 'utf16be' }
  | { type: 'gzip' | 'zip' | 'tar' }
  | { type: 'empty' }
  | { type: 'unreadable'; reason: string };

/** Share of U+FFFD (invalid UTF-8) or control characters above which text is called binary. */
const BINARY_SHARE = 0.1;

function isBinary(head: Uint8Array, text: string): boolean {
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

/** Compressed formats Node cannot open: name the tool that does. */
const FOREIGN: [number[], string, string][] = [
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz', 'xzcat'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'zstd', 'zstdcat'],
  [[0x42, 0x5a, 0x68], 'bzip2', 'bzcat'],
  [[0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], '7-Zip', '7z x'],
];

const starts = (head: Uint8Array, magic: readonly number[]): boolean => head.length >= magic.length && magic.every((b, i) => head[i] === b);

/** UTF-16 (Windows "Unicode" text, PowerShell's `>`): a BOM, or ASCII with every other byte zero. */
function utf16(head: Uint8Array): 'utf16le' | 'utf16be' | null {
  if (starts(head, [0xff, 0xfe])) return 'utf16le';
  if (starts(head, [0xfe, 0xff])) return 'utf16be';
  const n = Math.min(head.length, 64) & ~1;
  if (n < 8) return null;
  let zeroOdd = 0;
  let zeroEven = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) zeroEven++;
    if (head[i + 1] === 0) zeroOdd++;
  }
  if (zeroOdd === n / 2 && zeroEven === 0) return 'utf16le';
  if (zeroEven === n / 2 && zeroOdd === 0) return 'utf16be';
  return null;
}

/** A POSIX (ustar) or GNU tar header: the magic at 257 and a header checksum that adds up. */
export function isTarHeader(head: Uint8Array): boolean {
  if (head.length < 512) return false;
  const magic = String.fromCharCode(...head.subarray(257, 262));
  if (magic !== 'ustar') return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : head[i]!;
  const stored = Number.parseInt(String.fromCharCode(...head.subarray(148, 156)).replace(/\0.*$/, '').trim(), 8);
  return stored === sum;
}

/** Sniff an input from its first bytes (64 KiB is plenty). */
export function sniff(head: Uint8Array): Sniffed {
  if (head.length === 0) return { type: 'empty' };
  if (starts(head, [0x1f, 0x8b])) return { type: 'gzip' };
  if (starts(head, [0x50, 0x4b, 0x03, 0x04]) || starts(head, [0x50, 0x4b, 0x05, 0x06])) return { type: 'zip' };
  if (isTarHeader(head)) return { type: 'tar' };
  for (const [magic, name, tool] of FOREIGN) {
    if (starts(head, magic)) return { type: 'unreadable', reason: `${name}-compressed: decompress it first (${tool} FILE > FILE.txt)` };
  }
  const wide = utf16(head);
  if (wide !== null) return { type: 'text', encoding: wide };
  const text = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('utf8');
  if (isBinary(head, text)) return { type: 'unreadable', reason: 'binary data, not a text log' };
  if (text.replace(/^\ufeff/, '').trim() === '') return { type: 'empty' };
  return { type: 'text', encoding: 'utf8' };
}
