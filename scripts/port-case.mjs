#!/usr/bin/env node
// Copy a real case (a folder with case.json and its evidence, as in shared/cases) into test/cases/,
// byte for byte, with a SOURCE.md naming where it came from. Usage: node scripts/port-case.mjs DIR...
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
for (const src of process.argv.slice(2)) {
  const slug = path.basename(path.resolve(src));
  const c = JSON.parse(fs.readFileSync(path.join(src, 'case.json'), 'utf8'));
  const dest = path.join(root, 'test', 'cases', slug);
  fs.mkdirSync(dest, { recursive: true });
  for (const f of ['case.json', ...c.evidence]) fs.copyFileSync(path.join(src, f), path.join(dest, f));
  fs.writeFileSync(path.join(dest, 'SOURCE.md'), `# ${slug}\n\n${c.title}\n\n- Thread: ${c.source} (posted ${c.posted ?? 'undated'})\n- Copied unchanged from the project's shared case collection (shared/cases/${slug}); the evidence files are exactly as posted.\n- The checks in case.json are the scorer's (shared/tools/score-cases.py); test/cases/cases.test.ts runs them.\n`);
  console.log(`test/cases/${slug}`);
}
