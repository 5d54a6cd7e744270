/**
 * The repo root and the built CLI, for tests that read repo files or run `node dist/agent/cli.js`
 * (build first: npx tsc -p tsconfig.build.json, as `npm test` does).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'agent', 'cli.js');

/** What one CLI run left behind; `ms` is the wall time of the whole process. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run `clockdoctor COMMAND ARGS...` from dist and wait for it (env: the whole environment, default ours). */
export function runCli(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeout?: number; input?: string | Buffer } = {}): CliRun {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, command, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: opts.timeout ?? 60_000,
    ...(opts.env !== undefined ? { env: opts.env } : {}),
    ...(opts.input !== undefined ? { input: opts.input } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t0 };
}
