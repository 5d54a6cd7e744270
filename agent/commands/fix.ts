/**
 * `clockdoctor fix [--apply] [--yes]`: the fixes of this guest's findings (collect → diagnose, as
 * `check` does). Without --apply nothing changes and the commands are only printed; with --apply, as
 * root and after a yes, the fixes that have a structured action (today: switching the clocksource)
 * are carried out through Roots and logged. Nothing in a log can become a command that runs: actions
 * are data, validated against what the running kernel lists.
 */
import readline from 'node:readline/promises';
import type { CommandModule } from 'yargs';
import { collectSnapshot } from '../collect.js';
import { diagnose } from '../diagnose.js';
import { runFix } from '../fix/run.js';
import { systemAuditLog } from '../fix/log.js';
import { collectorSetup, withCollectorOptions, type CollectorArgs } from './collector-options.js';

interface FixArgs extends CollectorArgs {
  apply: boolean;
  yes: boolean;
}

async function askYesNo(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(question);
    return /^\s*(y|yes)\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}

export const fixCommand: CommandModule<object, FixArgs> = {
  command: 'fix',
  describe: 'List the fixes for this guest; with --apply (as root, after asking) carry out the ones that can be applied here',
  builder: (y) =>
    withCollectorOptions(y)
      .option('apply', { type: 'boolean', default: false, describe: 'carry out the applicable fixes (needs root; asks first)' })
      .option('yes', { type: 'boolean', default: false, describe: 'with --apply: do not ask (for scripts)' })
      .example('$0 fix', 'show what would fix this guest; changes nothing')
      .example('sudo $0 fix --apply', 'switch the clocksource if a finding recommends it, after asking') as never,
  handler: async (argv) => {
    const setup = collectorSetup(argv);
    const user = process.env.SUDO_USER ? ` (sudo by ${process.env.SUDO_USER})` : '';
    const audit = systemAuditLog(setup.roots);
    process.exitCode = await runFix(
      { apply: argv.apply, yes: argv.yes, roots: setup.roots },
      {
        diagnose: async (roots) => {
          const snap = await collectSnapshot(roots, setup.collect);
          const result = diagnose(snap.facts, { sources: snap.sources });
          return { facts: result.facts, findings: result.findings };
        },
        isRoot: () => process.geteuid?.() === 0,
        interactive: process.stdin.isTTY === true && process.stderr.isTTY === true,
        confirm: askYesNo,
        audit: (line) => audit(`${line}${user}`),
        out: process.stdout,
        err: process.stderr,
      },
    );
  },
};
