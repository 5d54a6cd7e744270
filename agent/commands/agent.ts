/**
 * `clockdoctor agent` — placeholder until its issue lands; replaced by the module that implements it.
 */
import type { CommandModule } from 'yargs';
import { EXIT } from '../exit-codes.js';

export const agentCommand: CommandModule = {
  command: 'agent',
  describe: '(agent: not built yet)',
  handler: () => {
    process.stderr.write('clockdoctor: agent is not built yet\n');
    process.exitCode = EXIT.software;
  },
};
