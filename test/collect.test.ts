import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { collectSnapshot } from '../agent/collect.js';
import { rootsFromCapture, type Roots } from '../agent/roots.js';
import { COLLECTOR_NAMES } from '../agent/collectors.js';

const CORPUS = 'test/fixtures/captures/firecracker-kvm-6.18';
const OWN = 'test/fixtures/captures/firecracker-kvm-6.18-collected';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-collect-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('collectSnapshot from a capture', () => {
  it('reads the corpus capture: clocksource, clockevents, kernel log, timer_list, cpuinfo, cmdline', async () => {
    const s = await collectSnapshot(rootsFromCapture(CORPUS), { live: false });
    expect(Object.keys(s.sources)).toEqual([...COLLECTOR_NAMES]);
    const f = s.facts;
    expect(f.clocksource).toMatchObject({ current: 'tsc', available: ['tsc', 'kvm-clock'], devices: [{ device: '0', current: 'tsc' }] });
    expect(f.clockevents?.devices.map((d) => d.current)).toEqual(['lapic-deadline', 'lapic-deadline']);
    expect(f.clockevents?.broadcast).toBeNull();
    expect(f.kernelLog?.hypervisor).toBe('KVM');
    expect(f.kernelLog?.tscDetectedKhz).toBe(2_000_000);
    expect(f.kernelLog?.path).toBe(path.join(CORPUS, 'commands', 'dmesg'));
    expect(f.timerList?.tickMode).toBe('oneshot');
    expect(f.cpuinfo?.processors).toBe(2);
    expect(f.cmdline?.raw).toMatch(/^mitigations=auto/);
    // What the capture does not hold is absent with a reason, never failed, never guessed.
    for (const name of ['timesync', 'rtc', 'hypervisor', 'clock-read-cost']) {
      expect(s.sources[name]?.state, name).toBe('absent');
      expect(s.sources[name]?.error, name).toBeTruthy();
    }
    expect(f.timesync).toBeNull();
    expect(f.clockReadCost).toBeNull();
    expect(Object.isFrozen(s) && Object.isFrozen(s.facts.clocksource)).toBe(true);
  });

  it('reads its own capture of this guest, chronyd and all', async () => {
    const s = await collectSnapshot(rootsFromCapture(OWN), { live: false });
    expect(s.facts.timesync?.daemons).toEqual([{ name: 'chronyd', pid: 16144, cmdline: 'chronyd -x -d -f /tmp/chrt/c.conf' }]);
    expect(s.facts.timesync?.chronyTracking?.referenceId).toBe('7F7F0101');
    expect(s.facts.hypervisor?.platform).toBe('Firecracker');
    expect(s.facts.kernelLog?.tscDetectedKhz).toBe(2_596_102);
    expect(s.facts.timerList?.lapicDeadlineTscHz).toBe(2_596_101_999);
    expect(s.sources.rtc?.state).toBe('absent');
  });

  it('runs only the collectors asked for', async () => {
    const s = await collectSnapshot(rootsFromCapture(CORPUS), { live: false, collectors: new Set(['clocksource', 'cmdline']) });
    expect(Object.keys(s.sources)).toEqual(['clocksource', 'cmdline']);
    expect(s.facts.kernelLog).toBeNull();
    expect(s.facts.cmdline).not.toBeNull();
  });
});

