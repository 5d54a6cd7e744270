/**
 * Against Debian's prometheus-node-exporter on this machine: our clocksource series equal its
 * node_time_clocksource_* series (same labels, so dashboards can join them), and `--textfile DIR`
 * output is accepted by its textfile collector without a scrape error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, freePort, get, seriesOf, start, startAgent, waitFor, type Started, type StartedAgent } from '../daemon/processes.js';

const NODE_EXPORTER = 'prometheus-node-exporter';

async function startNodeExporter(args: string[]): Promise<{ ne: Started; url: string }> {
  const port = await freePort();
  const ne = start(NODE_EXPORTER, ['--collector.disable-defaults', `--web.listen-address=127.0.0.1:${port}`, ...args]);
  const url = `http://127.0.0.1:${port}/metrics`;
  await waitFor('node_exporter to answer', async () => ((await get(url)).status === 200 ? true : null), 30_000);
  return { ne, url };
}

describe('clocksource series equal node_exporter\'s on this machine', () => {
  let agent: StartedAgent;
  let ne: Started;
  let neUrl: string;
  beforeAll(async () => {
    agent = await startAgent(['--refresh', '1h']);
    ({ ne, url: neUrl } = await startNodeExporter(['--collector.time']));
  });
  afterAll(async () => {
    await ne?.stop();
    await agent?.stop();
  });

  it('current and available', async () => {
    const ours = await waitFor('our first snapshot', async () => {
      const t = (await get(`${agent.url}/metrics`)).text;
      return seriesOf(t, 'clockdoctor_clocksource_current_info').length > 0 ? t : null;
    });
    const theirs = (await get(neUrl)).text;
    for (const kind of ['current', 'available']) {
      const a = seriesOf(ours, `clockdoctor_clocksource_${kind}_info`).map((l) => l.replace(/^clockdoctor_clocksource_/, ''));
      const b = seriesOf(theirs, `node_time_clocksource_${kind}_info`).map((l) => l.replace(/^node_time_clocksource_/, ''));
      expect(b.length, `node_exporter has node_time_clocksource_${kind}_info`).toBeGreaterThan(0);
      expect(a).toEqual(b);
    }
  });
});

describe('--textfile feeds node_exporter\'s textfile collector', () => {
  let dir: string;
  let writer: Started;
  let ne: Started;
  let neUrl: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-textfile-'));
    writer = start(process.execPath, [CLI, 'agent', '--textfile', dir, '--refresh', '2s']);
    ({ ne, url: neUrl } = await startNodeExporter(['--collector.textfile', `--collector.textfile.directory=${dir}`]));
  });
  afterAll(async () => {
    await ne?.stop();
    await writer?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('node_exporter serves our series and reports no textfile error', async () => {
    const text = await waitFor('clockdoctor series via node_exporter', async () => {
      const t = (await get(neUrl)).text;
      return seriesOf(t, 'clockdoctor_build_info').length > 0 && seriesOf(t, 'clockdoctor_collector_success').length > 0 ? t : null;
    }, 30_000);
    expect(seriesOf(text, 'node_textfile_scrape_error')).toEqual(['node_textfile_scrape_error 0']);
    expect(seriesOf(text, 'clockdoctor_clocksource_current_info')).toHaveLength(1);
    expect(fs.readdirSync(dir)).toEqual(['clockdoctor.prom']);
    // No HTTP in this mode, and it stops cleanly.
    expect(writer.output()).toContain('writing');
    expect(await writer.stop()).toBe(0);
  });
});
