/**
 * The real agent process under load (short CI version of `npm run bench -- load`): hundreds of
 * concurrent scrapes with zero failures, slow readers, slowloris headers and mid-response
 * disconnects beside them, malformed and oversized requests answered 4xx, memory bounded, still
 * healthy at the end. Needs dist/ (npm test builds first).
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, formatLoad, loadScenario, startAgent, tempCapture, type AgentProcess, type LoadReport } from '../../bench/load.js';

let dir: string;
let agent: AgentProcess;
let report: LoadReport;

beforeAll(async () => {
  if (!fs.existsSync(CLI())) throw new Error(`${CLI()} missing: run npm run build first`);
  dir = tempCapture();
  agent = await startAgent({ from: dir, args: ['--refresh', '1m'] });
  report = await loadScenario(agent, { scrapes: 600, concurrency: 200, slow: 60, loris: 40, disconnects: 150, lorisWaitMs: 2000, flood: 400 });
  process.stdout.write(`[load]\n${formatLoad(report)}\n`);
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('agent under load', () => {
  it('serves hundreds of concurrent scrapes with zero failures', () => {
    expect(report.scrapes.failed, report.scrapes.errors.join('; ')).toBe(0);
    expect(report.scrapes.ok).toBe(600);
  });

  it('keeps serving beside slow readers, slowloris and clients that hang up mid-response', () => {
    expect(report.underSlowClients.failed, report.underSlowClients.errors.join('; ')).toBe(0);
    expect(report.healthyAtEnd).toBe(true);
    expect(agent.child.exitCode).toBeNull();
  });

  it('a flood past the connection limit is refused at the door and the agent serves again at once', () => {
    expect(report.flood.served).toBeGreaterThan(0);
    expect(report.flood.after.failed, report.flood.after.errors.join('; ')).toBe(0);
  });

  it('answers every malformed or oversized request with a 4xx (or closes), never a 5xx or a leak', () => {
    const bad = report.hostile.filter((h) => !h.ok);
    expect(bad, JSON.stringify(bad)).toEqual([]);
  });

  it('memory stays bounded and connections are released', () => {
    // 600+ scrapes and 250 hostile connections must not leave the agent much bigger than it started.
    expect(report.rssKb.end - report.rssKb.start, JSON.stringify(report.rssKb)).toBeLessThan(40 * 1024);
    expect(report.fds.end, JSON.stringify(report.fds)).toBeLessThanOrEqual(report.fds.start + 2);
  });
});
