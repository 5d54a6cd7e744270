/**
 * A simulated NTP server on simulated time (SimClock): the exchange of the four NTP timestamps with
 * a path whose delays the test chooses — quiet loopback, a loaded machine whose replies wait in queues,
 * a queue that fills steadily — and the server's misbehaviours (silence, rejected replies, RATE, DENY,
 * refusal, jumps of its time). The truth is known exactly: served time runs `ratePpm` faster than this
 * clock's monotonic time, so this clock's drift against it is 1/(1 + ratePpm·1e-6) − 1.
 *
 * The measure code under test (Sampler, runMeasurement, BackgroundMeasurer, the command) is the real
 * one; only the network and the passage of time are simulated. The real SNTP client against a real
 * UDP server is tested in sntp-hostile.test.ts and rate-server.test.ts.
 */
import type { LocalClock } from '../../agent/measure/local-clock.js';
import { offsetAndDelay } from '../../agent/measure/ntp-packet.js';
import { ReferenceFailure, type Reference, type ReferenceSample } from '../../agent/measure/reference.js';
import { seededRandom, type SimClock } from './sim-clock.js';

/** What the server does with request number `i` (0-based). */
export type SimBehaviour = 'reply' | 'silent' | 'reject' | 'rate' | 'deny' | 'refused';

/** Extra one-way delays (queueing) of one exchange, ns. */
export interface QueueDelay {
  forwardNs: number;
  backNs: number;
}

export interface SimServerOptions {
  /** How much faster served time runs than this clock's monotonic time, ppm. */
  ratePpm?: number;
  /** Seed of the path's randomness (printed by the tests that use it). */
  seed?: number;
  /** Base one-way delay, ns (default 40 µs: loopback through two event loops). */
  oneWayNs?: number;
  /** Mean of the exponential jitter added to each direction, ns (default 10 µs). */
  jitterNs?: number;
  /** Server processing time between its receive and transmit timestamps, ns (default 5 µs). */
  processingNs?: number;
  /** Extra queueing per exchange: request index, the path's random numbers, seconds since start. */
  queue?: (i: number, random: () => number, tSeconds: number) => QueueDelay;
  behaviour?: (i: number) => SimBehaviour;
  /** From request `after` on, served time is `seconds` ahead (a server whose clock was set wrong). */
  jump?: { after: number; seconds: number };
  /** Per-sample time limit, ms (a silent or rejecting server costs this much per poll). */
  timeoutMs?: number;
  name?: string;
}

/** Gaps between consecutive requests, ms rounded to whole ms. */
export function requestGapsMs(ref: SimReference): number[] {
  return ref.requestTimes.slice(1).map((t, k) => Math.round(Number(t - (ref.requestTimes[k] as bigint)) / 1e6));
}

/** The drift of this clock against a server running `ratePpm` fast, ppm. */
export const truthPpm = (ratePpm: number): number => (1 / (1 + ratePpm * 1e-6) - 1) * 1e6;

export class SimReference implements Reference {
  readonly name: string;
  readonly precision = 'simulated NTP server on simulated time';
  requests = 0;
  /** Simulated monotonic time of each request, ns. */
  readonly requestTimes: bigint[] = [];
  closed = 0;
  private readonly random: () => number;
  private readonly start: bigint;
  private readonly served0: bigint;

  constructor(
    private readonly sim: SimClock,
    private readonly opts: SimServerOptions = {},
  ) {
    this.name = opts.name ?? 'ntp://sim.invalid:123';
    this.random = seededRandom(opts.seed ?? 1);
    this.start = sim.nowNs;
    // The server's clock agrees with this one's wall clock at the start.
    this.served0 = sim.nowNs + sim.wallOffsetNs;
  }

  /** Served time at true monotonic instant `mono`, ns since the Unix epoch. */
  served(mono: bigint, request: number): bigint {
    const el = mono - this.start;
    const extra = (el * BigInt(Math.round((this.opts.ratePpm ?? 0) * 1e6))) / 1_000_000_000_000n;
    const jump = this.opts.jump && request >= this.opts.jump.after ? BigInt(Math.round(this.opts.jump.seconds * 1e9)) : 0n;
    return this.served0 + el + extra + jump;
  }

