// Address counts are bigints: a /64 holds 2^64 addresses, more than an int64 and far
// more than a JS number holds exactly. The status fields are int64, so counts are
// saturated at int64 max (MetalLB overflows into negative numbers here), and the caller
// is told when that happened.
import { countUsable, type AddressRange } from './address-range.js';
import type { PoolView } from './pool-validate.js';

export const Int64Max = (1n << 63n) - 1n;

export interface FamilyCounts {
  ipv4: bigint;
  ipv6: bigint;
}

/** Addresses the pool can hand out, per family (avoidBuggyIPs excludes IPv4 .0/.255). */
export function countPoolAddresses(pool: Pick<PoolView, 'ipv4' | 'ipv6' | 'avoidBuggyIPs'>): FamilyCounts {
  const sum = (ranges: readonly AddressRange[]): bigint => ranges.reduce((acc, r) => acc + countUsable(r, pool.avoidBuggyIPs), 0n);
  return { ipv4: sum(pool.ipv4), ipv6: sum(pool.ipv6) };
}

export interface SaturatedCount {
  value: bigint;
  /** True when the real count was above int64 max (or below 0) and was clamped. */
  saturated: boolean;
}

/** Clamps a count into [0, int64 max] for an int64 status field. */
export function saturateInt64(n: bigint): SaturatedCount {
  if (n > Int64Max) return { value: Int64Max, saturated: true };
  if (n < 0n) return { value: 0n, saturated: true };
  return { value: n, saturated: false };
}

/**
 * Clamps a count into [0, Number.MAX_SAFE_INTEGER] for places that only take a JS number
 * (a JSON body built with JSON.stringify, a metric gauge). int64 max itself is not a
 * safe JS number: JSON.stringify would write 9223372036854775808, which overflows int64
 * on the API server. Use saturateInt64 + a bigint-aware serialiser to write the real max.
 */
export function saturateSafeNumber(n: bigint): { value: number; saturated: boolean } {
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  if (n > max) return { value: Number.MAX_SAFE_INTEGER, saturated: true };
  if (n < 0n) return { value: 0, saturated: true };
  return { value: Number(n), saturated: false };
}
