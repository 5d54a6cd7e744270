/**
 * Short soak (CI version of `npm run soak`): the real agent on a temp capture dir that changes under
 * it every refresh — files vanish and come back, a file turns into a directory, the kernel log
 * rotates, is truncated, grows, becomes megabytes of junk. Every scrape succeeds, the collectors'
 * success gauges follow the damage, snapshots advance, and open fds do not grow.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startAgent, tempCapture, unitMallocEnv, type AgentProcess } from '../../bench/load.js';
import { MUTATIONS, formatSoak, prepareSoakDir, soakScenario, type SoakReport } from '../../bench/soak.js';

let dir: string;
let agent: AgentProcess;
let report: SoakReport;

beforeAll(async () => {
  if (!fs.existsSync(CLI())) throw new Error(`${CLI()} missing: run npm run build first`);
  dir = tempCapture('cd-soak-');
  prepareSoakDir(dir);
  // Memory as deployed: with the unit's malloc settings (glibc arenas otherwise grow in steps).
  agent = await startAgent({ from: dir, args: ['--refresh', '1s'], env: unitMallocEnv() });
  // Four passes over every mutation (the first is the warm-up); SIGHUP refreshes right after each
  // change, and the 1 s schedule runs beside it.
  report = await soakScenario(agent, dir, { seconds: 0, refreshMs: 1000, scrapesPerCycle: 3, hup: true, minCycles: MUTATIONS.length * 4 });
  process.stdout.write(`[soak]\n${formatSoak(report)}\n`);
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('agent soak with failing and recovering collectors', () => {
  it('every scrape succeeds while the evidence changes under it', () => {
    expect(report.cycles).toBeGreaterThanOrEqual(MUTATIONS.length * 4);
    expect(report.failedScrapes).toBe(0);
    expect(agent.child.exitCode).toBeNull();
  });

  it('collector success follows the damage (failures and recoveries are seen) and snapshots advance', () => {
    expect(report.successPatterns).toBeGreaterThan(1);
    expect(report.snapshotsAdvanced).toBe(true);
  });

  it('no growth in open fds; RSS bounded', () => {
    expect(report.fds.end, JSON.stringify(report.fds)).toBeLessThanOrEqual(report.fds.start);
    expect(report.rssKb.end - report.rssKb.start, JSON.stringify(report.rssKb)).toBeLessThan(20 * 1024);
  });
});
