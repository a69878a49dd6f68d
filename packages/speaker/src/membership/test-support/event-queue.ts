// A binary min-heap of timed events for the membership simulator: O(log n) push and pop,
// ties broken by insertion order so a run is reproducible from its seed.

export interface Timed {
  readonly at: number;
}

interface Slot<T> {
  readonly at: number;
  readonly seq: number;
  readonly item: T;
}

export class EventQueue<T extends Timed> {
  #heap: Slot<T>[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  push(item: T): void {
    const h = this.#heap;
    h.push({ at: item.at, seq: this.#seq++, item });
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  peekAt(): number | undefined {
    return this.#heap[0]?.at;
  }

  pop(): T | undefined {
    const h = this.#heap;
    const top = h[0];
    if (!top) return undefined;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top.item;
  }
}

function before<T>(a: Slot<T>, b: Slot<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
