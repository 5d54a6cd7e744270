#!/usr/bin/env node
// Make every `bin` of package.json executable after the TypeScript build. tsc writes files 0644, and
// npm only chmods a package's bins when it links them: `npx clockdoctor` in a re-used clone path
// (npx keeps its link to the path in ~/.npm/_npx) then ran a fresh, non-executable dist/agent/cli.js
// and failed with "Permission denied".
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const { bin } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
// Also the entry `bin` named before it was the bundle (dist/bundle/cli.js): npx's cached link and
// systemd drop-ins written then still point at tsc's dist/agent/cli.js, which runs the same CLI.
const PREVIOUS_BIN = 'dist/agent/cli.js';
for (const file of new Set([...(typeof bin === 'string' ? [bin] : Object.values(bin ?? {})), PREVIOUS_BIN])) {
  const p = path.join(root, file);
  fs.chmodSync(p, fs.statSync(p).mode | 0o111);
}
