/**
 * The repo root and the built CLI, for tests that read repo files or run the CLI as users do: the
 * bundle that package.json's `bin` names, dist/bundle/cli.js (build first: npm run build, as `npm test`
 * does; scripts/bundle.mjs makes it from the sources, tsc's dist/agent/ is the unbundled build).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'bundle', 'cli.js');

/** What one CLI run left behind; `ms` is the wall time of the whole process. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run `clockdoctor COMMAND ARGS...` (the bundle) and wait for it (env: the whole environment, default ours). */
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
