/** `cmdline`: the kernel command line (clocksource=, tsc=, notsc, no-kvmclock, nohz=, divider=). */
import { defineKind, identityMerge } from '../kind.js';
import { parseCmdline } from './parser.js';
import { createCmdlineParser } from './paste.js';
import { cmdlineSource } from './source.js';
import type { CmdlineFacts } from './facts.js';

export const cmdlineKind = defineKind({
  name: 'cmdline',
  key: 'cmdline',
  title: 'cmdline (procfs)',
  createParser: createCmdlineParser,
  // It counts every non-empty line (a text of one line is /proc/cmdline itself), kernel lines too.
  readsClaimedLines: true,
  merge: identityMerge<CmdlineFacts>(['raw']),
  keyFacts: () => [],
  collector: {
    help: 'kernel command line (procfs cmdline): clocksource=, tsc=, notsc, no-kvmclock, nohz=, divider=',
    defaultOn: true,
    liveOnly: false,
    source: cmdlineSource,
    parse: (raw, path) => parseCmdline(raw.text, path),
  },
});
