/** The source files the architecture tests walk (one walk for all of them). */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';

/** Every TypeScript source below `dir` (repo-relative paths; declaration files left out); [] when absent. */
export function tsFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(rel) : /\.m?ts$/.test(e.name) && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}
