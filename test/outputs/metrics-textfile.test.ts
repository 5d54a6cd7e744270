/**
 * `--textfile DIR`: the file appears atomically (no temporary left behind, never a partial file under
 * the .prom name) and holds no timestamps and no process_* series (node_exporter has its own).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEXTFILE_NAME, writeTextfile } from '../../agent/outputs/textfile.js';
import { createMetricsRegistry } from '../../agent/outputs/metrics.js';
import { emptyView } from '../../agent/outputs/metrics-view.js';

describe('writeTextfile', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-textfile-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('replaces DIR/clockdoctor.prom and leaves nothing else', async () => {
    const reg = createMetricsRegistry(() => emptyView(60), { processMetrics: false });
    const text = await reg.metrics();
    await writeTextfile(dir, 'old\n');
    const file = await writeTextfile(dir, text);
    expect(file).toBe(path.join(dir, TEXTFILE_NAME));
    expect(fs.readdirSync(dir)).toEqual([TEXTFILE_NAME]);
    const got = fs.readFileSync(file, 'utf8');
    expect(got).toBe(text);
    expect(got).not.toMatch(/^process_/m);
    // A sample line is `name{labels} value` — a third field would be a timestamp.
    for (const line of got.split('\n').filter((l) => l !== '' && !l.startsWith('#'))) {
      expect(line.replace(/\{.*\}/, '').trim().split(/\s+/), line).toHaveLength(2);
    }
  });

  it('a reader racing the writer sees the old or the new file, never a mix', async () => {
    const a = `${'a'.repeat(200_000)}\n`;
    const b = `${'b'.repeat(200_000)}\n`;
    await writeTextfile(dir, a);
    const target = path.join(dir, TEXTFILE_NAME);
    const seen = new Set<string>();
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 30; i++) await writeTextfile(dir, i % 2 ? a : b);
      writing = false;
    })();
    while (writing) {
      const t = fs.readFileSync(target, 'utf8');
      seen.add(t === a ? 'a' : t === b ? 'b' : 'torn');
      await new Promise((r) => setImmediate(r));
    }
    await writer;
    expect(seen.has('torn')).toBe(false);
  });

  it('fails loudly when the directory is gone, and leaves no temporary', async () => {
    const gone = path.join(dir, 'missing');
    await expect(writeTextfile(gone, 'x\n')).rejects.toThrow();
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
