#!/usr/bin/env node
// Make every `bin` of package.json executable after the TypeScript build. tsc writes files 0644, and
// npm only chmods a package's bins when it links them: `npx clockdoctor` in a re-used clone path
// (npx keeps its link to the path in ~/.npm/_npx) then ran a fresh, non-executable dist/agent/cli.js
// and failed with "Permission denied".
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const { bin } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
for (const file of typeof bin === 'string' ? [bin] : Object.values(bin ?? {})) {
  const p = path.join(root, file);
  fs.chmodSync(p, fs.statSync(p).mode | 0o111);
}
