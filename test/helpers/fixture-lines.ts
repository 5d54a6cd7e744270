/**
 * Every line of every text file under the given folders of the repository (files under 4 MB without
 * a NUL byte; `\r` removed): a wide sample of real lines of every kind, for tests of byte screens
 * against the patterns they stand in for.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './cli.js';

export function fixtureLines(...dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (fs.statSync(p).size < 4 * 1024 * 1024) {
        const buf = fs.readFileSync(p);
        if (!buf.includes(0)) for (const l of buf.toString('utf8').split('\n')) out.push(l.replace(/\r$/, ''));
      }
    }
  };
  for (const d of dirs) walk(path.join(ROOT, d));
  return out;
}
