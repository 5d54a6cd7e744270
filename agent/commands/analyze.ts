/**
 * `clockdoctor analyze` — placeholder until its issue lands; replaced by the module that implements it.
 */
import type { CommandModule } from 'yargs';
import { EXIT } from '../exit-codes.js';

export const analyzeCommand: CommandModule = {
  command: 'analyze',
  describe: '(analyze: not built yet)',
  handler: () => {
    process.stderr.write('clockdoctor: analyze is not built yet\n');
    process.exitCode = EXIT.software;
  },
};
