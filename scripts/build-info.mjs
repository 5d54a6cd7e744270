#!/usr/bin/env node
// Write dist/build-info.json: the git revision and branch this build was made from, for
// clockdoctor_build_info{revision,branch} (as Prometheus exporters stamp theirs at build time with
// promu). Outside a git checkout — a build from an unpacked tarball — both are "unknown".
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

function git(...args) {
  try {
    const out = execFileSync('git', args, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' }).trim();
    // Only what a label can carry plainly: a revision is hex, a branch name a ref (promu uses the same commands).
    return /^[\x21-\x7e]{1,200}$/.test(out) ? out : 'unknown';
  } catch {
    return 'unknown';
  }
}

const info = { revision: git('rev-parse', 'HEAD'), branch: git('rev-parse', '--abbrev-ref', 'HEAD') };
fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
fs.writeFileSync(path.join(root, 'dist', 'build-info.json'), `${JSON.stringify(info)}\n`);
