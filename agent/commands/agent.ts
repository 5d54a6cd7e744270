/**
 * `clockdoctor agent`: a long-running Prometheus exporter. Refreshes the snapshot on a schedule
 * (`--refresh`, default 60 s; at most one refresh in flight; the first at start), serves the latest
 * one on `--web.listen-address` — or, with `--textfile DIR`, writes it to `DIR/clockdoctor.prom` after
 * each refresh for node_exporter's textfile collector. SIGTERM/SIGINT stop it cleanly, SIGHUP
 * refreshes now. It never changes the system.
 */
import fs from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { withCollectorOptions, collectorSetup, parseDurationMs, type CollectorArgs } from './collector-options.js';
import { parseHostTscHz } from './report-flags.js';
import { InputError, UsageError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { Exposition } from '../outputs/metrics.js';
import { writeTextfile } from '../outputs/textfile.js';
import { Refresher } from '../daemon/refresher.js';
import { nominalIntervalSeconds, parseRefresh, startSchedule } from '../daemon/schedule.js';
import { parseListenAddress } from '../daemon/listen-address.js';
import { startServer, type AgentServerOptions } from '../daemon/server.js';
import { DEFAULT_LIMITS } from '../daemon/limits.js';
import { createLogger } from '../daemon/log.js';
import { loadWebConfig, authorizeRequest, UNAUTHORIZED_HEADERS } from '../daemon/web-config.js';
import { BackgroundMeasurer } from '../measure/background.js';
import { registerMeasureMetrics } from '../measure/metrics.js';
import { VERSION } from '../version.js';

/** The agent's default port (docs/metrics.md says why this one). */
export const DEFAULT_PORT = 9717;

interface AgentArgs extends CollectorArgs {
  'web.listen-address': string;
  'web.telemetry-path': string;
  'web.config.file'?: string;
  'web.max-connections': number;
  'web.disable-exporter-metrics': boolean;
  refresh: string;
  textfile?: string;
  'measure.reference'?: string;
  'measure.interval': string;
  'host-tsc-hz'?: string;
}

function builder(y: Argv): Argv<AgentArgs> {
  return withCollectorOptions(y)
    .option('web.listen-address', { type: 'string', default: `:${DEFAULT_PORT}`, describe: 'address to listen on (HOST:PORT; :PORT = every address)', group: 'Web:' })
    .option('web.telemetry-path', { type: 'string', default: '/metrics', describe: 'path the metrics are served on', group: 'Web:' })
    .option('web.config.file', { type: 'string', describe: 'exporter-toolkit web config (TLS, basic auth), see docs/security.md', group: 'Web:' })
    .option('web.max-connections', { type: 'number', default: DEFAULT_LIMITS.maxConnections, describe: 'open connections at once; more are closed at accept', group: 'Web:' })
    .option('web.disable-exporter-metrics', { type: 'boolean', default: false, describe: 'leave out process_* and nodejs_* metrics', group: 'Web:' })
    .option('refresh', { type: 'string', default: '60s', describe: 'how often to refresh: a duration (30s, 5m, 1h) or a cron expression ("*/5 * * * *")' })
    .option('textfile', { type: 'string', describe: 'no HTTP: after each refresh write DIR/clockdoctor.prom for node_exporter\'s textfile collector' })
    .option('measure.reference', { type: 'string', describe: 'also measure drift continuously against this reference (see clockdoctor measure --help)', group: 'Measure:' })
    .option('measure.interval', { type: 'string', default: '16s', describe: 'time between two measurements', group: 'Measure:' })
    .option('host-tsc-hz', { type: 'string', describe: 'the host\'s true TSC rate in Hz, when you know it' })
    .example('$0 agent', `listen on :${DEFAULT_PORT}, refresh every 60 s`)
    .example(`$0 agent --web.listen-address=127.0.0.1:${DEFAULT_PORT} --refresh 5m`, 'local only, refresh every 5 minutes')
    .example('$0 agent --textfile /var/lib/prometheus/node-exporter', 'no HTTP: feed node_exporter\'s textfile collector') as unknown as Argv<AgentArgs>;
}

export async function runAgent(argv: AgentArgs): Promise<number> {
  const logger = createLogger();
  const log = (level: 'debug' | 'info' | 'warn' | 'error', msg: string): void => logger[level](msg);
  const setup = collectorSetup(argv);
  const schedule = parseRefresh(argv.refresh);
  const hostTscHz = parseHostTscHz(argv['host-tsc-hz']);
  const telemetryPath = argv['web.telemetry-path'];
  if (!/^\/[\x21-\x7e]*$/.test(telemetryPath) || telemetryPath.includes('?')) throw new UsageError('--web.telemetry-path must start with / and hold no spaces or ?');
  if (!Number.isInteger(argv['web.max-connections']) || argv['web.max-connections'] < 1) throw new UsageError('--web.max-connections must be a positive whole number');
  const textfileDir = argv.textfile;
  if (textfileDir !== undefined) {
    let ok = false;
    try {
      ok = fs.statSync(textfileDir).isDirectory();
    } catch {
      ok = false;
    }
    if (!ok) throw new InputError('--textfile: no such directory', EXIT.noInput, textfileDir);
  }

  let measurer: BackgroundMeasurer | null = null;
  if (argv['measure.reference'] !== undefined) {
    measurer = new BackgroundMeasurer({
      reference: argv['measure.reference'],
      intervalMs: parseDurationMs(argv['measure.interval'], '--measure.interval'),
      roots: setup.roots,
    });
  }

  let exposition: Exposition | null = null;
  const refresher = new Refresher({
    roots: setup.roots,
    collect: { ...setup.collect, user: { hostTscHz: hostTscHz ?? null } },
    intervalSeconds: nominalIntervalSeconds(schedule),
    log,
    onRefreshed: textfileDir === undefined ? undefined : async () => {
      if (exposition) await writeTextfile(textfileDir, await exposition.metrics());
    },
  });
  exposition = new Exposition(refresher.view, {
    processMetrics: textfileDir === undefined && !argv['web.disable-exporter-metrics'],
  });
  // The measure metrics change between refreshes, so they are rendered at every scrape.
  if (measurer) registerMeasureMetrics(exposition.live, measurer);

  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  if (textfileDir === undefined) {
    const listen = parseListenAddress(argv['web.listen-address']);
    const serverOpts: AgentServerOptions = {
      registry: exposition,
      telemetryPath,
      isReady: refresher.ready,
      limits: { maxConnections: argv['web.max-connections'] },
      onError: (err) => log('error', `serving a request: ${err instanceof Error ? err.message : String(err)}`),
    };
    if (argv['web.config.file'] !== undefined) {
      const web = await loadWebConfig(argv['web.config.file']);
      if (web.tls) serverOpts.tls = web.tls;
      serverOpts.authorize = (req) => authorizeRequest(req, web);
      serverOpts.headers = web.headers;
      serverOpts.unauthorizedHeaders = UNAUTHORIZED_HEADERS;
    }
    try {
      server = await startServer(listen, serverOpts);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'EADDRINUSE' ? 'address already in use' : e.code === 'EACCES' ? 'permission denied' : e.message;
      throw new InputError(`--web.listen-address ${argv['web.listen-address']}: cannot listen: ${why}`, EXIT.noInput);
    }
    log('info', `clockdoctor ${VERSION} listening on ${server.address}${serverOpts.tls ? ' (TLS)' : ''}, metrics at ${telemetryPath}, refresh ${schedule.text}`);
  } else {
    log('info', `clockdoctor ${VERSION} writing ${textfileDir}/clockdoctor.prom, refresh ${schedule.text}`);
  }

  measurer?.start();
  const scheduler = startSchedule(schedule, refresher.refresh, (m) => log('warn', m));

  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log('info', `${signal}: shutting down`);
      scheduler.stop();
      refresher.cancel();
      measurer?.stop();
      process.off('SIGHUP', onHup);
      const closed = server ? server.close() : Promise.resolve();
      void closed.then(() => resolve(EXIT.ok));
    };
    const onHup = (): void => {
      log('info', 'SIGHUP: refreshing now');
      void scheduler.trigger();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', onHup);
  });
}

export const agentCommand: CommandModule<object, AgentArgs> = {
  command: 'agent',
  describe: 'run as a Prometheus exporter (or write a node_exporter textfile)',
  builder,
  handler: async (argv) => {
    process.exitCode = await runAgent(argv);
  },
};
