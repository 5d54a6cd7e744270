import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SourceIO } from '../../agent/sources/io.js';
import type { Roots } from '../../agent/roots.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-io-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const roots: Roots = { procfs: path.join(tmp, 'proc'), sysfs: path.join(tmp, 'sys'), rootfs: tmp, commands: null };
fs.mkdirSync(path.join(tmp, 'proc'));
fs.writeFileSync(path.join(tmp, 'proc/cmdline'), 'quiet\n');
const signal = new AbortController().signal;

describe('SourceIO', () => {
  it('reads a file and records it only when asked', async () => {
    const io = new SourceIO(roots, { record: true });
    expect(await io.readText('procfs', 'cmdline')).toEqual({ state: 'ok', text: 'quiet\n', path: path.join(tmp, 'proc/cmdline') });
    await io.readText('procfs', 'cmdline', { record: false });
    expect(io.recorded).toEqual([{ area: 'procfs', rel: 'cmdline', content: Buffer.from('quiet\n') }]);
    expect(new SourceIO(roots).recorded).toBeNull();
  });

  it('missing is absent; a directory or an oversized file is failed', async () => {
    const io = new SourceIO(roots);
    expect(await io.readText('procfs', 'nope')).toMatchObject({ state: 'absent' });
    expect(await io.readText('procfs', '.')).toMatchObject({ state: 'failed', reason: expect.stringMatching(/is a directory/) });
    expect(await io.readText('procfs', 'cmdline', { maxBytes: 3 })).toMatchObject({ state: 'failed', code: 'EFBIG' });
  });

  it('replays commands from a capture, and never runs one when not live', async () => {
    const cap: Roots = { ...roots, commands: path.join(tmp, 'commands') };
    fs.mkdirSync(cap.commands as string);
    fs.writeFileSync(path.join(tmp, 'commands/dmesg'), 'x\n');
    expect(await new SourceIO(cap).run('dmesg', 'dmesg', [], { signal, timeoutMs: 1000, live: false })).toMatchObject({ state: 'ok', stdout: 'x\n' });
    expect(await new SourceIO(cap).run('other', 'other', [], { signal, timeoutMs: 1000, live: true })).toMatchObject({ state: 'absent' });
    expect(await new SourceIO(roots).run('x', 'sh', ['-c', 'touch ran'], { signal, timeoutMs: 1000, live: false })).toMatchObject({ state: 'absent' });
  });

  it('runs live commands with a C locale and reports a non-zero exit as failed with stderr', async () => {
    const io = new SourceIO(roots, { record: true });
    expect(await io.run('loc', 'sh', ['-c', 'echo $LC_ALL'], { signal, timeoutMs: 5000, live: true })).toMatchObject({ state: 'ok', stdout: 'C\n' });
    expect(await io.run('bad', 'sh', ['-c', 'echo boom >&2; exit 3'], { signal, timeoutMs: 5000, live: true })).toMatchObject({ state: 'failed', reason: 'sh -c echo boom >&2; exit 3: boom' });
    expect(io.recorded?.map((r) => r.rel)).toEqual(['loc']);
  });
});
