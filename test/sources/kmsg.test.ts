/**
 * Following /dev/kmsg: a fake ring with the kernel's read semantics (one record per read, EAGAIN at
 * the end, EPIPE when the reader's record was overwritten) proves what is read, counted and kept;
 * the real /dev/kmsg (as root: a record written into it) proves that the agent's incremental facts
 * equal a from-scratch read of the same records.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KmsgFollower, kmsgSequence, type RecordDevice, type RecordRead } from '../../agent/sources/kmsg.js';
import { kmsgRecordToDmesg } from '../../agent/evidence/kernel-log/source.js';
import { kernelLogKind } from '../../agent/evidence/kernel-log/index.js';
import { collectSnapshot } from '../../agent/collect.js';
import { CollectMemory } from '../../agent/sources/memory.js';
import { DEFAULT_ROOTS } from '../../agent/roots.js';

/** A kernel ring of `capacity` records: writes overwrite the oldest; a reader behind the oldest gets EPIPE once. */
class FakeRing implements RecordDevice {
  records: { seq: number; text: string }[] = [];
  nextSeq = 0;
  readerSeq = 0;
  reads = 0;
  closed = false;
  constructor(private readonly capacity: number) {}

  log(msg: string, usec = this.nextSeq * 1000): void {
    this.records.push({ seq: this.nextSeq, text: `6,${this.nextSeq},${usec},-;${msg}\n SUBSYSTEM=test\n` });
    this.nextSeq++;
    if (this.records.length > this.capacity) this.records.shift();
  }

  read(buf: Buffer): RecordRead {
    this.reads++;
    const first = this.records[0]?.seq ?? this.nextSeq;
    if (this.readerSeq < first) {
      this.readerSeq = first;
      return 'EPIPE';
    }
    const r = this.records.find((x) => x.seq === this.readerSeq);
    if (r === undefined) return 'EAGAIN';
    this.readerSeq++;
    return buf.write(r.text);
  }

  close(): void {
    this.closed = true;
  }

  /** What a from-scratch reader gets now: every record still in the ring, as dmesg lines. */
  fromScratch(): string {
    return this.records.map((r) => `${kmsgRecordToDmesg(r.text)}\n`).join('');
  }
}

const BOOT = [
  'Linux version 6.1.0 (builder@host) (gcc 12) #1 SMP',
  'Hypervisor detected: KVM',
  'kvm-clock: Using msrs 4b564d01 and 4b564d00',
  'tsc: Detected 2593.906 MHz processor',
  'clocksource: Switched to clocksource kvm-clock',
];

const parse = (text: string): unknown => kernelLogKind.collector!.parse({ text, via: 'kmsg' }, '/dev/kmsg');

