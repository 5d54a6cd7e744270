/**
 * Functional soak (the long one, with its RSS and fd targets, is `npm run soak`): the real agent on a
 * temp capture dir that changes under it every refresh — files vanish and come back, a file turns into
 * a directory, the kernel log rotates, is truncated, grows, becomes megabytes of junk. Every scrape
 * succeeds, the collectors' success gauges follow the damage, snapshots advance, and no fd is left
 * open once the agent is idle.
 *
 * Nothing here is timed or weighed: each refresh and scrape is waited for (long limits that only a
 * hung agent reaches), and memory is a bench number (docs/robustness.md §3), not a test.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, procStats, sleep, startAgent, tempCapture, unitMallocEnv, type AgentProcess } from '../../bench/load.js';
import { MUTATIONS, formatSoak, prepareSoakDir, soakScenario, type SoakReport } from '../../bench/soak.js';

let dir: string;
let agent: AgentProcess;
let report: SoakReport;
let fdsBefore: number;

/** Open fds of the agent once it has none in use for a request or a refresh (waits for that). */
async function idleFds(atMost: number): Promise<number> {
  let fds = procStats(agent.pid).fds;
  for (let i = 0; i < 300 && fds > atMost; i++) {
    await sleep(100);
    fds = procStats(agent.pid).fds;
  }
  return fds;
}

beforeAll(async () => {
  if (!fs.existsSync(CLI())) throw new Error(`${CLI()} missing: run npm run build first`);
  dir = tempCapture('cd-soak-');
  prepareSoakDir(dir);
  // As deployed: with the unit's malloc settings.
  agent = await startAgent({ from: dir, args: ['--refresh', '1s'], env: unitMallocEnv(), readyTimeoutMs: 60_000 });
  const opts = { seconds: 0, refreshMs: 1000, scrapesPerCycle: 3, hup: true, refreshTimeoutMs: 60_000, scrapeTimeoutMs: 60_000 };
  // A warm-up pass over every mutation (whatever is opened once, on first use, is open after it) ...
  await soakScenario(agent, dir, { ...opts, minCycles: MUTATIONS.length });
  // ... then the lowest idle count over a few looks (the 1 s schedule may be reading a file at one) ...
  fdsBefore = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 10; i++) {
    fdsBefore = Math.min(fdsBefore, procStats(agent.pid).fds);
    await sleep(100);
  }
  // ... and two passes: SIGHUP refreshes right after each change, the 1 s schedule beside it.
  report = await soakScenario(agent, dir, { ...opts, minCycles: MUTATIONS.length * 2 });
  process.stdout.write(`[soak]\n${formatSoak(report)}\n`);
}, 600_000);

afterAll(async () => {
  await agent?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('agent soak with failing and recovering collectors', () => {
  it('every refresh and scrape succeeds while the evidence changes under it', () => {
    expect(report.cycles).toBe(MUTATIONS.length * 2);
    expect(report.scrapes).toBe(MUTATIONS.length * 2 * 3);
    expect(report.failedScrapes).toBe(0);
    expect(agent.child.exitCode).toBeNull();
  });

  it('collector success follows the damage (failures and recoveries are seen) and snapshots advance', () => {
    expect(report.successPatterns).toBeGreaterThan(1);
    expect(report.snapshotsAdvanced).toBe(true);
  });

  it('no fd is left open: once idle, the agent holds what it held before the soak', async () => {
    // A leak would hold one fd per cycle (26 here, after the warm-up pass) forever; an fd in use comes back when the work ends.
    const fds = await idleFds(fdsBefore);
    expect(fds, `fds before ${fdsBefore}, now ${fds}`).toBeLessThanOrEqual(fdsBefore);
  }, 60_000);
});
