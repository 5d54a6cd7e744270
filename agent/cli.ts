#!/usr/bin/env node
/**
 * clockdoctor's entry point. Start-up is part of the interface: a script calls `--version`, a
 * one-shot `analyze` runs on every ticket, so this file imports only version.ts up front and loads
 * the rest as the argv asks — `--version` answers with no other module, `--help` lists the commands
 * without loading one (agent/commands/cli-parser.ts), and a command's module, with the packages it
 * needs, loads only when that command runs. test/cli/startup.test.ts pins which modules each load.
 */
import { fileURLToPath } from 'node:url';
import { VERSION } from './version.js';

/**
 * In the bundle users run, the file name of the analyze script (relative to this file) that
 * scripts/bundle.mjs builds, with its V8 code cache, for the plain analyze path; esbuild writes it
 * in. Not defined in tsc's output, which imports the modules themselves.
 */
declare const CLOCKDOCTOR_ANALYZE_SCRIPT: string | undefined;

type FastAnalyze = typeof import('./commands/analyze-fast.js');

/** Where `analyzeAndReport` comes from: the code-cached script in the bundle, else the module graph. */
async function analyzeEntry(modules: FastAnalyze): Promise<Pick<FastAnalyze, 'analyzeAndReport'>> {
  if (typeof CLOCKDOCTOR_ANALYZE_SCRIPT !== 'string') return modules;
  const { loadScript } = await import('./script-cache.js');
  const file = fileURLToPath(new URL(CLOCKDOCTOR_ANALYZE_SCRIPT, import.meta.url));
  return loadScript(file).exports as unknown as Pick<FastAnalyze, 'analyzeAndReport'>;
}

async function main(argv: string[]): Promise<void> {
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  // The common one-shot `clockdoctor analyze FILE...` skips yargs (analyze-fast.ts says why); the
  // check is a few string compares, and anything unusual still goes to yargs below.
  if (argv[0] === 'analyze') {
    const fast = await import('./commands/analyze-fast.js');
    const args = fast.fastAnalyzeArgs(argv);
    if (args !== null) {
      await (await analyzeEntry(fast)).analyzeAndReport(args);
      return;
    }
  }
  const [{ default: yargs }, { COMMANDS, buildParser, commandWord }, { terminalWidth }, { EXIT }] = await Promise.all([
    import('yargs'),
    import('./commands/cli-parser.js'),
    import('./commands/report-flags.js'),
    import('./exit-codes.js'),
  ]);
  const word = commandWord(argv);
  const entry = word === undefined ? undefined : COMMANDS[word];
  const help = argv.includes('--help') || argv.includes('-h');
  const parser = buildParser(yargs, argv, {
    modules: entry ? [await entry.load()] : [],
    version: VERSION,
    // yargs renders (and caches) the whole help text before every command runs; wrapping it costs
    // ~25 ms of a one-shot run, so wrap only when help is what was asked for.
    wrap: help ? terminalWidth() : null,
    onUsageError: (msg) => {
      process.stderr.write(`clockdoctor: ${msg}\n\nRun with --help for usage.\n`);
      process.exit(EXIT.usage);
    },
  });
  await parser.parseAsync();
}

// As yargs' hideBin for a plain `node cli.js` (no Electron here).
main(process.argv.slice(2)).catch(async (err: unknown) => {
  const { reportFatal } = await import('./commands/fatal.js');
  process.exitCode = reportFatal(err);
});
