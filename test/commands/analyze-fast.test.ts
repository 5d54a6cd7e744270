/**
 * The yargs-free argv path of `analyze` (agent/commands/analyze-fast.ts) must hand the handler exactly
 * what the real parser (agent/commands/cli-parser.ts: yargs plus the operand rules for `-` and `--`)
 * would, for every argv it accepts; everything else it must leave to yargs (null). Property tests run
 * with a fixed seed (fast-check prints it and the failing argv).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import yargs from 'yargs';
import { fastAnalyzeArgs } from '../../agent/commands/analyze-fast.js';
import { analyzeCommand, type AnalyzeArgs } from '../../agent/commands/analyze.js';
import { buildParser } from '../../agent/commands/cli-parser.js';

const SEED = 4242;

/** What the CLI's parser passes to the analyze handler for this argv, or 'error' when it rejects it. */
async function viaYargs(argv: string[]): Promise<Pick<AnalyzeArgs, 'file' | 'json' | 'color' | 'host-tsc-hz'> | 'error'> {
  let got: AnalyzeArgs | null = null;
  const capture = { ...analyzeCommand, handler: (a: AnalyzeArgs) => { got = a; } };
  try {
    await buildParser(yargs, argv, {
      modules: [capture as never],
      version: 'test',
      wrap: null,
      onUsageError: (msg) => { throw new Error(msg); },
    }).exitProcess(false).showHelpOnFail(false).parseAsync();
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
    expect(fastAnalyzeArgs(['analyze', '--host-tsc-hz', '3.4GHz', 'x'])).toEqual({ json: false, color: true, file: ['x'], 'host-tsc-hz': '3.4GHz' });
  });

  it('reads `-` as a file (stdin) and every word after `--` as a file', () => {
    expect(fastAnalyzeArgs(['analyze', '-'])).toEqual({ json: false, color: true, file: ['-'] });
    expect(fastAnalyzeArgs(['analyze', 'a', '-', 'b'])).toEqual({ json: false, color: true, file: ['a', '-', 'b'] });
    expect(fastAnalyzeArgs(['analyze', '--json', '--', '--json', '-', '--', '-h'])).toEqual({ json: true, color: true, file: ['--json', '-', '--', '-h'] });
    expect(fastAnalyzeArgs(['analyze', '--'])).toEqual({ json: false, color: true });
    // An empty word is a file that does not exist, not "no file": `analyze "$F"` with F unset must fail.
    expect(fastAnalyzeArgs(['analyze', ''])).toEqual({ json: false, color: true, file: [''] });
  });

  it.each([
    [['analyze', '-']], [['analyze', 'a', '-', 'b']], [['analyze', '--', '--json', '-h', '--help', '-', '', '--']],
    [['analyze', '--no-color', 'x', '--', '--host-tsc-hz', '1']], [['analyze', '']],
  ])('yargs agrees on %j', async (argv) => {
    expect(await viaYargs(argv)).toEqual(pick(fastAnalyzeArgs(argv)!));
  });

  it('the real parser passes operands after `--` through verbatim, whatever they are', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ maxLength: 8 }).filter((w) => !w.includes('\0')), { minLength: 1, maxLength: 5 }), async (words) => {
        const got = await viaYargs(['analyze', '--', ...words]);
        expect(got).not.toBe('error');
        expect((got as AnalyzeArgs).file).toEqual(words);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it.each([
    [['check']], [['analyze', '--help']], [['analyze', '-h']], [['analyze', '--jsn']], [['analyze', 'x', '--help', '--', 'y']],
    [['analyze', '--json', '--json']], [['analyze', '--color', '--no-color']], [['analyze', '--hostTscHz', '1']],
    [['analyze', '--host-tsc-hz']], [['analyze', '--host-tsc-hz', '-5']], [['analyze', '--host-tsc-hz=']], [['analyze', '--json=false']], [['analyze', '--json', 'false']], [['analyze', '--no-color', 'true']],
    [['analyze', '--host-tsc-hz', '-']], [['analyze', '--host-tsc-hz', '--']], [['analyze', '-j']],
  ])('leaves %j to yargs', (argv) => {
    expect(fastAnalyzeArgs(argv)).toBeNull();
  });

  it('agrees with yargs on every argv it accepts', async () => {
    const word = fc.oneof(
      fc.constantFrom('--json', '--color', '--no-color', '--host-tsc-hz', '--host-tsc-hz=3400109000', '--foo', '-j', '--', '--json=true', '--no-json', '-', ''),
      fc.constantFrom('VBox.log', '123', '0x10', '3400109000', '3.4GHz', 'a b', 'x=y', 'true', 'dmesg', '--help', 'ünï', '.', 'e5', '-'),
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
      { seed: SEED, numRuns: 400 },
    );
    // The property must actually have compared something.
    expect(accepted).toBeGreaterThan(50);
  });
});
