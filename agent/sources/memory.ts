/**
 * What a long-running caller (the agent) keeps from one collection to the next, so a refresh re-reads
 * only what can have changed: an open /dev/kmsg descriptor and the records read so far, a measurement
 * spread over refreshes, the output of a command run a moment ago, the facts parsed from raw material
 * that did not change. One-shot commands (`check`, `collect`) pass none and read everything afresh.
 *
 * Each collector gets its own slots (`of(name)`); a slot may carry a closer (a descriptor), run once
 * by `close()` when the agent stops.
 */

/** One collector's slots. */
export class SourceMemory {
  private readonly slots = new Map<string, unknown>();

  constructor(private readonly closers: Array<() => void>) {}

  /** The value kept under `key`, made by `make` the first time (and closed by `close` at shutdown). */
  keep<T>(key: string, make: () => T, close?: (value: T) => void): T {
    if (this.slots.has(key)) return this.slots.get(key) as T;
    const value = make();
    this.slots.set(key, value);
    if (close) this.closers.push(() => close(value));
    return value;
  }

  /** Forget `key` (the next `keep` makes it anew); the caller has closed what needed closing. */
  forget(key: string): void {
    this.slots.delete(key);
  }
}

/** Every collector's memory for one agent. */
export class CollectMemory {
  private readonly byCollector = new Map<string, SourceMemory>();
  private readonly closers: Array<() => void> = [];

  /** The memory of collector `name`. */
  of(name: string): SourceMemory {
    let m = this.byCollector.get(name);
    if (m === undefined) {
      m = new SourceMemory(this.closers);
      this.byCollector.set(name, m);
    }
    return m;
  }

  /** Close what the slots hold (descriptors) and forget everything. Never throws. */
  close(): void {
    for (const c of this.closers.splice(0)) {
      try {
        c();
      } catch {
        // already closed
      }
    }
    this.byCollector.clear();
  }
}
