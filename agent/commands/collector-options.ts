/**
 * Options shared by `check`, `collect` and `agent`, spelled like node_exporter's: `--path.procfs`,
 * `--path.sysfs`, `--path.rootfs`, `--collector.NAME` / `--no-collector.NAME`,
 * `--collector.disable-defaults`, `--collector.timeout`; plus `--from DIR` to read a capture.
 */
import fs from 'node:fs';
import type { Argv } from 'yargs';
import { COLLECTORS } from '../collectors.js';
import { DEFAULT_ROOTS, rootsFromCapture, type Roots } from '../roots.js';
import { InputError, UsageError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { DEFAULT_COLLECTOR_TIMEOUT_MS, type CollectOptions } from '../collect.js';
import { parseDurationBetween } from '../util/units.js';

/** The parsed flags this module adds (keys as yargs gives them with dot-notation off). */
export interface CollectorArgs {
  'path.procfs': string;
  'path.sysfs': string;
  'path.rootfs': string;
  from?: string;
  'collector.timeout': string;
  'collector.disable-defaults': boolean;
  [flag: `collector.${string}`]: unknown;
}

/** What a command needs to collect. */
export interface CollectorSetup {
  roots: Roots;
  collectors: Set<string>;
  live: boolean;
  timeoutMs: number;
  /** The same, ready to hand to collectSnapshot/collectRecorded (spread it to add `user`). */
  collect: Pick<CollectOptions, 'collectors' | 'timeoutMs' | 'live'>;
}

const GROUP = 'Collectors (each on by default; --no-collector.NAME turns one off):';

/** Add the shared options. Turns yargs dot-notation off so `--collector.kernel-log` stays one flag. */
export function withCollectorOptions<T>(y: Argv<T>): Argv<T & CollectorArgs> {
  let out = y
    .parserConfiguration({ 'dot-notation': false })
    .option('path.procfs', { type: 'string', default: DEFAULT_ROOTS.procfs, describe: 'procfs mountpoint', group: 'Paths:' })
    .option('path.sysfs', { type: 'string', default: DEFAULT_ROOTS.sysfs, describe: 'sysfs mountpoint', group: 'Paths:' })
    .option('path.rootfs', { type: 'string', default: DEFAULT_ROOTS.rootfs, describe: 'root of the file system (for /etc/adjtime, /dev/kmsg)', group: 'Paths:' })
    .option('from', { type: 'string', describe: 'read a capture written by `clockdoctor collect --out DIR` instead of this machine', group: 'Paths:' })
    .option('collector.timeout', {
      type: 'string', default: `${DEFAULT_COLLECTOR_TIMEOUT_MS / 1000}s`, group: GROUP,
      describe: 'time each collector may take (e.g. 500ms, 5s); a command still running then is killed',
    })
    .option('collector.disable-defaults', { type: 'boolean', default: false, group: GROUP, describe: 'turn every collector off; then enable some with --collector.NAME' }) as unknown as Argv<T & CollectorArgs>;
  for (const c of COLLECTORS) {
    out = out.option(`collector.${c.name}`, {
      type: 'boolean',
      group: GROUP,
      describe: `${c.help}${c.defaultOn ? '' : ' (off by default)'}`,
    }) as unknown as Argv<T & CollectorArgs>;
  }
  return out;
}

/**
 * A duration flag in milliseconds: the one grammar of {@link parseDuration} (`500ms`, `30s`, `5m`,
 * `1h`, `1m30s`; a plain number is seconds), within `[minMs, maxMs]` — by default 1ms..10m, the
 * range of a collector's or a sample's time limit.
 */
export function parseDurationMs(text: string, flag: string, minMs = 1, maxMs = 600_000): number {
  const r = parseDurationBetween(text, minMs, maxMs);
  if (!r.ok) throw new UsageError(`${flag} ${JSON.stringify(text)}: ${r.error}`);
  return Math.round(r.value);
}

/** Turn parsed flags into roots, the enabled collectors and whether this is the live system. */
export function collectorSetup(argv: Partial<CollectorArgs>): CollectorSetup {
  const collectors = new Set<string>();
  const disableDefaults = argv['collector.disable-defaults'] === true;
  for (const c of COLLECTORS) {
    const v = argv[`collector.${c.name}`];
    const on = typeof v === 'boolean' ? v : !disableDefaults && c.defaultOn;
    if (on) collectors.add(c.name);
  }
  const timeoutMs = parseDurationMs(argv['collector.timeout'] ?? `${DEFAULT_COLLECTOR_TIMEOUT_MS}ms`, '--collector.timeout');
  const pathsGiven =
    (argv['path.procfs'] ?? DEFAULT_ROOTS.procfs) !== DEFAULT_ROOTS.procfs ||
    (argv['path.sysfs'] ?? DEFAULT_ROOTS.sysfs) !== DEFAULT_ROOTS.sysfs ||
    (argv['path.rootfs'] ?? DEFAULT_ROOTS.rootfs) !== DEFAULT_ROOTS.rootfs;
  if (argv.from !== undefined) {
    if (pathsGiven) throw new UsageError('--from DIR reads a capture; it cannot be combined with --path.procfs/--path.sysfs/--path.rootfs');
    let st: fs.Stats;
    try {
      st = fs.statSync(argv.from);
    } catch {
      throw new InputError('no such capture directory', EXIT.noInput, argv.from);
    }
    if (!st.isDirectory()) throw new InputError('not a directory (--from takes a capture directory written by clockdoctor collect)', EXIT.noInput, argv.from);
    return setupOf(rootsFromCapture(argv.from), collectors, false, timeoutMs);
  }
  const roots: Roots = {
    procfs: argv['path.procfs'] ?? DEFAULT_ROOTS.procfs,
    sysfs: argv['path.sysfs'] ?? DEFAULT_ROOTS.sysfs,
    rootfs: argv['path.rootfs'] ?? DEFAULT_ROOTS.rootfs,
    commands: null,
  };
  return setupOf(roots, collectors, true, timeoutMs);
}

function setupOf(roots: Roots, collectors: Set<string>, live: boolean, timeoutMs: number): CollectorSetup {
  return { roots, collectors, live, timeoutMs, collect: { collectors, timeoutMs, live } };
}
