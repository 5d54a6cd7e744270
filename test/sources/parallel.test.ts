/**
 * Two-core reading must give exactly the facts of one sequential pass. Runs the built worker
 * (dist/), since a worker cannot load TypeScript sources; `npm test` builds first.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const DIST = path.join(ROOT, 'dist', 'agent');
const CORPUS = path.join(ROOT, 'test', 'fixtures', 'vbox');

type Mod = Record<string, (...args: unknown[]) => unknown>;

describe('parseFileParallel', () => {
  let dir: string;
  let big: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-parallel-'));
    big = path.join(dir, 'VBox.log');
    // Different real logs one after another (so the halves disagree on first-wins facts), > 32 MB.
    const logs = fs.readdirSync(CORPUS).filter((f) => f.startsWith('v')).sort().map((f) => fs.readFileSync(path.join(CORPUS, f)));
    const fd = fs.openSync(big, 'w');
    let size = 0;
    for (let i = 0; size < 40 * 1024 * 1024; i++) {
      const log = logs[i % logs.length]!;
      fs.writeSync(fd, log);
      size += log.length;
    }
    // A last line without a newline and a timestamp far beyond the others.
    fs.writeSync(fd, '99:59:59.999999 TM: Switching TSC mode from \'RealTSCOffset\' to \'VirtTSCEmulated\'');
    fs.closeSync(fd);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('gives exactly the facts and line counts of a sequential pass', async () => {
    const { parseFile } = (await import(path.join(DIST, 'sources', 'file.js'))) as Mod;
    const { parseFileParallel, PARALLEL_MIN_BYTES } = (await import(path.join(DIST, 'sources', 'parallel.js'))) as Mod & { PARALLEL_MIN_BYTES: number };
    const { createVboxParser } = (await import(path.join(DIST, 'parsers', 'vbox.js'))) as Mod;
    expect(fs.statSync(big).size).toBeGreaterThan(PARALLEL_MIN_BYTES);
    const seq = parseFile!(big, createVboxParser!(big)) as { facts: { lastSeconds: number | null; tscModeSwitches: unknown[] } };
    const par = (await parseFileParallel!(big, createVboxParser!(big), 'vbox-log')) as typeof seq & { stats: unknown; threads: number };
    expect(par.threads).toBe(2);
    expect(seq.facts.lastSeconds).toBeCloseTo(359999.999999, 5);
    expect(isDeepStrictEqual(par.facts, seq.facts)).toBe(true);
    expect(par.stats).toEqual((seq as unknown as { stats: unknown }).stats);
  });
});
