/**
 * `clockdoctor fix` — placeholder until its issue lands; replaced by the module that implements it.
 */
import type { CommandModule } from 'yargs';
import { EXIT } from '../exit-codes.js';

export const fixCommand: CommandModule = {
  command: 'fix',
  describe: '(fix: not built yet)',
  handler: () => {
    process.stderr.write('clockdoctor: fix is not built yet\n');
    process.exitCode = EXIT.software;
  },
};
