/**
 * bcrypt verification off the event loop. bcryptjs is plain JavaScript; under the systemd unit's
 * `--jitless` one compare at cost 10 takes about 2 s (measured: cost 4 88 ms, 8 634 ms, 10 1.9 s on
 * this 2-core guest; with the JIT 2, 27, 73 ms), so on the main thread ten wrong-password clients
 * pushed authorised scrapes to seconds (issue 15). Here every compare runs in one worker thread, so
 * the event loop keeps serving scrapes whose credentials are already verified (the cache in
 * basic-auth.ts) while the worker grinds.
 *
 * The queue in front of the worker is bounded and fair between client addresses: each address has at
 * most one verification waiting (plus the one running), and at most `maxQueued` wait in all. A request
 * that finds its address's place taken, or the queue full, is answered "busy" at once — the caller
 * says 401, as for a wrong password, and Prometheus tries again at its next scrape; the alternative,
 * waiting, is unbounded memory and unbounded latency. A scraper on its own address therefore waits for
 * at most one verification per other address in the queue, however fast an attacker elsewhere sends.
 *
 * One worker, not a pool: bcrypt is all CPU, and on a 2-core guest a second worker would take the core
 * the scrapes need. `close()` terminates the worker at once — shutdown never waits for a hash (a cost
 * 14 compare takes ~30 s under --jitless).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** The worker's code: CommonJS (an eval worker), loading bcryptjs from the path the main thread resolved. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptPath);
parentPort.on('message', (job) => {
  let ok = false;
  try { ok = bcrypt.compareSync(job.password, job.hash); } catch { ok = false; }
  parentPort.postMessage({ id: job.id, ok });
});
`;

export type VerifyResult = boolean | 'busy';

interface Job {
  id: number;
  lane: string;
  password: string;
  hash: string;
  resolve: (r: VerifyResult) => void;
}

export interface BcryptVerifierOptions {
  /** Verifications waiting (not running) at most, over all addresses. */
  maxQueued?: number;
}

export class BcryptVerifier {
  static readonly DEFAULT_MAX_QUEUED = 16;
  private worker: Worker | null = null;
  private readonly queue: Job[] = [];
  private running: Job | null = null;
  private nextId = 1;
  private closed = false;
  private readonly maxQueued: number;
  /** Compares started (tests, docs' numbers). */
  runs = 0;
  /** Requests answered busy. */
  busy = 0;

  constructor(opts: BcryptVerifierOptions = {}) {
    this.maxQueued = opts.maxQueued ?? BcryptVerifier.DEFAULT_MAX_QUEUED;
  }

  /** Verifications running or waiting. */
  get pending(): number {
    return this.queue.length + (this.running ? 1 : 0);
  }

  /** Compare `password` with `hash` in the worker; `lane` is the client address (fairness). */
  verify(password: string, hash: string, lane: string): Promise<VerifyResult> {
    if (this.closed) return Promise.resolve(false);
    if (this.queue.length >= this.maxQueued || this.queue.some((j) => j.lane === lane)) {
      this.busy++;
      return Promise.resolve('busy');
    }
    return new Promise<VerifyResult>((resolve) => {
      this.queue.push({ id: this.nextId++, lane, password, hash, resolve });
      this.pump();
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const bcryptPath = createRequire(import.meta.url).resolve('bcryptjs');
    // bcrypt needs a few KB of state: a small heap keeps the worker's isolate from growing with garbage.
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcryptPath }, resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 } });
    w.unref();
    w.on('message', (m: { id: number; ok: boolean }) => this.finished(m.id, m.ok === true));
    w.on('error', () => this.lost());
    w.on('exit', () => this.lost());
    this.worker = w;
    return w;
  }

  private pump(): void {
    if (this.running || this.closed) return;
    const job = this.queue.shift();
    if (!job) return;
    this.running = job;
    this.runs++;
    this.ensureWorker().postMessage({ id: job.id, password: job.password, hash: job.hash });
  }

  private finished(id: number, ok: boolean): void {
    const job = this.running;
    if (!job || job.id !== id) return;
    this.running = null;
    job.resolve(ok);
    this.pump();
  }

  /** The worker died (or was terminated): fail what it was doing; a new one starts for the next job. */
  private lost(): void {
    this.worker = null;
    const job = this.running;
    this.running = null;
    job?.resolve(false);
    if (!this.closed) this.pump();
  }

  /** Stop now: terminate the worker (a compare in progress is abandoned) and fail everything pending. */
  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.queue.splice(0)) j.resolve(false);
    const w = this.worker;
    this.worker = null;
    const job = this.running;
    this.running = null;
    job?.resolve(false);
    if (w) await w.terminate();
  }
}

let shared: BcryptVerifier | null = null;

/** The process's verifier (created on first use). */
export function sharedVerifier(): BcryptVerifier {
  shared ??= new BcryptVerifier();
  return shared;
}

/** Shutdown: terminate the shared worker, if one was started. */
export async function closeSharedVerifier(): Promise<void> {
  const v = shared;
  shared = null;
  await v?.close();
}
