/**
 * The yargs-free argv path of `analyze` (agent/commands/analyze-fast.ts) must hand the handler exactly
 * what yargs would, for every argv it accepts; everything else it must leave to yargs (null).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import yargs from 'yargs';
import { fastAnalyzeArgs } from '../../agent/commands/analyze-fast.js';
import { analyzeCommand, type AnalyzeArgs } from '../../agent/commands/analyze.js';

/** What yargs passes to the analyze handler for this argv, or 'error' when it rejects it. */
async function viaYargs(argv: string[]): Promise<Pick<AnalyzeArgs, 'file' | 'json' | 'color' | 'host-tsc-hz'> | 'error'> {
  let got: AnalyzeArgs | null = null;
  try {
    await yargs(argv)
      .command({ ...analyzeCommand, handler: (a: AnalyzeArgs) => { got = a; } })
      .strict()
      .fail((msg, err) => { throw err ?? new Error(msg); })
      .parseAsync();
  } catch {
    return 'error';
  }
  const a = got as AnalyzeArgs | null;
  if (a === null) return 'error';
  return { file: a.file === undefined || a.file.length === 0 ? undefined : a.file, json: a.json, color: a.color, 'host-tsc-hz': a['host-tsc-hz'] };
}

const pick = (a: AnalyzeArgs): Pick<AnalyzeArgs, 'file' | 'json' | 'color' | 'host-tsc-hz'> =>
  ({ file: a.file, json: a.json, color: a.color, 'host-tsc-hz': a['host-tsc-hz'] });

describe('fastAnalyzeArgs', () => {
  it('reads the plain shapes', () => {
    expect(fastAnalyzeArgs(['analyze'])).toEqual({ json: false, color: true });
    expect(fastAnalyzeArgs(['analyze', '--json', 'VBox.log', 'dmesg.txt'])).toEqual({ json: true, color: true, file: ['VBox.log', 'dmesg.txt'] });
    expect(fastAnalyzeArgs(['analyze', 'VBox.log', '--host-tsc-hz', '3400109000', '--no-color'])).toEqual({ json: false, color: false, file: ['VBox.log'], 'host-tsc-hz': '3400109000' });
    expect(fastAnalyzeArgs(['analyze', '--host-tsc-hz=3 400 109 000', 'x'])).toEqual({ json: false, color: true, file: ['x'], 'host-tsc-hz': '3 400 109 000' });
  });

  it.each([
    [['check']], [['analyze', '--help']], [['analyze', '-h']], [['analyze', '--', '-file']], [['analyze', '--jsn']],
    [['analyze', '--json', '--json']], [['analyze', '--color', '--no-color']], [['analyze', '--hostTscHz', '1']],
    [['analyze', '--host-tsc-hz']], [['analyze', '--host-tsc-hz', '-5']], [['analyze', '--host-tsc-hz=']], [['analyze', '--json=false']], [['analyze', '--json', 'false']], [['analyze', '--no-color', 'true']],
    [['analyze', '']],
  ])('leaves %j to yargs', (argv) => {
    expect(fastAnalyzeArgs(argv)).toBeNull();
  });

  it('agrees with yargs on every argv it accepts', async () => {
    const word = fc.oneof(
      fc.constantFrom('--json', '--color', '--no-color', '--host-tsc-hz', '--host-tsc-hz=3400109000', '--foo', '-j', '--', '--json=true', '--no-json'),
      fc.constantFrom('VBox.log', '123', '0x10', '3400109000', 'a b', 'x=y', 'true', 'dmesg', '--help', 'ünï', '.', 'e5'),
      fc.string({ minLength: 1, maxLength: 6 }),
    );
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(word, { maxLength: 6 }), async (rest) => {
        const argv = ['analyze', ...rest];
        const fast = fastAnalyzeArgs(argv);
        if (fast === null) return;
        accepted++;
        expect(await viaYargs(argv)).toEqual(pick(fast));
      }),
      { numRuns: 400 },
    );
    // The property must actually have compared something.
    expect(accepted).toBeGreaterThan(50);
  });
});
