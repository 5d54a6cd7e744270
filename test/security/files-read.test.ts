/**
 * Captures are someone else's directory: `check --from`, `agent --from`, `collect --from` and
 * `analyze DIR` never read through a symbolic link that leaves the capture (issue 15 §3). A capture
 * whose sys/class/dmi/id/sys_vendor links to a secret (here a marker file outside, and /etc/shadow as
 * in the report) must not print it, serve it as a label or copy it. Links that stay inside the root
 * are followed, as live sysfs needs.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectSnapshot } from '../../agent/collect.js';
import { readInputs } from '../../agent/gather/index.js';
import { DEFAULT_ROOTS, rootsFromCapture } from '../../agent/roots.js';
import { openInside, readDirInside, resolveInside } from '../../agent/sources/io.js';
import { checkCommand } from '../../agent/commands/check.js';
import { collectCommand } from '../../agent/commands/collect.js';
import { runCommand } from '../helpers/run-command.js';
import { get, startAgent, waitFor } from '../daemon/processes.js';

const CAPTURE = path.resolve(import.meta.dirname, '..', 'fixtures', 'captures', 'firecracker-kvm-6.18-collected');
const MARK = `SECRET-${randomBytes(8).toString('hex')}`;
let tmp: string;
let outside: string;

const cli = (...args: string[]) => runCommand([checkCommand as never, collectCommand as never], args);

/** A copy of the capture with `rel` replaced by a symbolic link to `target`. */
function plant(name: string, rel: string, target: string): string {
  const dir = path.join(tmp, name);
  fs.cpSync(CAPTURE, dir, { recursive: true });
  const p = path.join(dir, rel);
  fs.rmSync(p, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.symlinkSync(target, p);
  return dir;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-files-read-'));
  outside = path.join(tmp, 'outside');
  fs.mkdirSync(path.join(outside, 'id'), { recursive: true });
  fs.writeFileSync(path.join(outside, 'secret'), `${MARK}\n`, { mode: 0o600 });
  fs.writeFileSync(path.join(outside, 'id', 'sys_vendor'), `${MARK}\n`, { mode: 0o600 });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const shadowLine = ((): string | null => {
  try {
    return fs.readFileSync('/etc/shadow', 'utf8').split('\n')[0] ?? null;
  } catch {
    return null;
  }
})();

describe('a link to a file outside the capture', () => {
  it('check --from prints neither the secret nor /etc/shadow, and says which link it refused', async () => {
    for (const [name, target, secret] of [['to-marker', path.join(outside, 'secret'), MARK], ['to-shadow', '/etc/shadow', shadowLine]] as const) {
      const dir = plant(name, 'sys/class/dmi/id/sys_vendor', target);
      const json = await cli('check', '--json', '--from', dir);
      const report = await cli('check', '--from', dir);
      for (const out of [json.out, json.err, report.out, report.err]) {
        expect(out).not.toContain(MARK);
        if (secret !== null && secret.length > 8) expect(out).not.toContain(secret);
      }
      const doc = JSON.parse(json.out) as { sources: Record<string, { state: string; error?: string }> };
      expect(doc.sources.hypervisor?.error, name).toMatch(/sys_vendor: links out of .*\(to .*\); not read/);
      // The rest of the capture is read as before.
      expect(doc.sources.clocksource?.state).toBe('ok');
    }
  });

  it('agent --from never serves it as a label', async () => {
    const dir = plant('agent', 'sys/class/dmi/id/sys_vendor', path.join(outside, 'secret'));
    const a = await startAgent(['--from', dir]);
    try {
      // Listening comes before the first refresh ends: wait for the snapshot's series.
      const m = await waitFor('the first snapshot', async () => {
        const r = await get(`${a.url}/metrics`);
        return /clockdoctor_collector_success\{collector="hypervisor"\}/.test(r.text) ? r : null;
      });
      expect(m.status).toBe(200);
      expect(m.text).not.toContain(MARK);
    } finally {
      await a.stop();
    }
  }, 60_000);

  it('collect --from never copies it into the new capture', async () => {
    const dir = plant('recollect', 'sys/class/dmi/id/sys_vendor', path.join(outside, 'secret'));
    const out = path.join(tmp, 'recollected');
    const r = await cli('collect', '--from', dir, '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(fs.existsSync(path.join(out, 'sys/class/dmi/id/sys_vendor'))).toBe(false);
    const files = fs.readdirSync(out, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files.length).toBeGreaterThan(5);
    for (const e of files) expect(fs.readFileSync(path.join(e.parentPath, e.name), 'utf8'), e.name).not.toContain(MARK);
  });

  it('analyze DIR reads the capture without it', async () => {
    const dir = plant('analyze', 'sys/class/dmi/id/sys_vendor', path.join(outside, 'secret'));
    const r = await readInputs([dir]);
    expect(JSON.stringify(r)).not.toContain(MARK);
    expect(r.sources[`${dir}:hypervisor`]?.error).toMatch(/links out of/);
  });
});

describe('other links', () => {
  it('a directory link out of the capture is not followed, even to a file of the expected name', async () => {
    const dir = plant('dir-link', 'sys/class/dmi', outside);
    const s = await collectSnapshot(rootsFromCapture(dir), { live: false });
    expect(JSON.stringify(s)).not.toContain(MARK);
    expect(s.sources.hypervisor?.error).toMatch(/links out of/);
  });

  it('a proc/ that links to the live /proc is refused (a capture cannot make check read this machine)', async () => {
    const dir = plant('proc-link', 'proc', '/proc');
    const s = await collectSnapshot(rootsFromCapture(dir), { live: false, collectors: new Set(['cpuinfo', 'cmdline']) });
    expect(s.sources.cpuinfo?.state).toBe('failed');
    expect(s.sources.cpuinfo?.error).toMatch(/links out of/);
    expect(s.facts.cmdline).toBeNull();
  });

  it('a dangling link is absent; a link loop fails with a reason; neither hangs', async () => {
    const dangling = plant('dangling', 'proc/cmdline', path.join(tmp, 'no-such-file'));
    const s1 = await collectSnapshot(rootsFromCapture(dangling), { live: false, collectors: new Set(['cmdline']) });
    expect(s1.sources.cmdline?.state).toBe('absent');
    const loop = plant('loop', 'proc/cmdline', 'cmdline2');
    fs.symlinkSync('cmdline', path.join(loop, 'proc/cmdline2'));
    const s2 = await collectSnapshot(rootsFromCapture(loop), { live: false, collectors: new Set(['cmdline']) });
    expect(s2.sources.cmdline?.state).toBe('failed');
    expect(s2.sources.cmdline?.error).toMatch(/symbolic link loop/);
  });

  it('a link that stays inside the capture is followed (as sysfs links are)', async () => {
    const dir = plant('inside', 'proc/cmdline', '../moved/cmdline');
    fs.mkdirSync(path.join(dir, 'moved'));
    fs.copyFileSync(path.join(CAPTURE, 'proc/cmdline'), path.join(dir, 'moved/cmdline'));
    const s = await collectSnapshot(rootsFromCapture(dir), { live: false, collectors: new Set(['cmdline']) });
    expect(s.sources.cmdline?.state).toBe('ok');
    expect(s.facts.cmdline?.raw).toBe(fs.readFileSync(path.join(CAPTURE, 'proc/cmdline'), 'utf8').trim());
  });

  it('the live /sys, full of links inside it, still reads', async () => {
    const s = await collectSnapshot(DEFAULT_ROOTS, { live: true, collectors: new Set(['clocksource', 'clockevents']) });
    expect(s.sources.clocksource?.state).toBe('ok');
    expect(s.sources.clockevents?.state).toBe('ok');
    // /sys/class/* entries are links into /sys/devices: resolved, and still inside /sys.
    const cls = fs.readdirSync('/sys/class').find((c) => fs.readdirSync(path.join('/sys/class', c)).length > 0);
    if (cls !== undefined) {
      const first = fs.readdirSync(path.join('/sys/class', cls))[0] as string;
      expect(await resolveInside('/sys', `class/${cls}/${first}`)).toMatch(/^\/sys\//);
    }
  });
});

describe('the shared helpers (agent/sources/io.ts)', () => {
  it('openInside refuses `..`, links out, FIFOs (without opening them) and directories; readDirInside refuses a link out', async () => {
    const root = path.join(tmp, 'helpers');
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(root, 'ok'), 'fine');
    fs.symlinkSync(path.join(outside, 'secret'), path.join(root, 'out'));
    fs.symlinkSync(outside, path.join(root, 'outdir'));
    execFileSync('mkfifo', [path.join(root, 'fifo')]);
    fs.symlinkSync('fifo', path.join(root, 'to-fifo'));
    const o = await openInside(root, 'ok');
    expect((await o.fh.readFile()).toString()).toBe('fine');
    await o.fh.close();
    await expect(openInside(root, '../outside/secret')).rejects.toMatchObject({ code: 'EOUTSIDE' });
    await expect(openInside(root, 'out')).rejects.toMatchObject({ code: 'EOUTSIDE' });
    await expect(openInside(root, 'outdir/secret')).rejects.toMatchObject({ code: 'EOUTSIDE' });
    await expect(openInside(root, 'to-fifo')).rejects.toMatchObject({ code: 'ENOTREG' });
    await expect(openInside(root, '.')).rejects.toMatchObject({ code: 'EISDIR' });
    await expect(readDirInside(root, 'outdir')).rejects.toMatchObject({ code: 'EOUTSIDE' });
    expect((await readDirInside(root, '.')).sort()).toEqual(['fifo', 'ok', 'out', 'outdir', 'to-fifo']);
  });
});