describe('kmsg follower', () => {
  it('reads every record once, then only the new ones; no new record → the same state object', async () => {
    const ring = new FakeRing(100);
    for (const m of BOOT) ring.log(m);
    const f = new KmsgFollower(ring, kmsgRecordToDmesg, 1 << 20);
    expect(await f.poll()).toBe(BOOT.length);
    const first = f.current();
    expect(first.text).toBe(ring.fromScratch());
    ring.reads = 0;
    expect(await f.poll()).toBe(0);
    expect(ring.reads).toBe(1); // one read: EAGAIN
    expect(f.current()).toBe(first);
    ring.log('clocksource: timekeeping watchdog on CPU1: Marking clocksource \'tsc\' as unstable because the skew is too large:');
    ring.reads = 0;
    expect(await f.poll()).toBe(1);
    expect(ring.reads).toBe(2);
    expect(f.current()).not.toBe(first);
    expect(f.current().text).toBe(ring.fromScratch());
    expect(f.losses).toEqual({ overwritten: 0, resyncs: 0, dropped: 0 });
  });

  it('records overwritten before they were read: resyncs at the oldest record held, counts the lost ones', async () => {
    const ring = new FakeRing(4);
    for (const m of BOOT.slice(0, 2)) ring.log(m);
    const f = new KmsgFollower(ring, kmsgRecordToDmesg, 1 << 20);
    await f.poll();
    for (let i = 0; i < 7; i++) ring.log(`line ${i}`); // seq 2..8; the ring keeps 5..8
    expect(await f.poll()).toBe(4);
    expect(f.losses).toMatchObject({ overwritten: 3, resyncs: 1 });
    // What the follower holds: the two it had, then what the ring still held.
    expect(f.current().text).toBe([...BOOT.slice(0, 2).map((m, i) => `[    0.00${i}000] ${m}`), ...[3, 4, 5, 6].map((i) => `[    0.00${i + 2}000] line ${i}`)].map((l) => `${l}\n`).join(''));
  });

  it('holds at most maxBytes, dropping the oldest lines and counting them', async () => {
    const ring = new FakeRing(1000);
    for (let i = 0; i < 100; i++) ring.log(`record ${String(i).padStart(3, '0')}`);
    const line = `${kmsgRecordToDmesg(ring.records[0]!.text)}\n`.length;
    const f = new KmsgFollower(ring, kmsgRecordToDmesg, line * 10);
    await f.poll();
    expect(f.current().records).toBe(10);
    expect(f.losses.dropped).toBe(90);
    expect(f.current().text.split('\n')[0]).toMatch(/record 090$/);
  });

  it('the facts of the followed records equal a from-scratch parse of the same records, at every step', async () => {
    const ring = new FakeRing(1 << 16);
    const f = new KmsgFollower(ring, kmsgRecordToDmesg, 1 << 24);
    const steps = [BOOT, [], ['tsc: Refined TSC clocksource calibration: 2593.949 MHz'], ['clocksource: Switched to clocksource tsc', 'TSC synchronization [CPU#0 -> CPU#1]:', 'Measured 1234 cycles TSC warp between CPUs, turning off TSC clock.']];
    for (const step of steps) {
      for (const m of step) ring.log(m);
      await f.poll();
      expect(parse(f.current().text)).toEqual(parse(ring.fromScratch()));
    }
  });

  it('reads the sequence number of a record', () => {
    expect(kmsgSequence('6,339,5140900,-;x')).toBe(339);
    expect(kmsgSequence('6,339;x')).toBe(339);
    expect(kmsgSequence(' SUBSYSTEM=cpu')).toBeNull();
  });
});

const root = process.geteuid?.() === 0 && fs.existsSync('/dev/kmsg');

describe.runIf(root)('the agent follows the real /dev/kmsg (root)', () => {
  it('a record written into /dev/kmsg shows up; the followed facts equal a fresh read of the same records', async () => {
    const memory = new CollectMemory();
    const collectors = new Set(['kernel-log']);
    try {
      const a = await collectSnapshot(DEFAULT_ROOTS, { live: true, collectors, memory });
      expect(a.sources['kernel-log']?.state).toBe('ok');
      const tag = `clockdoctor-test: kmsg follow probe ${process.pid}-${Date.now()}`;
      fs.writeFileSync('/dev/kmsg', `<6>${tag}\n`);
      // Other processes may log meanwhile: compare only when the followed view did not move around the fresh read.
      let compared = false;
      for (let attempt = 0; attempt < 5 && !compared; attempt++) {
        const b = await collectSnapshot(DEFAULT_ROOTS, { live: true, collectors, memory });
        const fresh = await collectSnapshot(DEFAULT_ROOTS, { live: true, collectors });
        const c = await collectSnapshot(DEFAULT_ROOTS, { live: true, collectors, memory });
        if (c.facts.kernelLog !== b.facts.kernelLog) continue;
        // Unchanged records: the very same facts object (not parsed again).
        expect(c.facts.kernelLog).toBe(b.facts.kernelLog);
        expect(b.facts.kernelLog).toEqual(fresh.facts.kernelLog);
        compared = true;
      }
      expect(compared).toBe(true);
    } finally {
      memory.close();
    }
  });
});
