/**
 * Helpers for tests that start real processes (the built agent, Prometheus, node_exporter) on
 * loopback: bounded waits, and every process stopped by its own pid.
 */
import fs from 'node:fs';
import { execa, type ResultPromise } from 'execa';
import { freePort } from '../../bench/util.js';
import { CLI } from '../helpers/cli.js';

export { CLI, ROOT } from '../helpers/cli.js';
export { freePort };

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined> | T | null | undefined, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== null && v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export interface Started {
  proc: ResultPromise;
  pid: number;
  output: () => string;
  stop: () => Promise<number | undefined>;
}

/** Start a command, collecting its output; stop() sends SIGTERM (then SIGKILL after 10 s) to this pid only. */
export function start(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Started {
  const proc = execa(file, args, { reject: false, all: true, env, buffer: false, stdin: 'ignore' });
  let out = '';
  proc.all?.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.length > 1_000_000) out = out.slice(-500_000);
  });
  const pid = proc.pid ?? -1;
  return {
    proc,
    pid,
    output: () => out,
    stop: async () => {
      if (proc.exitCode !== null && proc.exitCode !== undefined) return proc.exitCode;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      const r = await proc;
      clearTimeout(t);
      return r.exitCode;
    },
  };
}

export interface StartedAgent extends Started {
  port: number;
  url: string;
}

/** Start the built agent on a loopback port the kernel chooses; resolves once it listens. */
export async function startAgent(args: string[], env: NodeJS.ProcessEnv = {}): Promise<StartedAgent> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.build.json)`);
  const s = start(process.execPath, [CLI, 'agent', '--web.listen-address=127.0.0.1:0', ...args], env);
  const port = await waitFor('the agent to listen', () => {
    const m = /listening on 127\.0\.0\.1:(\d+)/.exec(s.output());
    if (m) return Number(m[1]);
    if (s.proc.exitCode !== null && s.proc.exitCode !== undefined) throw new Error(`agent exited ${s.proc.exitCode}: ${s.output()}`);
    return null;
  }, 30_000);
  return { ...s, port, url: `http://127.0.0.1:${port}` };
}

/** GET a URL; body as text. */
export async function get(url: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
  const r = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  return { status: r.status, text: await r.text() };
}

/** Series lines of one metric name from exposition text. */
export function seriesOf(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)).sort();
}

export function runPromtool(args: string[], input?: string): Promise<{ exitCode: number | undefined; all: string }> {
  return execa('promtool', args, { reject: false, all: true, ...(input !== undefined ? { input } : {}) }).then((r) => ({ exitCode: r.exitCode, all: String(r.all ?? '') }));
}
