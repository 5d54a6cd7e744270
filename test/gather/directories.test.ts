/**
 * A directory of loose files (any names, nested) is read file by file; links inside it are never
 * followed; the same path given twice is read once; two kernel logs of two machines are two subjects.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInputs } from '../../agent/gather/index.js';
import { ROOT } from '../helpers/cli.js';

const FIX = path.join(ROOT, 'test', 'fixtures');
let tmp = '';
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clockdoctor-dirs-'));
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('directories', () => {
  it('reads every file whatever its name, and never follows a link', async () => {
    const d = path.join(tmp, 'ticket');
    fs.mkdirSync(path.join(d, 'guest'), { recursive: true });
    fs.copyFileSync(path.join(FIX, 'dmesg', 'kvm-bochs-3.13-kvmclock.txt'), path.join(d, 'guest', 'output-2'));
    fs.copyFileSync(path.join(FIX, 'vbox', 'v5.0.6-win-intel-none-bayons.log'), path.join(d, 'host-log'));
    fs.symlinkSync('/etc/passwd', path.join(d, 'passwd'));
    const r = await readInputs([d]);
    const by = Object.fromEntries(r.inputs.map((i) => [path.relative(d, i.path), i]));
    expect(by['guest/output-2']).toMatchObject({ status: 'ok', kind: 'kernel-log' });
    expect(by['host-log']).toMatchObject({ status: 'ok', kind: 'vbox' });
    expect(by.passwd).toMatchObject({ status: 'skipped', message: expect.stringMatching(/link/) });
    expect(JSON.stringify(r)).not.toContain('root:x:0:0');
  });

  it('the same file twice is read once', async () => {
    const f = path.join(FIX, 'dmesg', 'kvm-bochs-3.13-kvmclock.txt');
    const r = await readInputs([f, f]);
    expect(r.inputs.map((i) => i.status)).toEqual(['ok', 'skipped']);
    expect(r.subjects).toHaveLength(1);
  });

  it('two kernel logs of two machines are two subjects; two excerpts of one are one', async () => {
    const two = await readInputs([path.join(FIX, 'dmesg', 'kvm-bochs-3.13-kvmclock.txt'), path.join(FIX, 'dmesg', 'xen-hvm-aws-centos7-3.10-xen-clocksource.txt')]);
    expect(two.subjects.map((s) => s.facts.kernelLog?.kernelVersion)).toEqual(['3.13.0-57-generic', '3.10.0-957.1.3.el7.x86_64']);
    const a = path.join(tmp, 'grep-clock.txt');
    const b = path.join(tmp, 'grep-watchdog.txt');
    fs.writeFileSync(a, '[user@vm ~]$ dmesg | grep clock\n[    0.149025] Switched to clocksource xen\n');
    fs.writeFileSync(b, "[271095.072610] timekeeping watchdog: Marking clocksource 'tsc' as unstable, because the skew is too large:\n");
    const one = await readInputs([a, b]);
    expect(one.subjects).toHaveLength(1);
    expect(one.subjects[0]!.facts.kernelLog).toMatchObject({ finalClocksource: 'xen', tscUnstable: true });
    // Each line still names its own file.
    expect(one.subjects[0]!.facts.kernelLog!.tscUnstableEvents[0]).toMatchObject({ path: b });
  });
});
