/**
 * `clockdoctor collect --out DIR`: write a capture of this machine (or re-write one given with --from)
 * that a user can send and a developer can turn into a fixture; `check --from DIR` reads it back.
 */
import fs from 'node:fs';
import type { CommandModule } from 'yargs';
import { collectRecorded } from '../collect.js';
import { procPath } from '../roots.js';
import { prepareCaptureDir, writeCapture } from '../outputs/capture.js';
import { printable } from '../util/sanitize.js';
import { VERSION } from '../version.js';
import { withCollectorOptions, collectorSetup, type CollectorArgs } from './collector-options.js';

interface CollectArgs extends CollectorArgs {
  out: string;
  force: boolean;
}

export const collectCommand: CommandModule<object, CollectArgs> = {
  command: 'collect',
  describe: 'Write a capture of this machine\'s clock evidence to a directory (to send, or to turn into a test fixture)',
  builder: (y) =>
    withCollectorOptions(y)
      .option('out', { type: 'string', demandOption: true, describe: 'directory to write (must be new or empty)' })
      .option('force', { type: 'boolean', default: false, describe: 'write into a directory that is not empty' })
      .example('$0 collect --out /tmp/clock-capture', 'capture this machine')
      .example('$0 check --from /tmp/clock-capture', 'diagnose a capture, here or on another machine') as never,
  handler: async (argv) => {
    const setup = collectorSetup(argv);
    prepareCaptureDir(argv.out, argv.force);
    const { snapshot, files } = await collectRecorded(setup.roots, setup.collect);
    let kernelVersion: string | null = null;
    try {
      const buf = fs.readFileSync(procPath(setup.roots, 'version'));
      kernelVersion = buf.toString('utf8');
      files.push({ area: 'procfs', rel: 'version', content: buf });
    } catch {
      // No /proc/version (a capture without it): the SOURCE note says "unknown".
    }
    const n = writeCapture(argv.out, files, snapshot, {
      toolVersion: VERSION,
      kernelVersion,
      hostname: null,
      command: `clockdoctor ${process.argv.slice(2).join(' ')}`,
    });
    const lines = [`clockdoctor: wrote ${n} files to ${printable(argv.out)}`];
    for (const [name, s] of Object.entries(snapshot.sources)) {
      if (s.state !== 'ok') lines.push(`  ${name}: ${s.state}${s.error ? ` — ${printable(s.error)}` : ''}`);
    }
    process.stderr.write(`${lines.join('\n')}\n`);
  },
};
