/**
 * `clockdoctor collect` — placeholder until its issue lands; replaced by the module that implements it.
 */
import type { CommandModule } from 'yargs';
import { EXIT } from '../exit-codes.js';

export const collectCommand: CommandModule = {
  command: 'collect',
  describe: '(collect: not built yet)',
  handler: () => {
    process.stderr.write('clockdoctor: collect is not built yet\n');
    process.exitCode = EXIT.software;
  },
};
