/**
 * The members of a tar or zip archive, read from a buffer: names, types and contents. Pure: nothing
 * here touches the disk; extract.ts decides what may be written where. Sizes are checked against the
 * caller's limits before any member is inflated, so a zip bomb stops at its header.
 */
import zlib from 'node:zlib';

/** One member as the archive describes it. `data` only for regular files. */
export interface ArchiveEntry {
  /** The name as stored (not yet checked: may hold `..`, be absolute, use `\`). */
  name: string;
  type: 'file' | 'dir' | 'link' | 'other';
  size: number;
  data: () => Buffer;
}

/** Limits that keep a hostile archive from exhausting memory or disk. */
export interface ArchiveLimits {
  maxEntries: number;
  maxMemberBytes: number;
  maxTotalBytes: number;
}

/**
 * Compression ratio past which inflated bytes are refused, above a floor every real log fits under.
 * Logs compress 5–30×; a decompression bomb compresses 1000× and more. Everything here is inflated in
 * memory, so a ceiling set only by the size limits would let a 2 MB file take 2 GB of RAM first; with
 * this one a .gz holds at most max(64 MiB, 100 × its size). A log this repetitive can still be read:
 * unpacked, a plain file is streamed, not held.
 */
export const MAX_INFLATE_RATIO = 100;
export const INFLATE_FLOOR_BYTES = 64 * 1024 * 1024;

/** How many bytes `compressed` bytes may inflate to under `limit` and the ratio ceiling. */
export function inflateCeiling(compressed: number, limit: number): number {
  return Math.min(limit, Math.max(INFLATE_FLOOR_BYTES, compressed * MAX_INFLATE_RATIO));
}

/** A member or an archive clockdoctor will not read, with the reason. */
export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
}

const text = (b: Buffer, from: number, len: number): string => {
  const s = b.subarray(from, from + len);
  const nul = s.indexOf(0);
  return (nul < 0 ? s : s.subarray(0, nul)).toString('utf8');
};

const octal = (b: Buffer, from: number, len: number): number => {
  // GNU base-256 for sizes ≥ 8 GiB: far past any limit here.
  if ((b[from]! & 0x80) !== 0) return Number.POSITIVE_INFINITY;
  const n = Number.parseInt(text(b, from, len).trim() || '0', 8);
  return Number.isFinite(n) ? n : Number.NaN;
};

/** pax extended header records `LEN key=value\n`: only `path` matters here. */
function paxPath(data: Buffer): string | null {
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(32, i);
    if (sp < 0) break;
    const len = Number.parseInt(data.toString('utf8', i, sp), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const rec = data.toString('utf8', sp + 1, i + len - 1);
    if (rec.startsWith('path=')) return rec.slice(5);
    i += len;
  }
  return null;
}

/** Members of a tar (ustar, GNU long names, pax paths). */
export function tarEntries(buf: Buffer, limits: ArchiveLimits): ArchiveEntry[] {
  const out: ArchiveEntry[] = [];
  let off = 0;
  let longName: string | null = null;
  let total = 0;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    const size = octal(buf, off + 124, 12);
    if (!Number.isFinite(size) || size < 0) throw new ArchiveError(`tar member at byte ${off} has a bad size field`);
    const flag = String.fromCharCode(buf[off + 156]!);
    const dataAt = off + 512;
    const next = dataAt + Math.ceil(size / 512) * 512;
    if (dataAt + size > buf.length) throw new ArchiveError('tar archive is cut short (a member runs past its end)');
    const prefix = text(buf, off + 345, 155);
    const stored = text(buf, off, 100);
    let name = longName ?? (prefix !== '' ? `${prefix}/${stored}` : stored);
    longName = null;
    off = next;
    if (flag === 'L') { longName = text(buf, dataAt, size); continue; }
    if (flag === 'x') { longName = paxPath(buf.subarray(dataAt, dataAt + size)); continue; }
    if (flag === 'g' || flag === 'K') continue;
    if (out.length >= limits.maxEntries) throw new ArchiveError(`archive has more than ${limits.maxEntries} members`);
    const type = flag === '0' || flag === '\0' || flag === '7' ? 'file' : flag === '5' ? 'dir' : flag === '1' || flag === '2' ? 'link' : 'other';
    if (type === 'file') {
      if (size > limits.maxMemberBytes) throw new ArchiveError(`member ${JSON.stringify(name)} is ${size} bytes, over the ${limits.maxMemberBytes}-byte limit`);
      total += size;
      if (total > limits.maxTotalBytes) throw new ArchiveError(`archive members add up to more than ${limits.maxTotalBytes} bytes`);
    }
    if (name === '') name = '(unnamed)';
    const from = dataAt;
    out.push({ name, type, size, data: () => buf.subarray(from, from + size) });
  }
  return out;
}