  private exponential(mean: number): number {
    return -mean * Math.log(1 - this.random());
  }

  async sample(clock: LocalClock, signal?: AbortSignal): Promise<ReferenceSample> {
    const i = this.requests++;
    this.requestTimes.push(this.sim.nowNs);
    const behaviour = this.opts.behaviour?.(i) ?? 'reply';
    const timeoutMs = this.opts.timeoutMs ?? 1000;
    if (behaviour === 'refused') throw new ReferenceFailure(`${this.name} refused the request (nothing listens on that port)`, 'unavailable');
    if (behaviour === 'silent' || behaviour === 'reject') {
      await clock.sleep(timeoutMs, { signal });
      if (signal?.aborted) throw new ReferenceFailure('aborted', 'timeout');
      if (behaviour === 'silent') throw new ReferenceFailure(`no reply from ${this.name} within ${timeoutMs} ms`, 'timeout');
      throw new ReferenceFailure(`no valid reply from ${this.name} within ${timeoutMs} ms; last reply rejected: wrong mode 3 (expected 4, server)`, 'rejected');
    }
    const base = this.opts.oneWayNs ?? 40_000;
    const jitter = this.opts.jitterNs ?? 10_000;
    const q = this.opts.queue?.(i, this.random, Number(this.sim.nowNs - this.start) / 1e9) ?? { forwardNs: 0, backNs: 0 };
    const forward = BigInt(Math.round(base + this.exponential(jitter) + q.forwardNs));
    const back = BigInt(Math.round(base + this.exponential(jitter) + q.backNs));
    const m1 = clock.monoNs();
    const t1 = clock.realtimeNs(m1);
    await this.sim.sleepNs(forward, signal);
    const t2 = this.served(this.sim.nowNs, i);
    const t3 = t2 + BigInt(this.opts.processingNs ?? 5_000);
    await this.sim.sleepNs(BigInt(this.opts.processingNs ?? 5_000) + back, signal);
    if (signal?.aborted) throw new ReferenceFailure('aborted', 'timeout');
    if (behaviour === 'rate') throw new ReferenceFailure(`${this.name}: kiss-o'-death RATE: the server asks us to poll less often`, 'rate-limited');
    if (behaviour === 'deny') throw new ReferenceFailure(`${this.name}: kiss-o'-death DENY: the server refuses to serve us`, 'denied');
    const m4 = clock.monoNs();
    const t4 = t1 + (m4 - m1);
    const { offsetNs, delayNs } = offsetAndDelay(t1, t2, t3, t4);
    return {
      monoNs: (m1 + m4) / 2n,
      offsetSeconds: Number(offsetNs) / 1e9,
      delaySeconds: Math.max(0, Number(delayNs) / 1e9),
      detail: { stratum: 2, version: 4, leap: 0, referenceId: '127.0.0.1', rootDelaySeconds: 0, rootDispersionSeconds: 0 },
    };
  }

  close(): void {
    this.closed++;
  }
}

/**
 * A busy machine as the measurement sees it: most replies are prompt, but a third wait behind other
 * work on the way back (the reply sits in the socket until the event loop gets the CPU), some on the
 * way out, with bursts where the CPU is taken for tens of milliseconds. Asymmetric by design — that
 * is what biases an NTP offset, and what the printed uncertainty must still cover.
 */
export function loadedMachine(i: number, random: () => number): QueueDelay {
  const exp = (mean: number): number => -mean * Math.log(1 - random());
  const burst = random() < 0.05 ? exp(20e6) : 0;
  return {
    forwardNs: (random() < 0.1 ? exp(1e6) : 0) + (random() < 0.5 ? burst : 0),
    backNs: (random() < 0.33 ? exp(2e6) : 0) + burst,
  };
}

/** A queue on the way back that fills steadily: `nsPerSecond` more delay every second of the run. */
export function fillingQueue(nsPerSecond: number): (i: number, random: () => number, t: number) => QueueDelay {
  return (_i, random, t) => ({ forwardNs: 0, backNs: t * nsPerSecond * (0.5 + random()) });
}
