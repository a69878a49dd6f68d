// The metallb_allocator_* gauges, per pool. A pool that is gone loses its series: a
// frozen value for a deleted pool would keep showing on users' dashboards and keep
// their "pool almost full" alerts firing.
import { saturateSafeNumber } from '@ironlb/core';
import type { PoolUsage } from '../allocator/index.js';
import type { ControllerMetrics } from '../metrics.js';

type PoolGauges = Pick<ControllerMetrics, 'addressesTotal' | 'addressesInUse' | 'ipv4Total' | 'ipv4InUse' | 'ipv6Total' | 'ipv6InUse'>;

/**
 * Sets every pool's gauges from its usage and removes the series of pools that had
 * gauges before (`previous`) but are no longer listed. Returns the pools that now have
 * series, to pass as `previous` next time.
 */
export function updatePoolGauges(m: PoolGauges, usages: ReadonlyMap<string, PoolUsage | undefined>, previous: ReadonlySet<string>): Set<string> {
  const n = (v: bigint) => saturateSafeNumber(v).value;
  const now = new Set<string>();
  for (const [pool, usage] of usages) {
    if (usage === undefined) continue;
    now.add(pool);
    m.addressesTotal.set({ pool }, n(usage.totalIPv4 + usage.totalIPv6));
    m.addressesInUse.set({ pool }, n(usage.assignedIPv4 + usage.assignedIPv6));
    m.ipv4Total.set({ pool }, n(usage.totalIPv4));
    m.ipv4InUse.set({ pool }, n(usage.assignedIPv4));
    m.ipv6Total.set({ pool }, n(usage.totalIPv6));
    m.ipv6InUse.set({ pool }, n(usage.assignedIPv6));
  }
  for (const pool of previous) {
    if (now.has(pool)) continue;
    for (const g of [m.addressesTotal, m.addressesInUse, m.ipv4Total, m.ipv4InUse, m.ipv6Total, m.ipv6InUse]) g.remove({ pool });
  }
  return now;
}
