// The allocator's mutable bookkeeping for one pool: per family, its segments (the
// pool's ranges in spec order, each with its free runs), the addresses in use and who
// holds them, and an index of shared addresses by sharing key. Everything a single
// allocation touches is reachable in O(log n) or O(config size).
import { countUsable, formatAddress, type AddressFamily, type AddressRange, type PoolView } from '@ironlb/core';
import { FreeRuns } from './free-runs.js';
import { offToBigInt, type Off } from './offset.js';
import type { ShareIdentity } from './service-view.js';

export interface Segment {
  pool: PoolSpace;
  family: AddressFamily;
  /** Position in the pool's spec order; first-fit tries lower orders first. */
  order: number;
  first: bigint;
  last: bigint;
  free: FreeRuns;
  /** Addresses in use, by offset from `first`. */
  used: Map<Off, IpUse>;
}

/** One Service's assignment. Its addresses always come from one pool. */
export interface Holder extends ShareIdentity {
  pool: PoolSpace;
  /** In ingress order (the Service's primary family first). */
  uses: IpUse[];
}

/** One address in use, by one Service or several sharing it. */
export interface IpUse {
  segment: Segment;
  off: Off;
  family: AddressFamily;
  value: bigint;
  text: string;
  holders: Holder[];
}

/** The sharing key of an address in use: every holder has the same one (enforced on claim). */
export function sharingKeyOfUse(use: IpUse): string {
  return use.holders[0]?.sharingKey ?? '';
}

export class FamilySpace {
  readonly segments: Segment[] = [];
  total = 0n;
  /** Addresses in use (a shared address counts once, as MetalLB counts). */
  usedCount = 0;
  /** Addresses in use with a non-empty sharing key, by key: candidates for sharing. */
  readonly sharedByKey = new Map<string, Set<IpUse>>();

  constructor(readonly family: AddressFamily) {}

  /** The lowest free address in spec order: first segment with room, its lowest run. */
  firstFree(): { segment: Segment; off: Off } | undefined {
    for (const segment of this.segments) {
      const off = segment.free.lowest();
      if (off !== undefined) return { segment, off };
    }
    return undefined;
  }

  /** Keeps sharedByKey in step after `use` changed holders or keys (was under previousKey). */
  indexShared(use: IpUse, previousKey: string): void {
    const key = use.holders.length > 0 ? sharingKeyOfUse(use) : '';
    if (key === previousKey) return;
    if (previousKey !== '') {
      const set = this.sharedByKey.get(previousKey);
      set?.delete(use);
      if (set?.size === 0) this.sharedByKey.delete(previousKey);
    }
    if (key !== '') {
      let set = this.sharedByKey.get(key);
      if (set === undefined) this.sharedByKey.set(key, (set = new Set()));
      set.add(use);
    }
  }

  /** Marks offset `off` (free, inside `segment`) as used by `holder`; `text` saves a format when known. */
  claimFree(segment: Segment, off: Off, holder: Holder, text?: string): IpUse {
    segment.free.take(off);
    const value = segment.first + offToBigInt(off);
    const use: IpUse = { segment, off, family: this.family, value, text: text ?? formatAddress(this.family, value), holders: [holder] };
    segment.used.set(off, use);
    this.usedCount++;
    this.indexShared(use, '');
    return use;
  }

  /** Adds `holder` to an address already in use (sharing was checked by the caller). */
  join(use: IpUse, holder: Holder): void {
    const before = sharingKeyOfUse(use);
    use.holders.push(holder);
    this.indexShared(use, before);
  }

  /** Removes `holder` from `use`; frees the address when it was the last holder. */
  leave(use: IpUse, holder: Holder): boolean {
    const before = sharingKeyOfUse(use);
    const i = use.holders.indexOf(holder);
    if (i >= 0) use.holders.splice(i, 1);
    this.indexShared(use, before);
    if (use.holders.length > 0) return false;
    use.segment.used.delete(use.off);
    use.segment.free.give(use.off);
    this.usedCount--;
    return true;
  }
}

/** A stable fingerprint of what decides the address space (not autoAssign or selectors). */
export function spaceSignature(view: PoolView): string {
  const ranges = (rs: readonly AddressRange[]): string => rs.map((r) => `${r.first}-${r.last}`).join(',');
  return `${view.avoidBuggyIPs ? 'avoid' : 'all'}|${ranges(view.ipv4)}|${ranges(view.ipv6)}`;
}

export class PoolSpace {
  view: PoolView;
  readonly signature: string;
  readonly v4 = new FamilySpace(4);
  readonly v6 = new FamilySpace(6);

  constructor(view: PoolView) {
    this.view = view;
    this.signature = spaceSignature(view);
    const add = (space: FamilySpace, ranges: readonly AddressRange[]): void => {
      ranges.forEach((r, order) => {
        const free = new FreeRuns(r.family, r.first, r.last, view.avoidBuggyIPs);
        space.segments.push({ pool: this, family: r.family, order, first: r.first, last: r.last, free, used: new Map() });
        space.total += countUsable(r, view.avoidBuggyIPs);
      });
    };
    add(this.v4, view.ipv4);
    add(this.v6, view.ipv6);
  }

  get name(): string {
    return this.view.name;
  }

  family(f: AddressFamily): FamilySpace {
    return f === 4 ? this.v4 : this.v6;
  }

  hasFamily(f: AddressFamily): boolean {
    return this.family(f).total > 0n;
  }
}

/** Finds the segment holding an address across all pools, by binary search. */
export class AddressIndex {
  readonly #byFamily: Record<AddressFamily, Segment[]> = { 4: [], 6: [] };

  constructor(pools: Iterable<PoolSpace>) {
    for (const p of pools) {
      this.#byFamily[4].push(...p.v4.segments);
      this.#byFamily[6].push(...p.v6.segments);
    }
    for (const f of [4, 6] as const) this.#byFamily[f].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  }

  /** The segment containing the address, whether or not the address is usable. */
  find(family: AddressFamily, value: bigint): Segment | undefined {
    const segs = this.#byFamily[family];
    let lo = 0;
    let hi = segs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const s = segs[mid] as Segment;
      if (value < s.first) hi = mid - 1;
      else if (value > s.last) lo = mid + 1;
      else return s;
    }
    return undefined;
  }
}
