/**
 * Following /dev/kmsg (Documentation/ABI/testing/dev-kmsg): the descriptor stays open between
 * refreshes, each read(2) returns one record, EAGAIN (O_NONBLOCK) means "no more for now", and EPIPE
 * means the kernel overwrote the record we were about to read — the next read resumes at the oldest
 * one still held. A refresh therefore reads only the records logged since the last one, usually none.
 *
 * The records read are kept (oldest dropped first beyond `maxBytes`, as the kernel's own ring does),
 * and the text handed on is one object per change: unchanged records give the very same object, so the
 * collector runner does not parse it again (agent/collect.ts `parseOnce`).
 */
import fs from 'node:fs';

/** What one read of a record device gives: the record's length, or where the reader stands. */
export type RecordRead = number | 'EAGAIN' | 'EPIPE';

/** A device that hands out one record per read (/dev/kmsg; a fake ring in tests). */
export interface RecordDevice {
  read(buf: Buffer): RecordRead;
  close(): void;
}

/** /dev/kmsg opened O_RDONLY|O_NONBLOCK; throws the open's errno error (ENOENT, EACCES, EPERM). */
export function openKmsgDevice(file: string): RecordDevice {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  let open = true;
  return {
    read(buf) {
      try {
        return fs.readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EPIPE') return code;
        throw err;
      }
    },
    close() {
      if (open) fs.closeSync(fd);
      open = false;
    },
  };
}

/** The sequence number of a kmsg record (`prio,seq,usec,flags;…`), or null when malformed. */
export function kmsgSequence(record: string): number | null {
  const m = /^\d+,(\d+)[,;]/.exec(record);
  return m?.[1] !== undefined ? Number(m[1]) : null;
}

/** What the follower has read so far (immutable; a new object after every change). */
export interface KmsgState {
  /** The held records as lines (each with its newline), oldest first. */
  text: string;
  /** Records held. */
  records: number;
}

/** Counters of what was not seen or not kept, since the follower started. */
export interface KmsgLosses {
  /** Records the kernel overwrote before they were read (sequence gaps, EPIPE). */
  overwritten: number;
  /** EPIPE answers (each one a resynchronisation to the oldest record the kernel still holds). */
  resyncs: number;
  /** Records read and later let go because more than `maxBytes` were held. */
  dropped: number;
}

/** Records between two yields to the event loop, so a collector's timeout can fire during a long first read. */
const YIELD_EVERY = 512;
/** A record is at most ~8 KB (1 KB text + dictionary); room to spare. */
const RECORD_BUFFER = 16 * 1024;

export class KmsgFollower {
  private readonly lines: string[] = [];
  private head = 0;
  private heldBytes = 0;
  private lastSeq: number | null = null;
  private state: KmsgState = { text: '', records: 0 };
  private readonly buf = Buffer.alloc(RECORD_BUFFER);
  readonly losses: KmsgLosses = { overwritten: 0, resyncs: 0, dropped: 0 };

  /**
   * `toLine` turns one record into the line kept (null: not kept, e.g. a continuation); `maxBytes`
   * bounds what is held.
   */
  constructor(
    private readonly device: RecordDevice,
    private readonly toLine: (record: string) => string | null,
    private readonly maxBytes: number,
  ) {}

  /** The records held now; the same object until a poll adds one. */
  current(): KmsgState {
    return this.state;
  }

  /**
   * Read every record logged since the last poll (until EAGAIN). Returns how many lines were added.
   * Throws the device's errors other than EAGAIN/EPIPE, and an abort when `signal` fires mid-read.
   */
  async poll(signal?: AbortSignal): Promise<number> {
    let added = 0;
    for (let i = 1; ; i++) {
      const n = this.device.read(this.buf);
      if (n === 'EAGAIN' || n === 0) break;
      if (n === 'EPIPE') {
        this.losses.resyncs++;
        continue;
      }
      const record = this.buf.toString('utf8', 0, n);
      this.noteSequence(kmsgSequence(record));
      const line = this.toLine(record);
      if (line !== null) {
        this.push(`${line}\n`);
        added++;
      }
      if (i % YIELD_EVERY === 0) {
        await new Promise((r) => setImmediate(r));
        signal?.throwIfAborted();
      }
    }
    if (added > 0) this.publish();
    return added;
  }

  /** Stop following (closes the descriptor). */
  close(): void {
    this.device.close();
  }

  private noteSequence(seq: number | null): void {
    if (seq === null) return;
    if (this.lastSeq !== null && seq > this.lastSeq + 1) this.losses.overwritten += seq - this.lastSeq - 1;
    this.lastSeq = seq;
  }

  private push(line: string): void {
    this.lines.push(line);
    this.heldBytes += line.length;
    while (this.heldBytes > this.maxBytes && this.head < this.lines.length - 1) {
      this.heldBytes -= this.lines[this.head]?.length ?? 0;
      this.head++;
      this.losses.dropped++;
    }
    // Compact now and then rather than shift() per record.
    if (this.head > 4096 && this.head * 2 > this.lines.length) {
      this.lines.splice(0, this.head);
      this.head = 0;
    }
  }

  private publish(): void {
    const held = this.head === 0 ? this.lines : this.lines.slice(this.head);
    this.state = { text: held.join(''), records: held.length };
  }
}
