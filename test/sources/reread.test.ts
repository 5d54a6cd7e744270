/**
 * What the agent re-reads at each refresh and what it keeps (agent/sources/reread.ts): a source read
 * once or every N minutes hands back the same outcome (so its facts are not parsed again), failures
 * are retried, chronyc runs at most once a minute, and clock-read-cost measures one batch per refresh.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rereadEvery } from '../../agent/sources/reread.js';
import type { Source, SourceOutcome } from '../../agent/sources/source.js';
import { SourceIO } from '../../agent/sources/io.js';
import { CollectMemory } from '../../agent/sources/memory.js';
import { collectSnapshot } from '../../agent/collect.js';
import { DEFAULT_ROOTS, rootsFromCapture, type Roots } from '../../agent/roots.js';
import { timesyncSource } from '../../agent/evidence/timesync/source.js';
import { clockReadCostSource } from '../../agent/evidence/clock-read-cost/source.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-reread-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const CAPTURE = path.join(import.meta.dirname, '..', 'fixtures', 'captures', 'firecracker-kvm-6.18');

function counting(outcomes: SourceOutcome<string>[]): Source<string> & { reads: number } {
  const s = {
    name: 'test',
    reads: 0,
    async read(): Promise<SourceOutcome<string>> {
      return outcomes[Math.min(s.reads++, outcomes.length - 1)]!;
    },
  };
  return s;
}

const ctxFor = (roots: Roots, memory: CollectMemory | null, env?: NodeJS.ProcessEnv, live = true) => ({
  io: new SourceIO(roots, env ? { env } : {}),
  live,
  timeoutMs: 3000,
  signal: new AbortController().signal,
  ...(memory ? { memory: memory.of('test') } : {}),
});

describe('rereadEvery', () => {
  it('hands back the last good outcome (the same object) until the interval passed; without memory it always reads', async () => {
    let t = 0;
    const inner = counting([{ state: 'ok', raw: 'a', path: null }, { state: 'ok', raw: 'b', path: null }]);
    const src = rereadEvery(inner, 1000, () => t);
    const memory = new CollectMemory();
    const first = await src.read(DEFAULT_ROOTS, ctxFor(DEFAULT_ROOTS, memory));
    t = 999;
    expect(await src.read(DEFAULT_ROOTS, ctxFor(DEFAULT_ROOTS, memory))).toBe(first);
    expect(inner.reads).toBe(1);
    t = 1000;
    expect(await src.read(DEFAULT_ROOTS, ctxFor(DEFAULT_ROOTS, memory))).toMatchObject({ raw: 'b' });
    expect(inner.reads).toBe(2);
    await src.read(DEFAULT_ROOTS, ctxFor(DEFAULT_ROOTS, null));
    await src.read(DEFAULT_ROOTS, ctxFor(DEFAULT_ROOTS, null));
    expect(inner.reads).toBe(4);
  });

  it('a failed read is tried again at the next refresh', async () => {
    const inner = counting([{ state: 'failed', reason: 'EIO', path: null }, { state: 'ok', raw: 'a', path: null }]);
    const src = rereadEvery(inner, Number.POSITIVE_INFINITY, () => 0);
    const memory = new CollectMemory();
    expect(await src.read(DEFAULT_ROOTS, ctxFor(DEFAULT_ROOTS, memory))).toMatchObject({ state: 'failed' });
    expect(await src.read(DEFAULT_ROOTS, ctxFor(DEFAULT_ROOTS, memory))).toMatchObject({ state: 'ok' });
    expect(await src.read(DEFAULT_ROOTS, ctxFor(DEFAULT_ROOTS, memory))).toMatchObject({ state: 'ok' });
    expect(inner.reads).toBe(2);
  });

  it('in a collection with memory, the facts of a source read once are the very same object next time', async () => {
    const roots = rootsFromCapture(CAPTURE);
    const memory = new CollectMemory();
    const collectors = new Set(['cmdline', 'hypervisor', 'clocksource']);
    const a = await collectSnapshot(roots, { live: false, collectors, memory });
    const b = await collectSnapshot(roots, { live: false, collectors, memory });
    expect(a.facts.cmdline).not.toBeNull();
    expect(b.facts.cmdline).toBe(a.facts.cmdline);
    expect(b.facts.hypervisor).toBe(a.facts.hypervisor);
    // Read at every refresh: equal facts, parsed again.
    expect(b.facts.clocksource).toEqual(a.facts.clocksource);
    expect(b.facts.clocksource).not.toBe(a.facts.clocksource);
    // Without memory, nothing is kept.
    const c = await collectSnapshot(roots, { live: false, collectors });
    expect(c.facts.cmdline).toEqual(a.facts.cmdline);
    expect(c.facts.cmdline).not.toBe(a.facts.cmdline);
  });
});

describe('chronyc at most once a minute', () => {
  it('runs chronyc only when chronyd runs, and again only after the interval or when chronyd restarted', async () => {
    const root = fs.mkdtempSync(path.join(tmp, 'root-'));
    const proc = path.join(root, 'proc');
    for (const [pid, comm] of [['1', 'systemd'], ['42', 'chronyd']] as const) {
      fs.mkdirSync(path.join(proc, pid), { recursive: true });
      fs.writeFileSync(path.join(proc, pid, 'comm'), `${comm}\n`);
      fs.writeFileSync(path.join(proc, pid, 'cmdline'), `${comm}\0`);
    }
    const bin = path.join(root, 'bin');
    fs.mkdirSync(bin);
    const log = path.join(root, 'runs');
    fs.writeFileSync(path.join(bin, 'chronyc'), `#!/bin/sh\necho run >> ${log}\necho 'A9FEA9FE,169.254.169.254,3,1700000000.000000000,0.000001,-0.000000,0.000002,-1.000,0.001,0.010,0.000100,0.000200,64.0,Normal'\n`, { mode: 0o755 });
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
    const roots: Roots = { procfs: proc, sysfs: path.join(root, 'sys'), rootfs: root, commands: null };
    const runs = (): number => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0);
    const memory = new CollectMemory();
    const a = await timesyncSource.read(roots, ctxFor(roots, memory, env));
    const b = await timesyncSource.read(roots, ctxFor(roots, memory, env));
    expect(runs()).toBe(1);
    expect(a.state === 'ok' && b.state === 'ok' && b.raw.chronyTracking === a.raw.chronyTracking && a.raw.chronyTracking !== null).toBe(true);
    // chronyd restarted (another PID): asked again at once.
    fs.renameSync(path.join(proc, '42'), path.join(proc, '43'));
    await timesyncSource.read(roots, ctxFor(roots, memory, env));
    expect(runs()).toBe(2);
    // One-shot collections always ask; with no chronyd, chronyc is never run.
    await timesyncSource.read(roots, ctxFor(roots, null, env));
    expect(runs()).toBe(3);
    fs.writeFileSync(path.join(proc, '43', 'comm'), 'sshd\n');
    await timesyncSource.read(roots, ctxFor(roots, memory, env));
    await timesyncSource.read(roots, ctxFor(roots, null, env));
    expect(runs()).toBe(3);
  });
});

describe('clock-read-cost in the agent', () => {
  it('keeps a window of seven batches, one new batch per refresh', async () => {
    const memory = new CollectMemory();
    const a = await clockReadCostSource.read(DEFAULT_ROOTS, ctxFor(DEFAULT_ROOTS, memory));
    const b = await clockReadCostSource.read(DEFAULT_ROOTS, ctxFor(DEFAULT_ROOTS, memory));
    if (a.state !== 'ok' || b.state !== 'ok') throw new Error('no clocksource on this machine');
    expect(a.raw.samplesNs).toHaveLength(7);
    expect(b.raw.samplesNs).toHaveLength(7);
    expect(b.raw.samplesNs.slice(0, 6)).toEqual(a.raw.samplesNs.slice(1));
    const oneShot = await clockReadCostSource.read(DEFAULT_ROOTS, ctxFor(DEFAULT_ROOTS, null));
    expect(oneShot.state === 'ok' && oneShot.raw.samplesNs.length).toBe(7);
  });
});
