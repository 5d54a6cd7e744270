/**
 * The real agent process against clients that misbehave — the functional half of the load bench
 * (`npm run bench -- load` keeps the throughput, latency, flood and memory targets, with their numbers
 * in docs/robustness.md §2). Every malformed or oversized request gets a 4xx (or a close), clients
 * that hang up mid-request cost nothing, scrapes beside them all succeed, and once idle the agent holds
 * no more fds than before.
 *
 * No stopwatch and no concurrency past what the agent admits by design: each request is waited for
 * (limits only a hung agent reaches).
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, disconnectors, get, hostileRequests, procStats, rawRequest, scrapes, sleep, startAgent, tempCapture, type AgentProcess } from '../../bench/load.js';

let dir: string;
let agent: AgentProcess;
let fdsBefore: number;

async function idleFdsAtMost(n: number): Promise<number> {
  let fds = procStats(agent.pid).fds;
  for (let i = 0; i < 300 && fds > n; i++) {
    await sleep(100);
    fds = procStats(agent.pid).fds;
  }
  return fds;
}

beforeAll(async () => {
  if (!fs.existsSync(CLI())) throw new Error(`${CLI()} missing: run npm run build first`);
  dir = tempCapture();
  agent = await startAgent({ from: dir, args: ['--refresh', '1h'], readyTimeoutMs: 60_000 });
  // Warm-up: the first snapshot, the first scrapes (anything opened once on first use is open now).
  await scrapes(agent.base, 10, 2, '/metrics', 60_000);
  fdsBefore = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 10; i++) {
    fdsBefore = Math.min(fdsBefore, procStats(agent.pid).fds);
    await sleep(50);
  }
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('agent against hostile clients', () => {
  it.each(hostileRequests().map((h) => [h.name, h] as const))('%s → 4xx or closed, never a 5xx or a leak', async (_name, h) => {
    const r = await rawRequest(agent.port, h.raw, 30_000);
    expect(h.expect(r.status), `status ${r.status}: ${r.text.slice(0, 200)}`).toBe(true);
    if (h.bodyMustNotMatch) expect(r.text).not.toMatch(h.bodyMustNotMatch);
  });

  it('clients that hang up mid-request, with RST or after the first bytes, do not disturb the scrapes beside them', async () => {
    await disconnectors(agent.port, 50);
    const s = await scrapes(agent.base, 100, 10, '/metrics', 60_000);
    expect(s.failed, s.errors.join('; ')).toBe(0);
    expect(s.ok).toBe(100);
    expect((await get(`${agent.base}/-/healthy`, 60_000)).status).toBe(200);
    expect(agent.child.exitCode).toBeNull();
  }, 120_000);

  it('once idle, the agent holds no more fds than before the hostile clients', async () => {
    const fds = await idleFdsAtMost(fdsBefore);
    expect(fds, `fds before ${fdsBefore}, now ${fds}`).toBeLessThanOrEqual(fdsBefore);
  }, 60_000);
});
