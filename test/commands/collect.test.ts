import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { collectCommand } from '../../agent/commands/collect.js';
import { checkCommand } from '../../agent/commands/check.js';
import { runCommand } from '../helpers/run-command.js';

const CORPUS = 'test/fixtures/captures/firecracker-kvm-6.18';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-collect-cmd-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const cli = (...args: string[]): Promise<{ out: string; err: string; code: number }> => runCommand([collectCommand as never, checkCommand as never], args);

type Doc = { sources: Record<string, { state: string }>; facts: Record<string, unknown> };
const stripPaths = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === 'path' ? undefined : x)));

describe('clockdoctor collect --out DIR', () => {
  it('captures this machine so that check --from reads the same facts', async () => {
    const dir = path.join(tmp, 'live');
    const r = await cli('collect', '--out', dir);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/wrote \d+ files/);
    for (const f of ['SOURCE.md', 'manifest.json', 'proc/cpuinfo', 'proc/cmdline']) expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { files: string[]; sources: Record<string, unknown> };
    expect(manifest.files).toContain('proc/cpuinfo');
    expect(fs.readFileSync(path.join(dir, 'SOURCE.md'), 'utf8')).toMatch(/Kernel: Linux version/);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    const live = JSON.parse((await cli('check', '--json')).out) as Doc;
    const back = JSON.parse((await cli('check', '--json', '--from', dir)).out) as Doc;
    // Sections that do not move between two reads of a quiet machine (the kernel log, timer_list and the
    // process table can gain lines between the two runs; the in-process round trip covers them exactly).
    for (const k of ['clocksource', 'clockevents', 'cpuinfo', 'cmdline', 'hypervisor', 'rtc']) {
      expect(stripPaths(back.facts[k]), k).toEqual(stripPaths(live.facts[k]));
    }
  });

  it('re-captures a capture (--from) into the same layout', async () => {
    const dir = path.join(tmp, 'again');
    expect((await cli('collect', '--from', CORPUS, '--out', dir)).code).toBe(0);
    for (const rel of ['commands/dmesg', 'proc/timer_list', 'sys/devices/system/clocksource/clocksource0/available_clocksource']) {
      expect(fs.readFileSync(path.join(dir, rel), 'utf8'), rel).toBe(fs.readFileSync(path.join(CORPUS, rel), 'utf8'));
    }
    const a = JSON.parse((await cli('check', '--json', '--from', CORPUS)).out) as Doc;
    const b = JSON.parse((await cli('check', '--json', '--from', dir)).out) as Doc;
    expect(stripPaths(b.facts)).toEqual(stripPaths(a.facts));
  });

  it('refuses a non-empty DIR unless --force, and a file', async () => {
    const dir = path.join(tmp, 'busy');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'keep.txt'), 'mine');
    const r = await cli('collect', '--from', CORPUS, '--out', dir);
    expect(r.code).toBe(64);
    expect(r.err).toMatch(/not empty.*--force/);
    expect(fs.readdirSync(dir)).toEqual(['keep.txt']);
    expect((await cli('collect', '--from', CORPUS, '--out', dir, '--force')).code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'keep.txt'), 'utf8')).toBe('mine');
    expect(fs.existsSync(path.join(dir, 'commands/dmesg'))).toBe(true);
    expect((await cli('collect', '--from', CORPUS, '--out', path.join(dir, 'keep.txt'))).code).toBe(64);
    expect((await cli('collect')).code).toBe(64);
  });
});
