// Picking addresses for a Service that did not ask for specific ones, following
// MetalLB's findBestPoolForService: within one stage of pools, the first pool that can
// give every family the Service needs wins; PreferDualStack falls back to the first
// pool with the primary family, then the first with the secondary one.
//
// Within a pool, a Service with a sharing key first joins an address it may share
// (beyond MetalLB, which takes whichever comes first in CIDR order, free or shared: a
// freed low address would split Services the user meant to keep together), else it
// takes the pool's lowest free address (MetalLB's first-fit order, in O(log n)).
import { familyName, type AddressFamily } from '@ironlb/core';
import type { Off } from './offset.js';
import type { IpUse, PoolSpace, Segment } from './pool-space.js';
import type { FamilyPlan, ShareIdentity } from './service-view.js';
import { findShareable } from './sharing.js';

export interface Pick {
  family: AddressFamily;
  segment: Segment;
  /** Offset of the address in its segment. */
  off: Off;
  /** Set when the address is already in use and will be shared. */
  use?: IpUse;
  /** Canonical text, when the caller already has it. */
  text?: string;
}

export interface Choice {
  pool: PoolSpace;
  /** In ingress order (primary family first). */
  picks: Pick[];
}

/** The address `who` would get from `pool` for `family`, without claiming it. */
export function pickInPool(pool: PoolSpace, family: AddressFamily, who: ShareIdentity): Pick | undefined {
  const space = pool.family(family);
  const shared = findShareable(space, who);
  if (shared !== undefined) return { family, segment: shared.segment, off: shared.off, use: shared };
  const free = space.firstFree();
  return free === undefined ? undefined : { family, segment: free.segment, off: free.off };
}

/** The pool and addresses for a Service among `pools`, tried in order; undefined if none. */
export function chooseFromPools(pools: readonly PoolSpace[], plan: FamilyPlan, who: ShareIdentity): Choice | undefined {
  let primaryOnly: Choice | undefined;
  let secondaryOnly: Choice | undefined;
  for (const pool of pools) {
    const p = pickInPool(pool, plan.primary, who);
    if (plan.mode === 'single' || plan.secondary === undefined) {
      if (p !== undefined) return { pool, picks: [p] };
      continue;
    }
    const s = pickInPool(pool, plan.secondary, who);
    if (p !== undefined && s !== undefined) return { pool, picks: [p, s] };
    if (plan.mode !== 'prefer-dual') continue;
    if (p !== undefined && primaryOnly === undefined) primaryOnly = { pool, picks: [p] };
    if (s !== undefined && secondaryOnly === undefined) secondaryOnly = { pool, picks: [s] };
  }
  return primaryOnly ?? secondaryOnly;
}

/** Could `pool` ever serve this plan (does it have the families at all)? */
export function poolFitsPlan(pool: PoolSpace, plan: FamilyPlan): boolean {
  const p = pool.hasFamily(plan.primary);
  const s = plan.secondary !== undefined && pool.hasFamily(plan.secondary);
  if (plan.mode === 'single') return p;
  if (plan.mode === 'require-dual') return p && s;
  return p || s;
}

export function describePlan(plan: FamilyPlan): string {
  if (plan.mode === 'single') return familyName(plan.primary);
  const both = `${familyName(plan.primary)} and ${familyName(plan.secondary as AddressFamily)}`;
  return plan.mode === 'require-dual' ? `${both} from one pool` : `${both} (or either)`;
}
