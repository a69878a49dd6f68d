// The free addresses of one pool segment, as maximal runs of offsets in a balanced tree.
// First-fit (the lowest free address, MetalLB's order) is the tree's minimum; claiming
// and freeing one address split or merge at most two runs. No bitmap, so a /64 costs
// one node.
//
// avoidBuggyIPs: addresses ending in .0/.255 are never claimed, so they stay inside free
// runs. A run made only of such addresses (at most two: x.255 and x+1.0) is "parked"
// outside the tree, so the tree's minimum always has a usable address within its first
// three, and finding one never scans.
import type { AddressFamily } from '@ironlb/core';
import { offNext, offPrev, toOff, type Off } from './offset.js';
import { RunTree } from './run-tree.js';

export class FreeRuns {
  readonly #tree = new RunTree();
  readonly #parked = new Map<Off, Off>();
  readonly #avoid: boolean;
  /** Last octet of the segment's first address, to test offsets for .0/.255 cheaply. */
  readonly #firstLow: number;
  /** Offset of the segment's last address. */
  readonly lastOff: Off;

  constructor(
    readonly family: AddressFamily,
    readonly first: bigint,
    readonly last: bigint,
    avoidBuggyIPs: boolean,
  ) {
    this.#avoid = avoidBuggyIPs && family === 4;
    this.#firstLow = Number(first & 0xffn);
    this.lastOff = toOff(last - first);
    this.#add(0, this.lastOff);
  }

  /** False for .0/.255 when avoiding them (IPv4 offsets are always numbers). */
  isUsable(o: Off): boolean {
    if (!this.#avoid) return true;
    const low = (this.#firstLow + (o as number)) % 256;
    return low !== 0 && low !== 255;
  }

  /** First usable offset in [start, end]; checks at most three (see header). */
  #firstUsable(start: Off, end: Off): Off | undefined {
    if (!this.#avoid) return start <= end ? start : undefined;
    for (let x = start as number; x <= (end as number) && x < (start as number) + 3; x++) if (this.isUsable(x)) return x;
    return undefined;
  }

  #add(start: Off, end: Off): void {
    if (this.#firstUsable(start, end) === undefined) this.#parked.set(start, end);
    else this.#tree.insert(start, end);
  }

  /** The lowest free usable offset, or undefined when the segment is full. */
  lowest(): Off | undefined {
    const m = this.#tree.min();
    return m === undefined ? undefined : this.#firstUsable(m.start, m.end);
  }

  isFree(o: Off): boolean {
    if (!this.isUsable(o)) return false;
    const n = this.#tree.floor(o);
    return n !== undefined && n.end >= o;
  }

  /** Claims offset o; false when it is outside, unusable or already taken. */
  take(o: Off): boolean {
    if (o < 0 || o > this.lastOff || !this.isUsable(o)) return false;
    const n = this.#tree.floor(o);
    if (n === undefined || n.end < o) return false;
    const { start, end } = n;
    if (start === end) {
      this.#tree.remove(start);
      return true;
    }
    if (o === start) {
      // Moving the key up inside its own run keeps the tree ordered: no rebalancing.
      const next = offNext(o);
      if (this.#firstUsable(next, end) !== undefined) n.start = next;
      else {
        this.#tree.remove(start);
        this.#parked.set(next, end);
      }
      return true;
    }
    const before = offPrev(o);
    if (this.#firstUsable(start, before) !== undefined) n.end = before;
    else {
      this.#tree.remove(start);
      this.#parked.set(start, before);
    }
    if (o !== end) this.#add(offNext(o), end);
    return true;
  }

  /** Frees offset o (previously taken), merging with neighbouring runs. False if o was free. */
  give(o: Off): boolean {
    if (o < 0 || o > this.lastOff || !this.isUsable(o) || this.isFree(o)) return false;
    let start = o;
    let end = o;
    const before = offPrev(o);
    const left = this.#tree.floor(o);
    const leftInTree = left !== undefined && left.end === before;
    if (!leftInTree && this.#parked.size > 0) {
      // A parked run ending at o-1 starts at o-1 or o-2 (parked runs are 1-2 long).
      for (const s of [before, offPrev(before)]) {
        if (this.#parked.get(s) === before) {
          start = s;
          this.#parked.delete(s);
          break;
        }
      }
    }
    const after = offNext(o);
    const right = this.#tree.get(after);
    if (right !== undefined) {
      end = right.end;
    } else if (this.#parked.size > 0) {
      const parkedEnd = this.#parked.get(after);
      if (parkedEnd !== undefined) {
        end = parkedEnd;
        this.#parked.delete(after);
      }
    }
    if (leftInTree && right !== undefined) {
      left.end = end;
      this.#tree.remove(right.start);
    } else if (leftInTree) {
      left.end = end;
    } else if (right !== undefined) {
      // Lowering the key to `start` keeps order: [start, o] was not in any run.
      right.start = start;
    } else {
      this.#tree.insert(start, end);
    }
    return true;
  }

  /** Runs in the tree plus parked ones, sorted (tests). */
  runs(): [Off, Off][] {
    return [...this.#tree.toArray(), ...this.#parked.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  /** Number of runs (tree + parked): grows with fragmentation, never with pool size. */
  get runCount(): number {
    return this.#tree.size + this.#parked.size;
  }

  treeHeight(): number {
    return this.#tree.height();
  }
}
