import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SourceIO } from '../../agent/sources/io.js';
import type { Roots } from '../../agent/roots.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-iosync-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const roots: Roots = { procfs: path.join(tmp, 'proc'), sysfs: path.join(tmp, 'sys'), rootfs: tmp, commands: null };
fs.mkdirSync(path.join(tmp, 'proc/42'), { recursive: true });
fs.writeFileSync(path.join(tmp, 'proc/42/comm'), 'chronyd\n');
fs.writeFileSync(path.join(tmp, 'proc/big'), 'x'.repeat(10_000));
fs.writeFileSync(path.join(tmp, 'secret'), 'outside\n');
fs.mkdirSync(path.join(tmp, 'proc/43'));
fs.symlinkSync(path.join(tmp, 'secret'), path.join(tmp, 'proc/43/comm'));

describe('SourceIO.readTextSync (tiny procfs/sysfs files without a threadpool round trip)', () => {
  it('reads like readText, and records only when asked', async () => {
    const io = new SourceIO(roots, { record: true });
    const sync = io.readTextSync('procfs', '42/comm', { record: false });
    expect(sync).toEqual(await new SourceIO(roots).readText('procfs', '42/comm'));
    expect(io.recorded).toEqual([]);
    io.readTextSync('procfs', '42/comm');
    expect(io.recorded).toEqual([{ area: 'procfs', rel: '42/comm', content: Buffer.from('chronyd\n') }]);
  });

  it('keeps the fence: a link out of the root is refused and noted; missing is absent; a directory or oversized file fails', () => {
    const io = new SourceIO(roots);
    expect(io.readTextSync('procfs', '43/comm')).toMatchObject({ state: 'failed', code: 'EOUTSIDE' });
    expect(io.refused.join('\n')).toMatch(/43\/comm/);
    expect(io.readTextSync('procfs', '44/comm')).toMatchObject({ state: 'absent' });
    expect(io.readTextSync('procfs', '42')).toMatchObject({ state: 'failed', code: 'EISDIR' });
    expect(io.readTextSync('procfs', 'big', { maxBytes: 100 })).toMatchObject({ state: 'failed', code: 'EFBIG' });
    expect(io.readTextSync('procfs', 'big')).toMatchObject({ state: 'ok', text: 'x'.repeat(10_000) });
  });
});
