/**
 * `check` on roots where nothing can be read must not call the machine healthy.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';

describe('check with nothing readable', () => {
  it('exits 66 and says there is nothing to diagnose', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-nothing-'));
    try {
      const args = [CLI, 'check', '--path.procfs', path.join(dir, 'proc'), '--path.sysfs', path.join(dir, 'sys'), '--path.rootfs', dir, '--no-collector.kernel-log', '--no-collector.clock-read-cost'];
      const err = await promisify(execFile)(process.execPath, args).then(() => null, (e: { code: number; stdout: string }) => e);
      expect(err?.code).toBe(66);
      expect(err?.stdout).toMatch(/no collector could read anything/);
      const json = await promisify(execFile)(process.execPath, [...args, '--json']).then(() => null, (e: { code: number; stdout: string }) => e);
      expect(json?.code).toBe(66);
      expect(Object.values((JSON.parse(json!.stdout) as { sources: Record<string, { state: string }> }).sources).every((s) => s.state !== 'ok')).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
