// Claiming and dropping addresses on the allocator's state, shared by allocate, restore
// and pool updates so the three can never disagree on the rules.
import { familyName, parseAddress, type AddressFamily, type ParsedAddress } from '@ironlb/core';
import type { Pick } from './choose.js';
import { toOff } from './offset.js';
import type { AddressIndex, Holder, PoolSpace } from './pool-space.js';
import { poolAdmitsService } from './pool-order.js';
import type { AllocationFailureReason } from './results.js';
import type { FamilyPlan, ServiceView, ShareIdentity } from './service-view.js';
import { checkSharing } from './sharing.js';

export interface AllocatorState {
  pools: Map<string, PoolSpace>;
  index: AddressIndex;
  /** Trial order for automatic allocation (see pool-order.ts), resolved to pool state. */
  order: { pinned: PoolSpace[]; generic: PoolSpace[] };
  holders: Map<string, Holder>;
}

export type Failure = { ok: false; reason: AllocationFailureReason; message: string };

export function failure(reason: AllocationFailureReason, message: string): Failure {
  return { ok: false, reason, message };
}

const NONE: ParsedAddress[] = [];

/** Parses a Service's list of IPs (`what` names it in messages): at most one per family. */
export function parseAddressList(texts: readonly string[], svcKey: string, what: 'requested IPs' | 'status.loadBalancer.ingress'): { ok: true; addrs: ParsedAddress[] } | Failure {
  if (texts.length === 0) return { ok: true, addrs: NONE };
  const addrs: ParsedAddress[] = [];
  for (const t of texts) {
    const p = parseAddress(t);
    if (!p.ok) return failure('invalid-request', `Service ${svcKey} ${what}: ${p.message}`);
    if (addrs.some((a) => a.family === p.address.family)) {
      return failure('invalid-request', `Service ${svcKey} ${what} lists two ${familyName(p.address.family)} addresses; a Service has at most one per family`);
    }
    addrs.push(p.address);
  }
  return { ok: true, addrs };
}

/** Orders addresses like the Service's ipFamilies (primary first). */
export function orderForPlan<T extends { family: number }>(items: readonly T[], plan: FamilyPlan): T[] {
  return [...items].sort((a, b) => (a.family === plan.primary ? 0 : 1) - (b.family === plan.primary ? 0 : 1));
}

type Described = { family: AddressFamily } & ({ normalized: string } | { text: string });

/** Are these families what the Service's policy allows? (Messages are built only on failure.) */
export function checkFamilies(items: readonly Described[], plan: FamilyPlan, svcKey: string, what: 'held' | 'requested'): Failure | undefined {
  const single = plan.mode === 'single' && (items.length !== 1 || items[0]?.family !== plan.primary);
  const dual = plan.mode === 'require-dual' && items.length !== 2;
  if (!single && !dual) return undefined;
  const texts = items.map((i) => ('normalized' in i ? i.normalized : i.text)).join(', ');
  const names = items.map((i) => familyName(i.family)).join(' and ');
  if (single) return failure('wrong-family', `${what} addresses ${texts} (${names}) do not match SingleStack ${familyName(plan.primary)} Service ${svcKey}`);
  return failure('wrong-family', `${what} addresses ${texts} (${names}) do not satisfy RequireDualStack Service ${svcKey}: it needs one IPv4 and one IPv6 address`);
}

/**
 * Checks that specific addresses can go to `svc` and returns the picks: all in one pool
 * (the required one if given), usable there, the pool admits the Service, and every
 * address is free or shareable.
 */
