/**
 * `clockdoctor simulate` — placeholder until its issue lands; replaced by the module that implements it.
 */
import type { CommandModule } from 'yargs';
import { EXIT } from '../exit-codes.js';

export const simulateCommand: CommandModule = {
  command: 'simulate',
  describe: '(simulate: not built yet)',
  handler: () => {
    process.stderr.write('clockdoctor: simulate is not built yet\n');
    process.exitCode = EXIT.software;
  },
};
