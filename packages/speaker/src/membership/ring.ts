// The heartbeat ring: every speaker (self included) ordered by sha256(node name). Each
// speaker sends heartbeats to its K live successors, so the nodes watching X — the ones
// that can notice X going silent — are X's K live successors, and each speaker watches its
// K live predecessors. Hashing spreads neighbours across racks and keeps every speaker's
// ring the same given the same peer set, whatever order the Leases arrived in.
import { createHash } from 'node:crypto';

export function ringHash(node: string): string {
  return createHash('sha256').update(node).digest('hex');
}

export class Ring {
  #order: string[] = [];
  #index = new Map<string, number>();
  #hashes = new Map<string, string>();

  /** Replaces the node set (sorted once here; liveness is applied while walking). */
  setNodes(nodes: Iterable<string>): void {
    const hashes = new Map<string, string>();
    for (const n of nodes) hashes.set(n, this.#hashes.get(n) ?? ringHash(n));
    this.#hashes = hashes;
    this.#order = [...hashes.keys()].sort((a, b) => compare(hashes.get(a)!, hashes.get(b)!) || compare(a, b));
    this.#index = new Map(this.#order.map((n, i) => [n, i]));
  }

  get size(): number {
    return this.#order.length;
  }

  /** Up to `k` live nodes after `node` in ring order (never `node` itself): who hears `node`'s heartbeats. */
  successors(node: string, isLive: (n: string) => boolean, k: number): string[] {
    return this.#walk(node, isLive, k, 1);
  }

  /** Up to `k` live nodes before `node` in ring order: whom `node` watches. */
  predecessors(node: string, isLive: (n: string) => boolean, k: number): string[] {
    return this.#walk(node, isLive, k, -1);
  }

  #walk(node: string, isLive: (n: string) => boolean, k: number, step: 1 | -1): string[] {
    const start = this.#index.get(node);
    const n = this.#order.length;
    if (start === undefined) return [];
    const out: string[] = [];
    for (let i = 1; i < n && out.length < k; i++) {
      const other = this.#order[(((start + step * i) % n) + n) % n]!;
      if (isLive(other)) out.push(other);
    }
    return out;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