export function locateAddresses(
  state: AllocatorState,
  svc: ServiceView,
  addrs: readonly ParsedAddress[],
  who: ShareIdentity,
  requiredPool: string | undefined,
  poolMismatch: AllocationFailureReason,
): { ok: true; pool: PoolSpace; picks: Pick[] } | Failure {
  if (requiredPool !== undefined && !state.pools.has(requiredPool)) {
    return failure('pool-not-found', `Service ${svc.key} asks for pool ${JSON.stringify(requiredPool)}, which does not exist`);
  }
  let pool: PoolSpace | undefined;
  const picks: Pick[] = [];
  for (const a of addrs) {
    const segment = state.index.find(a.family, a.value);
    if (segment === undefined) return failure('ip-not-in-pool', `${a.normalized} is not in any IPAddressPool`);
    const off = toOff(a.value - segment.first);
    if (!segment.free.isUsable(off)) {
      return failure('ip-not-in-pool', `${a.normalized} ends in .0 or .255 and pool ${segment.pool.name} sets avoidBuggyIPs`);
    }
    if (pool !== undefined && pool !== segment.pool) {
      return failure('ip-not-in-pool', `${addrs[0]?.normalized} is in pool ${pool.name} but ${a.normalized} is in pool ${segment.pool.name}; a Service's addresses must come from one pool`);
    }
    pool = segment.pool;
    const use = segment.used.get(off);
    picks.push(use === undefined ? { family: a.family, segment, off, text: a.normalized } : { family: a.family, segment, off, use });
  }
  if (pool === undefined) return failure('invalid-request', `Service ${svc.key}: no addresses given`);
  if (requiredPool !== undefined && pool.name !== requiredPool) {
    return failure(poolMismatch, `${addrs.map((a) => a.normalized).join(', ')} ${addrs.length > 1 ? 'are' : 'is'} in pool ${pool.name}, not in the requested pool ${requiredPool}`);
  }
  if (!poolAdmitsService(pool.view, svc)) {
    return failure('pool-not-allowed', `pool ${pool.name}'s serviceAllocation does not select Service ${svc.key}`);
  }
  for (const p of picks) {
    if (p.use === undefined) continue;
    const share = checkSharing(p.use, who);
    if (!share.ok) return failure(share.reason, share.message);
  }
  return { ok: true, pool, picks };
}

/** Records `picks` (already checked) as the Service's assignment. */
export function claimPicks(state: AllocatorState, pool: PoolSpace, picks: readonly Pick[], who: ShareIdentity): Holder {
  const holder: Holder = { key: who.key, sharingKey: who.sharingKey, backendKey: who.backendKey, ports: who.ports, pool, uses: [] };
  for (const p of picks) {
    const space = pool.family(p.family);
    if (p.use !== undefined) {
      space.join(p.use, holder);
      holder.uses.push(p.use);
    } else {
      holder.uses.push(space.claimFree(p.segment, p.off, holder, p.text));
    }
  }
  state.holders.set(who.key, holder);
  return holder;
}

/** Forgets a Service's assignment; an address is freed only when its last holder leaves. */
export function dropHolder(state: AllocatorState, holder: Holder): { ips: string[]; freed: string[] } {
  const ips: string[] = [];
  const freed: string[] = [];
  for (const use of holder.uses) {
    ips.push(use.text);
    if (holder.pool.family(use.family).leave(use, holder)) freed.push(use.text);
  }
  state.holders.delete(holder.key);
  return { ips, freed };
}

/** Updates a held assignment's sharing identity in place (its checks already passed). */
export function refreshIdentity(holder: Holder, who: ShareIdentity): void {
  const before = holder.uses.map((u) => u.holders[0]?.sharingKey ?? '');
  holder.sharingKey = who.sharingKey;
  holder.backendKey = who.backendKey;
  holder.ports = who.ports;
  holder.uses.forEach((u, i) => holder.pool.family(u.family).indexShared(u, before[i] ?? ''));
}

/**
 * The order claims are replayed in (restore, pool updates): bigger claims first, so a
 * dual-stack or shared assignment is not blocked by a single-stack one that collides
 * with it; then shared before unshared; then by key, so the result is deterministic.
 */
export function compareClaims(a: { key: string; count: number; shared: boolean }, b: { key: string; count: number; shared: boolean }): number {
  if (a.count !== b.count) return b.count - a.count;
  if (a.shared !== b.shared) return a.shared ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
