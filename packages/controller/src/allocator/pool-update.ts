// Applying a new set of pools without reshuffling: a pool whose address space did not
// change keeps its state untouched (only autoAssign/serviceAllocation are refreshed);
// Services in a pool that changed or vanished re-claim their exact addresses in the new
// layout (possibly in another pool, which is reported), and only those whose addresses
// are gone are reported lost, for the reconciler to move or clear.
import { ErrorCodes, IronlbError, resolvePoolOverlaps, type PoolView } from '@ironlb/core';
import { claimPicks, compareClaims, type AllocatorState } from './claim.js';
import type { Pick } from './choose.js';
import { AddressIndex, PoolSpace, spaceSignature, type Holder } from './pool-space.js';
import { toOff } from './offset.js';
import { orderPools } from './pool-order.js';
import type { LostAssignment, PoolUpdateReport } from './results.js';
import { checkSharing } from './sharing.js';

export function applyPools(state: AllocatorState, input: readonly PoolView[]): PoolUpdateReport {
  const names = new Set<string>();
  for (const p of input) {
    // Pools are namespaced objects in one namespace: a duplicate is a caller bug.
    if (names.has(p.name)) throw new IronlbError(ErrorCodes.InvalidPool, `pool ${JSON.stringify(p.name)} given twice to the allocator`);
    names.add(p.name);
  }
  const { pools: views, overlaps } = resolvePoolOverlaps(input);
  const next = new Map<string, PoolSpace>();
  for (const v of views) {
    const old = state.pools.get(v.name);
    if (old !== undefined && old.signature === spaceSignature(v)) {
      old.view = v;
      next.set(v.name, old);
    } else {
      next.set(v.name, new PoolSpace(v));
    }
  }
  const affected = new Set<Holder>();
  for (const [name, old] of state.pools) {
    if (next.get(name) === old) continue;
    for (const space of [old.v4, old.v6]) for (const seg of space.segments) for (const use of seg.used.values()) for (const h of use.holders) affected.add(h);
  }
  state.pools = next;
  state.index = new AddressIndex(next.values());
  const order = orderPools(views);
  const space = (v: PoolView): PoolSpace => next.get(v.name) as PoolSpace;
  state.order = { pinned: order.pinned.map(space), generic: order.generic.map(space) };

  const lost: LostAssignment[] = [];
  const rehomed: PoolUpdateReport['rehomed'] = [];
  const replay = [...affected].sort((a, b) =>
    compareClaims({ key: a.key, count: a.uses.length, shared: a.sharingKey !== '' }, { key: b.key, count: b.uses.length, shared: b.sharingKey !== '' }),
  );
  for (const h of replay) {
    state.holders.delete(h.key);
    const ips = h.uses.map((u) => u.text);
    const target = relocate(state, h);
    if (typeof target === 'string') {
      const deleted = !next.has(h.pool.name);
      lost.push({
        service: h.key,
        pool: h.pool.name,
        ips,
        reason: deleted ? 'pool-deleted' : 'pool-shrunk',
        message: `${h.key} loses ${ips.join(', ')}: ${deleted ? `pool ${h.pool.name} was deleted` : `pool ${h.pool.name} changed`} and ${target}`,
      });
      continue;
    }
    claimPicks(state, target.pool, target.picks, h);
    if (target.pool.name !== h.pool.name) rehomed.push({ service: h.key, ips, from: h.pool.name, to: target.pool.name });
  }
  return { overlaps, lost, rehomed };
}

/** Where a holder's exact addresses live in the new layout, or why they cannot stay. */
function relocate(state: AllocatorState, h: Holder): { pool: PoolSpace; picks: Pick[] } | string {
  let pool: PoolSpace | undefined;
  const picks: Pick[] = [];
  for (const u of h.uses) {
    const segment = state.index.find(u.family, u.value);
    if (segment === undefined) return `${u.text} is in no pool any more`;
    const off = toOff(u.value - segment.first);
    if (!segment.free.isUsable(off)) return `${u.text} is excluded by avoidBuggyIPs`;
    if (pool !== undefined && segment.pool !== pool) return `its addresses are now in different pools (${pool.name}, ${segment.pool.name})`;
    pool = segment.pool;
    const use = segment.used.get(off);
    if (use !== undefined) {
      const share = checkSharing(use, h);
      if (!share.ok) return share.message;
    }
    picks.push(use === undefined ? { family: u.family, segment, off, text: u.text } : { family: u.family, segment, off, use });
  }
  return pool === undefined ? 'it held no addresses' : { pool, picks };
}