/** Members of a zip (stored or deflated; no zip64, no encryption). */
export function zipEntries(buf: Buffer, limits: ArchiveLimits): ArchiveEntry[] {
  // End of central directory: the last `PK\5\6` within the final 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new ArchiveError('not a readable zip: no end-of-central-directory record');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || p === 0xffffffff) throw new ArchiveError('zip64 archives are not read: repack it as .tar.gz');
  if (count > limits.maxEntries) throw new ArchiveError(`archive has more than ${limits.maxEntries} members`);
  const out: ArchiveEntry[] = [];
  let total = 0;
  for (let k = 0; k < count; k++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) throw new ArchiveError('zip central directory is damaged');
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const usize = buf.readUInt32LE(p + 24);
    const nlen = buf.readUInt16LE(p + 28);
    const xlen = buf.readUInt16LE(p + 30);
    const clen = buf.readUInt16LE(p + 32);
    const mode = buf.readUInt32LE(p + 38) >>> 16;
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nlen);
    p += 46 + nlen + xlen + clen;
    const isDir = name.endsWith('/');
    const fileType = mode & 0o170000;
    const type = isDir || fileType === 0o040000 ? 'dir' : fileType === 0o120000 ? 'link' : fileType !== 0 && fileType !== 0o100000 ? 'other' : 'file';
    if (type === 'file') {
      if ((flags & 1) !== 0) throw new ArchiveError(`member ${JSON.stringify(name)} is encrypted`);
      if (method !== 0 && method !== 8) throw new ArchiveError(`member ${JSON.stringify(name)} uses compression method ${method}; only stored and deflate are read`);
      if (usize > limits.maxMemberBytes) throw new ArchiveError(`member ${JSON.stringify(name)} is ${usize} bytes, over the ${limits.maxMemberBytes}-byte limit`);
      if (method === 8 && usize > inflateCeiling(csize, limits.maxMemberBytes)) {
        throw new ArchiveError(`member ${JSON.stringify(name)} inflates ${usize} bytes from ${csize} (over ${MAX_INFLATE_RATIO}×): refused as a decompression bomb; unpack it and name the file`);
      }
      total += usize;
      if (total > limits.maxTotalBytes) throw new ArchiveError(`archive members add up to more than ${limits.maxTotalBytes} bytes`);
    }
    out.push({ name, type, size: usize, data: () => zipData(buf, local, method, csize, usize, name) });
  }
  return out;
}

function zipData(buf: Buffer, local: number, method: number, csize: number, usize: number, name: string): Buffer {
  if (local + 30 > buf.length || buf.readUInt32LE(local) !== 0x04034b50) throw new ArchiveError(`member ${JSON.stringify(name)}: damaged local header`);
  const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
  const raw = buf.subarray(start, start + csize);
  if (method === 0) return raw;
  // The central directory's size is a claim: inflate no further than it says, whatever the stream holds.
  const out = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, usize) });
  if (out.length !== usize) throw new ArchiveError(`member ${JSON.stringify(name)} inflates to ${out.length} bytes, not the ${usize} its header says`);
  return out;
}

/** gunzip with a ceiling: a gzip bomb fails at the limit instead of filling memory. */
export function gunzipLimited(buf: Buffer, maxBytes: number): Buffer {
  const ceiling = inflateCeiling(buf.length, maxBytes);
  try {
    return zlib.gunzipSync(buf, { maxOutputLength: Math.max(1, ceiling) });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || /Cannot create a Buffer larger|maxOutputLength/i.test(String((err as Error).message))) {
      throw new ArchiveError(
        ceiling < maxBytes
          ? `decompresses to more than ${ceiling} bytes, over ${MAX_INFLATE_RATIO}× its ${buf.length} compressed bytes: refused as a decompression bomb; gunzip it and name the file`
          : `decompresses to more than ${maxBytes} bytes`,
      );
    }
    throw new ArchiveError(`not readable gzip data (${code ?? (err as Error).message})`);
  }
}
