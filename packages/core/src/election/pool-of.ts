// Which IPAddressPool a Service's addresses belong to. The controller's
// metallb.io/ip-allocated-from-pool annotation wins when that pool still exists; without
// it (a Service allocated by MetalLB before the annotation existed, or a hand-edited
// status) the pool whose spec.addresses contain the first ingress IP is used.
import { parseAddress } from '../address.js';
import { parseAddressEntry, rangeContains, type AddressRange } from '../address-range.js';
import { compareStrings } from './order.js';
import type { ElectionPool, ElectionService } from './types.js';

export interface PoolIndex {
  /** The pool of a Service, or undefined when none holds it ('unknown-pool'). */
  poolOf(service: Pick<ElectionService, 'pool' | 'ips'>): ElectionPool | undefined;
}

/**
 * Indexes pools once per election: addresses parsed a single time, pools kept in name
 * order so that overlapping pools (rejected by validation, but possible mid-edit) resolve
 * to the same pool whatever order the informer listed them in. Entries that do not parse
 * are skipped: the controller reports them, the election just cannot match them.
 */
export function indexPools(pools: readonly ElectionPool[]): PoolIndex {
  const byName = new Map<string, ElectionPool>();
  const sorted = [...pools].sort((a, b) => compareStrings(a.name, b.name));
  const ranges: { pool: ElectionPool; ranges: AddressRange[] }[] = [];
  for (const pool of sorted) {
    if (!byName.has(pool.name)) byName.set(pool.name, pool);
    const parsed: AddressRange[] = [];
    for (const entry of pool.addresses) {
      const r = parseAddressEntry(entry);
      if (r.ok) parsed.push(r.range);
    }
    ranges.push({ pool, ranges: parsed });
  }
  return {
    poolOf(service) {
      if (service.pool !== undefined) {
        const named = byName.get(service.pool);
        if (named) return named;
      }
      const first = service.ips[0];
      if (first === undefined) return undefined;
      const ip = parseAddress(first);
      if (!ip.ok) return undefined;
      const { family, value } = ip.address;
      return ranges.find((p) => p.ranges.some((r) => rangeContains(r, family, value)))?.pool;
    },
  };
}
