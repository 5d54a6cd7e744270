/**
 * The argv of a plain `clockdoctor analyze` run, read without yargs.
 *
 * Loading yargs and rendering the help text it caches before every command cost ~50 ms, a quarter of
 * a 270 MB analysis (issue 2 gives analyze 1.5× the time of a grep). So `cli.ts` tries this first:
 * it accepts only the plain shapes (`analyze`, file names, `-` for stdin, `--` and the words after
 * it as files, `--json`, `--color`/`--no-color`, `--host-tsc-hz N` or `--host-tsc-hz=N`, each
 * option at most once) and returns null for anything else — help, short flags, camel-case
 * spellings, a repeated option, an unknown option — which then goes to yargs, so every message and
 * error still comes from one place. A test checks that for every argv this accepts, the real parser
 * (cli-parser.ts, with its operand rules) hands the analyze handler the same arguments.
 */
import type { AnalyzeArgs } from './analyze.js';

/** The options analyze understands, as this fast path spells them. */
const FLAGS: ReadonlyMap<string, Partial<AnalyzeArgs>> = new Map([
  ['--json', { json: true }],
  ['--color', { color: true }],
  ['--no-color', { color: false }],
]);
const HOST_TSC_HZ = '--host-tsc-hz';

/** Parsed arguments, or null when yargs must parse this argv. */
export function fastAnalyzeArgs(argv: readonly string[]): AnalyzeArgs | null {
  if (argv[0] !== 'analyze') return null;
  const args: AnalyzeArgs = { json: false, color: true };
  const files: string[] = [];
  const seen = new Set<string>();
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    // `--` ends the options: every word after it is a file, even `--json` (POSIX, Utility Syntax Guideline 10).
    if (a === '--') {
      files.push(...argv.slice(i + 1));
      break;
    }
    // `-` is stdin and an empty word is a (missing) file, never "no file": `analyze "$F"` with F unset must fail.
    if (!a.startsWith('-') || a === '-') {
      files.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a : a.slice(0, eq);
    const key = name === '--no-color' ? '--color' : name;
    if (seen.has(key)) return null;
    seen.add(key);
    if (name === HOST_TSC_HZ) {
      const value = eq < 0 ? argv[++i] : a.slice(eq + 1);
      // A value that looks like an option (or a negative number) is yargs' to judge.
      if (value === undefined || value === '' || value.startsWith('-')) return null;
      args['host-tsc-hz'] = value;
      continue;
    }
    const flag = eq < 0 ? FLAGS.get(name) : undefined;
    if (flag === undefined) return null;
    // yargs reads `--json false` as the flag's value, not a file named "false".
    const next = argv[i + 1];
    if (next === 'true' || next === 'false') return null;
    Object.assign(args, flag);
  }
  if (files.length > 0) args.file = files;
  return args;
}

/**
 * Run a plain analyze and turn its failure into the CLI's message and exit code. This is the entry
 * of the code-cached analyze script of the bundle (scripts/bundle.mjs): the error classes
 * reportFatal tests must be the ones the analysis throws, so both live in the same script.
 */
export async function analyzeAndReport(args: AnalyzeArgs): Promise<void> {
  const { runAnalyze } = await import('./analyze.js');
  try {
    await runAnalyze(args);
  } catch (err) {
    const { reportFatal } = await import('./fatal.js');
    process.exitCode = reportFatal(err);
  }
}
