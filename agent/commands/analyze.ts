/**
 * `clockdoctor analyze [FILE...]` — read evidence files (kind detected from content), diagnose, print
 * the report or the JSON document, exit with the contract's code.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { readInputs } from '../gather/index.js';
import { diagnoseSubjects, exitCodeFor } from '../diagnose.js';
import { renderReport } from '../outputs/report.js';
import { renderJson } from '../outputs/json.js';
import { UsageError } from '../errors.js';
import { PACKAGE_ROOT } from '../version.js';
import { printable } from '../util/sanitize.js';
import { parseHostTscHz, stdoutReportOptions } from './report-flags.js';

/** What the analyze handler reads from argv (yargs' or analyze-fast's). */
export interface AnalyzeArgs {
  file?: string[];
  json: boolean;
  'host-tsc-hz'?: string | number;
  color: boolean;
}

/** The bundled example, relative to the package root (works from the repo and from dist/ when installed). */
export const EXAMPLE_DIR = path.join('examples', 'virtualbox-5.0-kvm-drift');

/** Where the bundled example lives: our package root (found by version.ts), else the working directory. */
export function packageRoot(): string {
  return PACKAGE_ROOT ?? process.cwd();
}

/** The evidence files of the bundled example in `dir`: everything but its notes and the script that made it. */
export function exampleFiles(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    throw new UsageError(`the bundled example is missing (${dir}); name the files to analyze: clockdoctor analyze VBox.log`);
  }
  return names.sort().filter((n) => !/\.(?:md|py)$/i.test(n)).map((n) => path.join(dir, n)).filter((p) => {
    try {
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  });
}

/**
 * The files to read: the ones named; stdin when none is named and stdin is not a terminal (a pipe,
 * a redirect); the bundled example when none is named and stdin is a terminal — said in the report.
 */
export function chooseInputs(named: readonly string[], stdinIsTty: boolean): { files: string[]; notes: string[] } {
  if (named.length > 0) return { files: [...named], notes: [] };
  if (!stdinIsTty) return { files: ['-'], notes: [] };
  const dir = path.join(packageRoot(), EXAMPLE_DIR);
  return { files: exampleFiles(dir), notes: [`No file named and stdin is a terminal: this is the bundled example, ${dir} (the documented VirtualBox 5.0 case). Name files to analyse your own: clockdoctor analyze VBox.log dmesg.txt, or pipe them in.`] };
}

export const analyzeCommand: CommandModule<object, AnalyzeArgs> = {
  command: 'analyze [file..]',
  describe: 'Explain the clock of a VM from evidence files: VBox.log, kernel log, /proc/cpuinfo, /proc/timer_list, clocksource files, capture dirs',
  builder: (y: Argv<object>) =>
    y
      .positional('file', { type: 'string', array: true, describe: 'Evidence files (kind is detected from content) or capture directories; - is stdin; after -- every word is a file; none = stdin when piped, else the bundled example' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the JSON document (docs/json-schema.md) instead of the report' })
      .option('host-tsc-hz', { type: 'string', describe: 'The true host TSC rate, when you know it (e.g. the host kernel\'s "Refined TSC clocksource calibration"): 3400109000, 3400.109MHz, 3.4GHz', requiresArg: true })
      .option('color', { type: 'boolean', default: true, describe: 'Colour the report (only on a terminal; --no-color or NO_COLOR turn it off)' })
      .example('$0 analyze', 'Analyze the bundled VirtualBox 5.0 example (kvm-clock loses 22 472 ppm)')
      .example('$0 analyze VBox.log', 'What VirtualBox tells the guest about its TSC, and whether it is right')
      .example('$0 analyze VBox.log --host-tsc-hz 3400109000', 'The same, with the host\'s TSC rate you measured: exact ppm and the fix command')
      .example('$0 analyze VBox.log dmesg.txt cpuinfo.txt', 'Host log and guest evidence of one VM, analysed together')
      .example('$0 analyze --json VBox.log | jq .findings', 'Machine-readable output for scripts')
      .example('dmesg | $0 analyze -', 'Read the evidence from stdin')
      .example('$0 analyze -- --odd-name.log', 'A file whose name starts with -: -- ends the options')
      .epilogue('Exit codes: 0 healthy, 1 warnings, 2 critical, 64 usage error, 65 nothing in the inputs understood, 66 an input missing or unreadable (66 takes precedence over everything, 65 over findings; a file with no clock evidence beside good ones is reported as no-evidence and does not change the code).') as unknown as Argv<AnalyzeArgs>,
  handler: async (argv: ArgumentsCamelCase<AnalyzeArgs>) => runAnalyze(argv),
};

/** Run analyze: read the inputs, diagnose, print, set the exit code. */
export async function runAnalyze(argv: AnalyzeArgs): Promise<void> {
  const hostTscHz = parseHostTscHz(argv['host-tsc-hz']);
  const { files, notes } = chooseInputs(argv.file ?? [], process.stdin.isTTY === true);
  for (const n of notes) process.stderr.write(`clockdoctor: ${n}\n`);
  const tty = process.stderr.isTTY === true;
  const opts = hostTscHz !== undefined ? { hostTscHz } : {};
  const { subjects, inputs, sources } = await readInputs(files, { ...opts, onProgress: tty ? (m: string) => process.stderr.write(`clockdoctor: ${printable(m)}\n`) : undefined });
  const result = diagnoseSubjects(subjects, { inputs, sources, notes });
  for (const i of inputs) {
    if (i.status === 'failed' || i.status === 'not-recognised' || i.status === 'no-evidence') process.stderr.write(`clockdoctor: ${printable(i.path)}: ${printable(i.message ?? i.status)}\n`);
  }
  if (argv.json) process.stdout.write(renderJson(result));
  // Nothing was read: the one line per input on stderr says it all; an empty report is noise.
  else if (inputs.some((i) => i.status === 'ok')) process.stdout.write(renderReport(result, stdoutReportOptions(argv.color)));
  process.exitCode = exitCodeFor(result);
}
