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
import type { Exposition } from '../outputs/metrics.js';
import { parseListenAddress } from '../daemon/listen-address.js';
import type { AgentServer, AgentServerOptions, ListenSpec } from '../daemon/server.js';
import { DEFAULT_LIMITS, authorisedSlotsFor } from '../daemon/limits.js';
import { loggerFromArgs, withLogOptions, type LogArgs, type Logger } from '../daemon/log.js';
import { takeSystemdListenFds } from '../daemon/systemd-socket.js';
import { buildInfo } from '../daemon/build-info.js';
import type { BackgroundMeasurer } from '../measure/background.js';

/**
 * What the daemon needs once it starts, loaded then (issue 13 §2): prom-client, node-cron, yaml (web
 * config), the collectors and the server cost tens of ms of start-up that `agent --help` and a usage
 * error never need.
 */
async function loadDaemon() {
  const [metrics, textfile, refresher, schedule, server, webGuard, bcrypt, background, measureMetrics] = await Promise.all([
    import('../outputs/metrics.js'),
    import('../outputs/textfile.js'),
    import('../daemon/refresher.js'),
    import('../daemon/schedule.js'),
    import('../daemon/server.js'),
    import('../daemon/web-guard.js'),
    import('../daemon/bcrypt-worker.js'),
    import('../measure/background.js'),
    import('../measure/metrics.js'),
  ]);
  return {
    Exposition: metrics.Exposition,
    writeTextfile: textfile.writeTextfile,
    Refresher: refresher.Refresher,
    nominalIntervalSeconds: schedule.nominalIntervalSeconds,
    parseRefresh: schedule.parseRefresh,
    startSchedule: schedule.startSchedule,
    startServer: server.startServer,
    WebGuard: webGuard.WebGuard,
    closeSharedVerifier: bcrypt.closeSharedVerifier,
    BackgroundMeasurer: background.BackgroundMeasurer,
    registerMeasureMetrics: measureMetrics.registerMeasureMetrics,
  };
}
type Daemon = Awaited<ReturnType<typeof loadDaemon>>;

/** The agent's default port (docs/metrics.md says why this one). */
export const DEFAULT_PORT = 9717;
const DEFAULT_LISTEN = `:${DEFAULT_PORT}`;

interface AgentArgs extends CollectorArgs, LogArgs {
  'web.listen-address'?: string | string[];
  'web.systemd-socket': boolean;
  'web.telemetry-path': string;
  'web.config.file'?: string;
  'web.max-connections': number;
  'web.max-requests': number;
  'web.disable-exporter-metrics': boolean;
  refresh: string;
  textfile?: string;
  'measure.reference'?: string;
  'measure.interval': string;
  'host-tsc-hz'?: string;
}

function builder(y: Argv): Argv<AgentArgs> {
  return withLogOptions(withCollectorOptions(y))
    .option('web.listen-address', {
      type: 'string', array: true, nargs: 1, defaultDescription: DEFAULT_LISTEN, group: 'Web:',
      describe: 'address to listen on (HOST:PORT; :PORT = every address); repeat to listen on several',
    })
    .option('web.systemd-socket', { type: 'boolean', default: false, describe: 'listen on the sockets systemd passes (socket activation) instead of --web.listen-address', group: 'Web:' })
    .option('web.telemetry-path', { type: 'string', default: '/metrics', describe: 'path the metrics are served on', group: 'Web:' })
    .option('web.config.file', { type: 'string', describe: 'exporter-toolkit web config (TLS, basic auth, rate limit), re-read when it changes; see docs/security.md', group: 'Web:' })
    .option('web.max-connections', { type: 'number', default: DEFAULT_LIMITS.maxConnections, describe: 'open connections at once; a quarter of them is kept for authorised clients', group: 'Web:' })
    .option('web.max-requests', { type: 'number', default: DEFAULT_LIMITS.maxRequestsInFlight, describe: 'requests answered at once; more get 503 (0 = no limit), as node_exporter', group: 'Web:' })
    .option('web.disable-exporter-metrics', { type: 'boolean', default: false, describe: 'leave out process_* and nodejs_* metrics', group: 'Web:' })
    .option('refresh', { type: 'string', default: '60s', describe: 'how often to refresh: a duration (30s, 5m, 1h) or a cron expression ("*/5 * * * *")' })
    .option('textfile', { type: 'string', describe: 'no HTTP: after each refresh write DIR/clockdoctor.prom for node_exporter\'s textfile collector' })
    .option('measure.reference', { type: 'string', describe: 'also measure drift continuously against this reference (see clockdoctor measure --help)', group: 'Measure:' })
    .option('measure.interval', { type: 'string', default: '16s', describe: 'time between two measurements', group: 'Measure:' })
    .option('host-tsc-hz', { type: 'string', describe: 'the host\'s true TSC rate in Hz, when you know it' })
    .example('$0 agent', `listen on ${DEFAULT_LISTEN}, refresh every 60 s`)
    .example(`$0 agent --web.listen-address=127.0.0.1:${DEFAULT_PORT} --web.listen-address=[::1]:${DEFAULT_PORT}`, 'loopback only, IPv4 and IPv6')
    .example('$0 agent --web.config.file=/etc/clockdoctor/web.yml --log.format=json', 'TLS and basic auth as node_exporter takes them; JSON logs')
    .example('$0 agent --textfile /var/lib/prometheus/node-exporter', 'no HTTP: feed node_exporter\'s textfile collector') as unknown as Argv<AgentArgs>;
}

