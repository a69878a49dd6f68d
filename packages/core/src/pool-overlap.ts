// Two pools listing the same addresses is a configuration error, but refusing both would
// take IPs away from Services that hold them. So the older pool (creationTimestamp, then
// name) keeps the common addresses, the newer one loses just that part, and the report
// names both pools and the range so the user can fix it.
import { ErrorCodes } from './errors.js';
import { describeRange, intersectRanges, subtractRanges, type AddressRange } from './address-range.js';
import type { PoolView } from './pool-validate.js';

export interface PoolOverlap {
  /** The pool that keeps the addresses (created first). */
  keptBy: string;
  /** The pool whose part was cut out. */
  removedFrom: string;
  /** The addresses both pools listed. */
  range: AddressRange;
  code: typeof ErrorCodes.PoolOverlap;
  message: string;
}

export interface OverlapResolution {
  /** Same pools, input order; losers' ranges have the overlapping parts cut out. */
  pools: PoolView[];
  overlaps: PoolOverlap[];
}

/** Seniority order: older creationTimestamp first, missing timestamps last, then name. */
export function comparePoolSeniority(a: Pick<PoolView, 'name' | 'createdAt'>, b: Pick<PoolView, 'name' | 'createdAt'>): number {
  const ta = a.createdAt ? Date.parse(a.createdAt) : Number.NaN;
  const tb = b.createdAt ? Date.parse(b.createdAt) : Number.NaN;
  const fa = Number.isFinite(ta);
  const fb = Number.isFinite(tb);
  if (fa && fb && ta !== tb) return ta - tb;
  if (fa !== fb) return fa ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

interface Owned {
  owner: string;
  range: AddressRange;
}

/**
 * Cuts every address listed by more than one pool out of all but the senior pool.
 * Pure; the result does not depend on the order of `pools` (only on their contents).
 * Cost is O(ranges^2), fine for configuration sizes (hundreds of entries).
 */
export function resolvePoolOverlaps(pools: readonly PoolView[]): OverlapResolution {
  const bySeniority = [...pools].sort(comparePoolSeniority);
  const claimed: Owned[] = [];
  const overlaps: PoolOverlap[] = [];
  const trimmed = new Map<string, PoolView>();
  for (const pool of bySeniority) {
    const keep = (ranges: readonly AddressRange[]): AddressRange[] => {
      const out: AddressRange[] = [];
      for (const r of ranges) {
        const hits = claimed.filter((c) => c.owner !== pool.name && intersectRanges(c.range, r));
        for (const h of hits) {
          const common = intersectRanges(h.range, r) as AddressRange;
          overlaps.push({
            keptBy: h.owner,
            removedFrom: pool.name,
            range: common,
            code: ErrorCodes.PoolOverlap,
            message: `IPAddressPool ${pool.name} overlaps IPAddressPool ${h.owner} on ${describeRange(common)}; ${h.owner} was created first and keeps those addresses, ${pool.name} does not use them`,
          });
        }
        out.push(...subtractRanges(r, hits.map((h) => h.range)));
      }
      for (const r of out) claimed.push({ owner: pool.name, range: r });
      return out;
    };
    const ipv4 = keep(pool.ipv4);
    const ipv6 = keep(pool.ipv6);
    const changed = ipv4.length !== pool.ipv4.length || ipv6.length !== pool.ipv6.length || ipv4.some((r, i) => r !== pool.ipv4[i]) || ipv6.some((r, i) => r !== pool.ipv6[i]);
    trimmed.set(pool.name, changed ? { ...pool, ipv4, ipv6 } : pool);
  }
  return { pools: pools.map((p) => trimmed.get(p.name) ?? p), overlaps };
}
