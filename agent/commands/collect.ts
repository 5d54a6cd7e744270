/**
 * `clockdoctor collect --out DIR`: write a capture of this machine (or re-write one given with --from)
 * that a user can send and a developer can turn into a fixture; `check --from DIR` reads it back.
 */
import type { CommandModule } from 'yargs';
import { collectRecorded } from '../collect.js';
import { SourceIO } from '../sources/io.js';
import { CaptureError, closeCaptureDir, prepareCaptureDir, writeCapture } from '../outputs/capture.js';
import { located } from '../errors.js';
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
    try {
      await runCollect(argv);
    } catch (err) {
      if (!(err instanceof CaptureError)) throw err;
      process.stderr.write(`clockdoctor: ${printable(located(err.path, null, err.message))}\n`);
      process.exitCode = err.exitCode;
    }
  },
};

async function runCollect(argv: CollectArgs): Promise<void> {
  const setup = collectorSetup(argv);
  // Checked (and created) before collecting: a DIR that cannot be used safely fails in milliseconds.
  const cap = prepareCaptureDir(argv.out, argv.force);
  try {
    const { snapshot, files } = await collectRecorded(setup.roots, setup.collect);
    // procfs `version` for the SOURCE note, read through the same fence as every collector's file.
    const version = await new SourceIO(setup.roots).readText('procfs', 'version', { record: false });
    const kernelVersion = version.state === 'ok' ? version.text : null;
    if (version.state === 'ok') files.push({ area: 'procfs', rel: 'version', content: Buffer.from(version.text, 'utf8') });
    const n = writeCapture(cap, files, snapshot, {
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
  } finally {
    closeCaptureDir(cap);
  }
}
