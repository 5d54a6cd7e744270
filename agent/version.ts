import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Find our package.json by walking up (works from agent/ in tests and from dist/agent/ when installed). */
function findPackage(): { dir: string; version: string } | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'clockdoctor' && pkg.version) return { dir, version: pkg.version };
    }
    dir = path.dirname(dir);
  }
  return null;
}

const PACKAGE = findPackage();

/** The package version. */
export const VERSION: string = PACKAGE?.version ?? '0.0.0-unknown';

/** The directory of our package.json (the repo, or the installed package), or null if it was not found. */
export const PACKAGE_ROOT: string | null = PACKAGE?.dir ?? null;
