/**
 * This machine is a live KVM guest: collect it, compare with the files themselves, write a capture,
 * read it back and get the same facts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { collectRecorded, collectSnapshot } from '../agent/collect.js';
import { DEFAULT_ROOTS, rootsFromCapture, sysPath, procPath } from '../agent/roots.js';
import { closeCaptureDir, prepareCaptureDir, writeCapture } from '../agent/outputs/capture.js';
import type { Facts } from '../agent/facts.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-live-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const CS = 'devices/system/clocksource/clocksource0';
const hasSysClocksource = fs.existsSync(sysPath(DEFAULT_ROOTS, CS));

/** Facts without the `path` keys, which name where a section was read (live vs capture differ by design). */
function withoutPaths(facts: Facts): unknown {
  return JSON.parse(JSON.stringify(facts, (k, v: unknown) => (k === 'path' ? undefined : v)));
}

describe('live collection on this machine', () => {
  it('reports the clocksource sysfs says, and the kernel log / timer_list agree when readable', async () => {
    const s = await collectSnapshot(DEFAULT_ROOTS, { live: true });
    for (const [name, st] of Object.entries(s.sources)) expect(['ok', 'absent', 'failed'], name).toContain(st.state);
    if (!hasSysClocksource) {
      expect(s.sources.clocksource?.state).toBe('absent');
      return;
    }
    const current = fs.readFileSync(sysPath(DEFAULT_ROOTS, CS, 'current_clocksource'), 'utf8').trim();
    const available = fs.readFileSync(sysPath(DEFAULT_ROOTS, CS, 'available_clocksource'), 'utf8').trim().split(/\s+/);
    expect(s.facts.clocksource?.current).toBe(current);
    expect(s.facts.clocksource?.available).toEqual(available);
    expect(s.facts.clockReadCost?.clocksource).toBe(current);
    expect(s.facts.clockReadCost?.nsPerRead).toBeGreaterThan(0);
    const flags = fs.readFileSync(procPath(DEFAULT_ROOTS, 'cpuinfo'), 'utf8').match(/^flags\s*:(.*)$/m)?.[1]?.trim().split(/\s+/) ?? [];
    expect(s.facts.cpuinfo?.hypervisorFlag).toBe(flags.includes('hypervisor'));
    if (s.sources['kernel-log']?.state === 'ok' && flags.includes('hypervisor')) {
      // The kernel names the hypervisor it detected; on this KVM guest that is "KVM".
      expect(s.facts.kernelLog?.hypervisor).toBeTruthy();
      expect(s.facts.kernelLog?.tscDetectedKhz).toBeGreaterThan(0);
      expect(s.facts.kernelLog?.finalClocksource).toBe(current);
    }
    if (s.sources['timer-list']?.state === 'ok') {
      const text = fs.readFileSync(procPath(DEFAULT_ROOTS, 'timer_list'), 'utf8');
      const mode = /Tick Device: mode:\s+(\d)\s*\nPer CPU device: 0/.exec(text)?.[1];
      expect(mode).toBeDefined();
      expect(s.facts.timerList?.tickMode).toBe(mode === '1' ? 'oneshot' : 'periodic');
    } else {
      expect(s.sources['timer-list']?.error).toMatch(/root only|does not exist/);
    }
  });

  it('a capture written by collect reads back to the same facts', async () => {
    const { snapshot, files } = await collectRecorded(DEFAULT_ROOTS, { live: true });
    const dir = path.join(tmp, 'capture');
    const cap = prepareCaptureDir(dir, false);
    try {
      writeCapture(cap, files, snapshot, { toolVersion: 'test', kernelVersion: null, hostname: null, command: 'test' });
    } finally {
      closeCaptureDir(cap);
    }
    const back = await collectSnapshot(rootsFromCapture(dir), { live: false });
    for (const [name, st] of Object.entries(snapshot.sources)) {
      if (name === 'clock-read-cost') continue;
      expect(back.sources[name]?.state, `${name}: ${back.sources[name]?.error}`).toBe(st.state);
    }
    // clock-read-cost is a live measurement: absent from a capture by design.
    expect(back.sources['clock-read-cost']?.state).toBe('absent');
    expect(withoutPaths({ ...back.facts, clockReadCost: null })).toEqual(withoutPaths({ ...snapshot.facts, clockReadCost: null }));
    if (snapshot.sources['kernel-log']?.state === 'ok') expect(fs.existsSync(path.join(dir, 'commands/dmesg'))).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'SOURCE.md'), 'utf8')).toMatch(/\| clocksource \| ok \|/);
  });
});
