/**
 * When the agent refreshes its snapshot (`--refresh`): a duration (`30s`, `5m`, `1h`) or a cron
 * expression (`*\/5 * * * *`, node-cron's 5- or 6-field syntax).
 *
 * Why not node-cron for everything: the idle bar says an agent on a tickless guest must not wake
 * itself up. A duration becomes one timer armed for the next run and nothing else; a cron expression
 * goes to node-cron, whose 4.x scheduler (4.6 here; measured) arms one timeout to the next match
 * instead of polling every second as early 4.x releases did. Either way at most one refresh runs at a
 * time: the runner is handed a function that coalesces overlapping calls.
 */
import cron from 'node-cron';
import { UsageError } from '../errors.js';
import { parseDuration } from '../util/units.js';

export type RefreshSchedule =
  | { kind: 'every'; ms: number; text: string }
  | { kind: 'cron'; expression: string; text: string };

/** setTimeout's ceiling (about 24.8 days). */
const MAX_MS = 2 ** 31 - 1;

/**
 * Parse `--refresh`: a duration in the grammar every duration flag shares (agent/util/units.ts:
 * `500ms`, `30s`, `5m`, `1h`, `1h30m`, bare seconds), at least 1 s; or a cron expression.
 */
export function parseRefresh(text: string): RefreshSchedule {
  const t = text.trim();
  const d = parseDuration(t);
  if (d.ok) return every(d.value.milliseconds, text);
  // A cron expression has five or six fields (and no field of one is a duration).
  if (t.split(/\s+/).length >= 5) {
    if (!cron.validate(t)) throw new UsageError(`--refresh: ${JSON.stringify(text)} is not a valid cron expression`);
    return { kind: 'cron', expression: t, text };
  }
  throw new UsageError(`--refresh: ${JSON.stringify(text)} is neither a duration nor a cron expression ("*/5 * * * *"): ${d.error}`);
}

function every(ms: number, text: string): RefreshSchedule {
  if (!Number.isFinite(ms) || ms < 1000) throw new UsageError(`--refresh: ${JSON.stringify(text)} is shorter than 1s`);
  if (ms > MAX_MS) throw new UsageError(`--refresh: ${JSON.stringify(text)} is longer than 24 days`);
  return { kind: 'every', ms: Math.round(ms), text };
}

/** Seconds between two runs: the duration, or the gap between the cron expression's next two matches. */
export function nominalIntervalSeconds(s: RefreshSchedule): number | null {
  if (s.kind === 'every') return s.ms / 1000;
  const task = cron.createTask(s.expression, () => undefined);
  try {
    const runs = task.getNextRuns(2);
    const [a, b] = runs;
    return a && b ? (b.getTime() - a.getTime()) / 1000 : null;
  } finally {
    void task.destroy();
  }
}

export interface Scheduler {
  /** Run now (the first refresh, SIGHUP); coalesces with one already in flight. */
  trigger(): Promise<void>;
  stop(): void;
}

/**
 * Start running `run` on the schedule, the first time immediately. `run` must not reject (the agent's
 * refresher catches everything); overlapping triggers share the run in flight.
 */
export function startSchedule(s: RefreshSchedule, run: () => Promise<void>, log: (msg: string) => void = () => undefined): Scheduler {
  let inFlight: Promise<void> | null = null;
  const once = (): Promise<void> => {
    if (inFlight) return inFlight;
    inFlight = run().finally(() => {
      inFlight = null;
    });
    return inFlight;
  };

  if (s.kind === 'every') {
    let stopped = false;
    let timer: NodeJS.Timeout | null = null;
    // Fixed rate from each start; a run longer than the interval delays the next instead of stacking.
    const loop = async (): Promise<void> => {
      if (stopped) return;
      const started = Date.now();
      await once();
      if (stopped) return;
      timer = setTimeout(() => void loop(), Math.max(0, started + s.ms - Date.now()));
    };
    void loop();
    return {
      trigger: once,
      stop: () => {
        stopped = true;
        if (timer) clearTimeout(timer);
      },
    };
  }

  const task = cron.schedule(s.expression, () => once(), {
    name: 'clockdoctor-refresh',
    noOverlap: true,
    logger: { info: () => undefined, debug: () => undefined, warn: (m) => log(`node-cron: ${m}`), error: (m) => log(`node-cron: ${String(m)}`) },
  });
  void once();
  return {
    trigger: once,
    stop: () => {
      void task.destroy();
    },
  };
}
