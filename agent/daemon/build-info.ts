/**
 * What this build is, for `clockdoctor_build_info{version,revision,branch,nodeversion}` and the start-up
 * log line: the package version, the git revision and branch `scripts/build-info.mjs` wrote to
 * `dist/build-info.json` at build time ("unknown" when the build was not made from a git checkout, or
 * the file is missing or not ours), and the Node.js version running it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT, VERSION } from '../version.js';

/** The labels of clockdoctor_build_info. */
export interface BuildInfo {
  version: string;
  revision: string;
  branch: string;
  nodeversion: string;
}

const LABEL_SAFE = /^[\x21-\x7e]{1,200}$/;

function stamped(root: string | null): { revision: string; branch: string } {
  const unknown = { revision: 'unknown', branch: 'unknown' };
  if (root === null) return unknown;
  try {
    const raw = JSON.parse(fs.readFileSync(path.join(root, 'dist', 'build-info.json'), 'utf8')) as Record<string, unknown>;
    const pick = (v: unknown): string => (typeof v === 'string' && LABEL_SAFE.test(v) ? v : 'unknown');
    return { revision: pick(raw.revision), branch: pick(raw.branch) };
  } catch {
    return unknown;
  }
}

let cached: BuildInfo | null = null;

/** Read once per process. */
export function buildInfo(): BuildInfo {
  cached ??= { version: VERSION, ...stamped(PACKAGE_ROOT), nodeversion: process.version };
  return cached;
}
