#!/usr/bin/env node
/**
 * clockdoctor's command line: an explicit list of typed command modules (no directory scanning).
 */
import type { Argv, CommandModule } from 'yargs';
import { EXIT } from './exit-codes.js';
import { reportFatal } from './commands/fatal.js';
import { terminalWidth } from './commands/report-flags.js';
import { VERSION } from './version.js';

/**
 * The commands, in the order --help lists them. Each is loaded only when it runs: a one-shot
 * `analyze` should not pay for the agent's HTTP server or the model's scenarios at start-up.
 */
const COMMANDS: Record<string, () => Promise<CommandModule<object, never>>> = {
  analyze: async () => (await import('./commands/analyze.js')).analyzeCommand as CommandModule<object, never>,
  check: async () => (await import('./commands/check.js')).checkCommand as CommandModule<object, never>,
  collect: async () => (await import('./commands/collect.js')).collectCommand as CommandModule<object, never>,
  agent: async () => (await import('./commands/agent.js')).agentCommand as CommandModule<object, never>,
  simulate: async () => (await import('./commands/simulate.js')).simulateCommand as CommandModule<object, never>,
  measure: async () => (await import('./commands/measure.js')).measureCommand as CommandModule<object, never>,
  fix: async () => (await import('./commands/fix.js')).fixCommand as CommandModule<object, never>,
};

/** The command word: the first argument that is not an option. */
function commandWord(argv: readonly string[]): string | undefined {
  return argv.find((a) => !a.startsWith('-'));
}

export async function main(argv: string[]): Promise<void> {
  // The common one-shot `clockdoctor analyze FILE...` skips yargs (analyze-fast.ts says why); the
  // check is a few string compares, and anything unusual still goes to yargs below.
  if (argv[0] === 'analyze') {
    const { fastAnalyzeArgs } = await import('./commands/analyze-fast.js');
    const args = fastAnalyzeArgs(argv);
    if (args !== null) {
      await (await import('./commands/analyze.js')).runAnalyze(args);
      return;
    }
  }
  const { default: yargs } = await import('yargs');
  const word = commandWord(argv);
  // A known command loads alone; anything else (--help, a typo) loads all so help and errors list them.
  const names = word !== undefined && word in COMMANDS ? [word] : Object.keys(COMMANDS);
  const modules = await Promise.all(names.map((n) => COMMANDS[n]!()));
  let parser: Argv = yargs(argv)
    .scriptName('clockdoctor')
    .usage('$0 <command> [options]\n\nDiagnoses clocks in virtual machines: reads the evidence, predicts and measures drift, explains the fix.');
  for (const m of modules) parser = parser.command(m);
  parser = parser
    .demandCommand(1, 'Name a command: clockdoctor analyze VBox.log, clockdoctor check, clockdoctor --help')
    .strict()
    .version(VERSION)
    .help()
    .alias('h', 'help')
    // yargs renders (and caches) the whole help text before every command runs; wrapping it costs
    // ~25 ms of a one-shot analyze, so wrap only when help is what was asked for.
    .wrap(argv.includes('--help') || argv.includes('-h') ? terminalWidth() : null)
    .epilogue('Exit codes: 0 healthy, 1 warnings, 2 critical, 64 usage error, 65 input not understood, 66 input missing or unreadable.\nDocs: README.md')
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`clockdoctor: ${msg}\n\n`);
      process.stderr.write('Run with --help for usage.\n');
      process.exit(EXIT.usage);
    });
  await parser.parseAsync();
}

// As yargs' hideBin for a plain `node cli.js` (no Electron here).
main(process.argv.slice(2)).catch((err: unknown) => {
  process.exitCode = reportFatal(err);
});
