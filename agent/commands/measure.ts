/**
 * `clockdoctor measure` — placeholder until its issue lands; replaced by the module that implements it.
 */
import type { CommandModule } from 'yargs';
import { EXIT } from '../exit-codes.js';

export const measureCommand: CommandModule = {
  command: 'measure',
  describe: '(measure: not built yet)',
  handler: () => {
    process.stderr.write('clockdoctor: measure is not built yet\n');
    process.exitCode = EXIT.software;
  },
};
