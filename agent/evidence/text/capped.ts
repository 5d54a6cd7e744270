/**
 * An event list with a bound: the first half and the last half of what was pushed, so a long log
 * keeps both how it began and where it ended (the latest state is often what a rule needs). The
 * last half is a ring, so a push costs the same however long the log. Pure.
 */
export class CappedList<T> {
  private readonly head: T[] = [];
  private readonly ring: T[] = [];
  private next = 0;
  private dropped = 0;
  private readonly headMax: number;
  private readonly ringMax: number;

  constructor(max = 1000) {
    this.ringMax = Math.floor(max / 2);
    this.headMax = max - this.ringMax;
  }

  push(item: T): void {
    if (this.head.length < this.headMax) {
      this.head.push(item);
    } else if (this.ring.length < this.ringMax) {
      this.ring.push(item);
    } else if (this.ringMax > 0) {
      this.ring[this.next] = item;
      this.next = (this.next + 1) % this.ringMax;
      this.dropped++;
    } else {
      this.dropped++;
    }
  }

  /** How many items were left out of the middle. */
  get droppedCount(): number {
    return this.dropped;
  }

  /** The kept items in the order they were pushed. */
  toArray(): T[] {
    return [...this.head, ...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }
}
