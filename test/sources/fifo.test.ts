/**
 * A pipe planted under the roots must not hang the collectors: files are opened non-blocking and
 * anything that is not a regular file is refused with a reason (found by the robustness work).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectSnapshot } from '../../agent/collect.js';
import { rootsFromCapture } from '../../agent/roots.js';

const CAPTURE = path.resolve(import.meta.dirname, '..', 'fixtures', 'captures', 'firecracker-kvm-6.18');

describe('FIFOs under the roots', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-fifo-'));
    fs.cpSync(CAPTURE, dir, { recursive: true });
    for (const rel of ['proc/timer_list', 'proc/cpuinfo', 'proc/cmdline', 'sys/devices/system/clocksource/clocksource0/current_clocksource']) {
      fs.rmSync(path.join(dir, rel), { force: true });
      execFileSync('mkfifo', [path.join(dir, rel)]);
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fails those collectors quickly with a reason and still serves the rest', async () => {
    // A 10-minute collector timeout: the collection ending within this test at all shows no read
    // blocked on a pipe (and the errors below say why, not "timed out").
    const snap = await collectSnapshot(rootsFromCapture(dir), { live: false, timeoutMs: 600_000 });
    for (const name of ['timer-list', 'cpuinfo', 'cmdline']) {
      expect(snap.sources[name]?.state, name).toBe('failed');
      expect(snap.sources[name]?.error, name).toMatch(/not a regular file/);
    }
    expect(snap.sources['kernel-log']?.state).toBe('ok');
    expect(snap.facts.kernelLog?.hypervisor).toBe('KVM');
  });
});