/** Where to listen, from --web.listen-address (repeatable) or --web.systemd-socket; UsageError on nonsense. */
export function listenSpecs(argv: Pick<AgentArgs, 'web.listen-address' | 'web.systemd-socket'>, env: NodeJS.ProcessEnv = process.env): ListenSpec[] {
  const raw = argv['web.listen-address'];
  const given = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (argv['web.systemd-socket']) {
    if (given.length > 0) throw new UsageError('--web.systemd-socket and --web.listen-address exclude each other: the sockets come from systemd');
    return takeSystemdListenFds(env).map((fd) => ({ fd }));
  }
  const texts = given.length > 0 ? given : [DEFAULT_LISTEN];
  const specs = texts.map((t) => parseListenAddress(String(t)));
  const seen = new Set<string>();
  for (const [i, s] of specs.entries()) {
    const key = `${s.host ?? ''}|${s.port}`;
    if (s.port !== 0 && seen.has(key)) throw new UsageError(`--web.listen-address ${texts[i]} is given twice`);
    seen.add(key);
  }
  return specs;
}

function validateFlags(argv: AgentArgs): void {
  const telemetryPath = argv['web.telemetry-path'];
  if (!/^\/[\x21-\x7e]*$/.test(telemetryPath) || telemetryPath.includes('?')) throw new UsageError('--web.telemetry-path must start with / and hold no spaces or ?');
  if (!Number.isInteger(argv['web.max-connections']) || argv['web.max-connections'] < 2) throw new UsageError('--web.max-connections must be a whole number of at least 2');
  if (!Number.isInteger(argv['web.max-requests']) || argv['web.max-requests'] < 0) throw new UsageError('--web.max-requests must be a whole number ≥ 0 (0 = no limit)');
}

async function startHttp(d: Daemon, argv: AgentArgs, specs: ListenSpec[], base: AgentServerOptions, log: Logger): Promise<{ server: AgentServer; tls: boolean }> {
  const { WebGuard, startServer } = d;
  const opts: AgentServerOptions = { ...base };
  let tls = false;
  if (argv['web.config.file'] !== undefined) {
    const guard = await WebGuard.load(argv['web.config.file'], { log });
    opts.security = guard;
    const c = guard.current();
    tls = c.tls !== null;
    log.info(c.tls ? 'TLS is enabled' : 'TLS is disabled', { file: c.path, client_auth_type: c.tls ? c.clientAuthType : undefined, basic_auth_users: c.basicAuthUsers.size, rate_limit: c.rateLimit !== null });
  }
  try {
    return { server: await startServer(specs, opts), tls };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'EADDRINUSE' ? 'address already in use' : e.code === 'EACCES' ? 'permission denied' : e.message;
    const what = specs.some((s) => 'fd' in s) ? '--web.systemd-socket' : `--web.listen-address ${specs.map((s) => ('fd' in s ? `fd ${s.fd}` : `${s.host ?? ''}:${s.port}`)).join(', ')}`;
    throw new InputError(`${what}: cannot listen: ${why}`, EXIT.noInput);
  }
}

export async function runAgent(argv: AgentArgs): Promise<number> {
  const d = await loadDaemon();
  const { BackgroundMeasurer, Exposition, Refresher, closeSharedVerifier, nominalIntervalSeconds, parseRefresh, registerMeasureMetrics, startSchedule, writeTextfile } = d;
  const log = loggerFromArgs(argv);
  const setup = collectorSetup(argv);
  const schedule = parseRefresh(argv.refresh);
  const hostTscHz = parseHostTscHz(argv['host-tsc-hz']);
  validateFlags(argv);
  const telemetryPath = argv['web.telemetry-path'];
  const textfileDir = argv.textfile;
  const specs = textfileDir === undefined ? listenSpecs(argv) : [];
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

  const build = buildInfo();
  log.info('starting clockdoctor', { ...build });
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
  // The measure metrics change between refreshes, so they are collected at most once a second.
  if (measurer) registerMeasureMetrics(exposition.live, measurer);

  let server: AgentServer | null = null;
  if (textfileDir === undefined) {
    const started = await startHttp(d, argv, specs, {
      registry: exposition,
      telemetryPath,
      isReady: refresher.ready,
      log,
      limits: {
        maxConnections: argv['web.max-connections'],
        authorisedSlots: authorisedSlotsFor(argv['web.max-connections']),
        maxRequestsInFlight: argv['web.max-requests'],
      },
      onError: (err) => log.error('serving a request', { err: err instanceof Error ? err.message : String(err) }),
    }, log);
    server = started.server;
    for (const address of server.addresses) log.info(`listening on ${address}${started.tls ? ' (TLS)' : ''}`, { address, tls: started.tls });
    log.info('serving metrics', { telemetry_path: telemetryPath, refresh: schedule.text, max_connections: argv['web.max-connections'], max_requests: argv['web.max-requests'] });
  } else {
    log.info(`writing ${textfileDir}/clockdoctor.prom`, { textfile: textfileDir, refresh: schedule.text });
  }

  measurer?.start();
  const scheduler = startSchedule(schedule, refresher.refresh, (m) => log.warn('scheduler', { err: m }));

  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info(`${signal}: shutting down`, { signal });
      scheduler.stop();
      refresher.cancel();
      measurer?.stop();
      process.off('SIGHUP', onHup);
      // Never wait for a bcrypt compare: the worker is terminated, its callers get 401.
      const closed = Promise.all([server ? server.close() : Promise.resolve(), closeSharedVerifier()]);
      void closed.then(() => resolve(EXIT.ok));
    };
    const onHup = (): void => {
      log.info('SIGHUP: refreshing now', { signal: 'SIGHUP' });
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
