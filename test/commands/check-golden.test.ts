/**
 * Golden reports of `check --from` for the two capture fixtures. Regenerate deliberately with
 * UPDATE_GOLDEN=1 and read the diff: every line must be true of the capture.
 */
import { describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import yargs from 'yargs';
import { checkCommand } from '../../agent/commands/check.js';

async function report(dir: string): Promise<string> {
  let out = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  try {
    await yargs(['check', '--from', dir, '--no-color']).command(checkCommand).strict().parseAsync();
  } finally {
    o.mockRestore();
    process.exitCode = undefined;
  }
  return out;
}

describe('check --from golden reports', () => {
  it.each(['firecracker-kvm-6.18', 'firecracker-kvm-6.18-collected'])('%s', async (name) => {
    const golden = `test/fixtures/captures/${name}.check.golden.txt`;
    const text = await report(`test/fixtures/captures/${name}`);
    if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(golden, text);
    expect(text).toBe(fs.readFileSync(golden, 'utf8'));
  });
});
