#!/usr/bin/env node
/**
 * clockdoctor's command line: an explicit list of typed command modules (no directory scanning).
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { analyzeCommand } from './commands/analyze.js';
import { checkCommand } from './commands/check.js';
import { collectCommand } from './commands/collect.js';
import { agentCommand } from './commands/agent.js';
import { simulateCommand } from './commands/simulate.js';
import { measureCommand } from './commands/measure.js';
import { fixCommand } from './commands/fix.js';
import { EXIT } from './exit-codes.js';
import { reportFatal } from './commands/fatal.js';
import { VERSION } from './version.js';

export async function main(argv: string[]): Promise<void> {
  const parser = yargs(argv)
    .scriptName('clockdoctor')
    .usage('$0 <command> [options]\n\nDiagnoses clocks in virtual machines: reads the evidence, predicts and measures drift, explains the fix.')
    .command(analyzeCommand)
    .command(checkCommand)
    .command(collectCommand)
    .command(agentCommand)
    .command(simulateCommand)
    .command(measureCommand)
    .command(fixCommand)
    .demandCommand(1, 'Name a command: clockdoctor analyze VBox.log, clockdoctor check, clockdoctor --help')
    .strict()
    .version(VERSION)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .epilogue('Exit codes: 0 healthy, 1 warnings, 2 critical, 64 usage error, 65 input not understood, 66 input missing or unreadable.\nDocs: README.md')
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`clockdoctor: ${msg}\n\n`);
      process.stderr.write('Run with --help for usage.\n');
      process.exit(EXIT.usage);
    });
  await parser.parseAsync();
}

main(hideBin(process.argv)).catch((err: unknown) => {
  process.exitCode = reportFatal(err);
});
