// Which pools a Service may take from, and in what order. MetalLB's rules
// (internal/allocator: pinnedPoolsForService, isPoolCompatibleWithService, sortPools):
//   - a pool with serviceAllocation serves only the Services it selects: namespaces and
//     namespaceSelectors together restrict the namespace, serviceSelectors restrict the
//     Service, and both restrictions apply when both are set;
//   - selected pools are tried first, by ascending priority, priority 0 (unset) last;
//   - then pools without serviceAllocation; autoAssign: false pools only on request.
// MetalLB iterates a Go map for the fallback pools (random order); we use the name,
// so the same inputs always give the same IP. Ties in priority are broken by name too.
import { matchAnyLabelSelector, type PoolView } from '@ironlb/core';
import type { ServiceView } from './service-view.js';

type Matchable = Pick<ServiceView, 'namespace' | 'labels' | 'namespaceLabels'>;

/** True when the pool's serviceAllocation (if any) admits the Service. */
export function poolAdmitsService(pool: Pick<PoolView, 'serviceAllocation'>, svc: Matchable): boolean {
  const sa = pool.serviceAllocation;
  if (sa === undefined) return true;
  const restrictsNamespace = sa.namespaces.length > 0 || sa.namespaceSelectors.length > 0;
  if (restrictsNamespace && !sa.namespaces.includes(svc.namespace) && !matchAnyLabelSelector(sa.namespaceSelectors, svc.namespaceLabels)) {
    return false;
  }
  if (sa.serviceSelectors.length > 0 && !matchAnyLabelSelector(sa.serviceSelectors, svc.labels)) return false;
  return true;
}

function byName(a: Pick<PoolView, 'name'>, b: Pick<PoolView, 'name'>): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Ascending priority, 0 (unset) after every set priority, then name. */
export function comparePinnedPools(a: PoolView, b: PoolView): number {
  const pa = a.serviceAllocation?.priority ?? 0;
  const pb = b.serviceAllocation?.priority ?? 0;
  if (pa !== pb) {
    if (pa === 0) return 1;
    if (pb === 0) return -1;
    return pa - pb;
  }
  return byName(a, b);
}

export interface PoolOrder {
  /** Pools with serviceAllocation and autoAssign, in trial order (not yet filtered by Service). */
  pinned: PoolView[];
  /** Pools without serviceAllocation, with autoAssign, by name. */
  generic: PoolView[];
}

/** Precomputes the trial order once per pool update, so allocation only filters. */
export function orderPools(pools: readonly PoolView[]): PoolOrder {
  const auto = pools.filter((p) => p.autoAssign);
  return {
    pinned: auto.filter((p) => p.serviceAllocation !== undefined).sort(comparePinnedPools),
    generic: auto.filter((p) => p.serviceAllocation === undefined).sort(byName),
  };
}