describe('one collector failing never fails the others', () => {
  it('an empty tree: everything absent, nothing failed', async () => {
    const empty = fs.mkdtempSync(path.join(tmp, 'empty-'));
    const s = await collectSnapshot(rootsFromCapture(empty), { live: false });
    for (const [name, st] of Object.entries(s.sources)) expect(st.state, `${name}: ${st.error}`).toBe('absent');
  });

  it('a missing file is absent; the rest is read', async () => {
    const dir = path.join(tmp, 'missing');
    fs.cpSync(CORPUS, dir, { recursive: true });
    fs.rmSync(path.join(dir, 'proc/timer_list'));
    const s = await collectSnapshot(rootsFromCapture(dir), { live: false });
    expect(s.sources['timer-list']).toMatchObject({ state: 'absent' });
    expect(s.sources['timer-list']?.error).toMatch(/timer_list does not exist/);
    expect(s.facts.clocksource?.current).toBe('tsc');
    expect(s.sources['kernel-log']?.state).toBe('ok');
  });

  it('an unparsable file fails its collector with file and line; the others are ok', async () => {
    const dir = path.join(tmp, 'bad-adjtime');
    fs.cpSync(CORPUS, dir, { recursive: true });
    fs.mkdirSync(path.join(dir, 'etc'));
    fs.writeFileSync(path.join(dir, 'etc/adjtime'), '0.0 0 0\n0\nsometimes\n');
    const s = await collectSnapshot(rootsFromCapture(dir), { live: false });
    expect(s.sources.rtc?.state).toBe('failed');
    expect(s.sources.rtc?.error).toBe(`parse error: ${path.join(dir, 'etc/adjtime')}:3: adjtime: line 3 must be UTC or LOCAL, not "sometimes"`);
    expect(s.sources.clocksource?.state).toBe('ok');
  });

  it('a directory where a file should be fails that collector only', async () => {
    const dir = path.join(tmp, 'isdir');
    fs.cpSync(CORPUS, dir, { recursive: true });
    fs.rmSync(path.join(dir, 'proc/cpuinfo'));
    fs.mkdirSync(path.join(dir, 'proc/cpuinfo'));
    const s = await collectSnapshot(rootsFromCapture(dir), { live: false });
    expect(s.sources.cpuinfo).toMatchObject({ state: 'failed' });
    expect(s.sources.cpuinfo?.error).toMatch(/is a directory/);
    expect(s.sources.cmdline?.state).toBe('ok');
  });

  it('a hanging dmesg is killed after the timeout and only kernel-log fails', async () => {
    // Live mode on a tree with no dev/kmsg: the kernel-log source falls back to `dmesg` from PATH.
    const bin = path.join(tmp, 'bin');
    fs.mkdirSync(bin);
    const pidFile = path.join(tmp, 'dmesg.pid');
    // Hangs for 10 minutes: the collection ending at all (in this test's time) shows the timeout fired.
    fs.writeFileSync(path.join(bin, 'dmesg'), `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 600\n`, { mode: 0o755 });
    const dir = path.join(tmp, 'hang');
    fs.cpSync(CORPUS, dir, { recursive: true });
    const roots: Roots = { procfs: path.join(dir, 'proc'), sysfs: path.join(dir, 'sys'), rootfs: dir, commands: null };
    const s = await collectSnapshot(roots, {
      live: true,
      timeoutMs: 800,
      collectors: new Set(['kernel-log', 'clocksource', 'cpuinfo']),
      env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
    });
    expect(s.sources['kernel-log']?.state).toBe('failed');
    expect(s.sources['kernel-log']?.error).toMatch(/timed out after 800 ms/);
    expect(s.sources['kernel-log']?.durationMs).toBeGreaterThanOrEqual(790);
    expect(s.sources.clocksource?.state).toBe('ok');
    expect(s.sources.cpuinfo?.state).toBe('ok');
    // The child is gone (SIGTERM, SIGKILL after 500 ms at worst): wait for it, however busy the machine.
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    const deadline = Date.now() + 30_000;
    let alive = true;
    while (alive && Date.now() < deadline) {
      try {
        process.kill(pid, 0);
        await new Promise((r) => setTimeout(r, 50));
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
  });

  it('an outer abort ends a collection early', async () => {
    const ac = new AbortController();
    const bin = path.join(tmp, 'bin2');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'dmesg'), '#!/bin/sh\nexec sleep 600\n', { mode: 0o755 });
    const roots: Roots = { procfs: path.join(tmp, 'none'), sysfs: path.join(tmp, 'none'), rootfs: path.join(tmp, 'none'), commands: null };
    setTimeout(() => ac.abort(), 200);
    // A 10-minute hang and a 10-minute collector timeout: only the abort can end this within the test.
    const s = await collectSnapshot(roots, { live: true, timeoutMs: 600_000, signal: ac.signal, collectors: new Set(['kernel-log']), env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } });
    expect(s.sources['kernel-log']?.state).toBe('failed');
    expect(s.sources['kernel-log']?.error).toBe('cancelled');
  });
});
