/**
 * `clockdoctor check` — placeholder until its issue lands; replaced by the module that implements it.
 */
import type { CommandModule } from 'yargs';
import { EXIT } from '../exit-codes.js';

export const checkCommand: CommandModule = {
  command: 'check',
  describe: '(check: not built yet)',
  handler: () => {
    process.stderr.write('clockdoctor: check is not built yet\n');
    process.exitCode = EXIT.software;
  },
};
