/**
 * Golden output of the blocks `check` adds to the shared report (the capture's machine facts and the
 * collector statuses) for the two capture fixtures. The rest of the report belongs to analyze's
 * goldens and moves with the model. Regenerate deliberately with UPDATE_GOLDEN=1 and read the diff:
 * every line must be true of the capture.
 */
import { describe, expect, it, vi } from 'vitest';
import yargs from 'yargs';
import { checkCommand } from '../../agent/commands/check.js';
import { expectGolden } from '../helpers/golden.js';

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
    const full = await report(`test/fixtures/captures/${name}`);
    const start = full.indexOf('\nCapture ');
    const end = full.lastIndexOf('\nVerdict: ');
    expect(start).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    const text = full.slice(start + 1, end);
    expectGolden(golden, text);
  });
});
