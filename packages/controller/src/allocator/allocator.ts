// The allocator: pure, synchronous, no I/O. The reconciler feeds it pools and Services
// as plain views and turns its answers into status, annotations, Events and metrics.
//
// Guarantees:
//   - an assignment is never changed unless it became invalid (the Service asked for
//     something else, or its pool no longer has the address); restore() re-claims what
//     Services hold before anything new is allocated, so a restart reshuffles nothing;
//   - allocation and release cost O(log n) in the free runs of the pools touched, plus
//     O(pools) to pick a pool: never a scan over addresses;
//   - inputs are never mutated, and the order pools are given in does not matter.
import type { AddressFamily, ParsedAddress, PoolView } from '@ironlb/core';
import { chooseFromPools, describePlan, pickInPool, poolFitsPlan } from './choose.js';
import {
  checkFamilies,
  claimPicks,
  compareClaims,
  dropHolder,
  failure,
  locateAddresses,
  orderForPlan,
  parseAddressList,
  refreshIdentity,
  type AllocatorState,
  type Failure,
} from './claim.js';
import { AddressIndex, type Holder, type PoolSpace } from './pool-space.js';
import { poolAdmitsService } from './pool-order.js';
import { applyPools } from './pool-update.js';
import type { AllocationResult, Assignment, HeldAssignment, PoolUpdateReport, PoolUsage, ReleaseResult, RestoreOutcome } from './results.js';
import { planFamilies, shareIdentityOf, type FamilyPlan, type ServiceView, type ShareIdentity } from './service-view.js';
import { checkSharing } from './sharing.js';

export class Allocator {
  readonly #s: AllocatorState = { pools: new Map(), index: new AddressIndex([]), order: { pinned: [], generic: [] }, holders: new Map() };
  /** One shared array per distinct port set: a million Services rarely have more than a few. */
  readonly #portSets = new Map<string, readonly string[]>();

  constructor(pools: readonly PoolView[] = []) {
    if (pools.length > 0) applyPools(this.#s, pools);
  }

  /** Replaces the pool set; reports overlaps, lost and re-homed assignments. */
  setPools(pools: readonly PoolView[]): PoolUpdateReport {
    return applyPools(this.#s, pools);
  }

  /**
   * Re-claims what Services already hold (status.loadBalancer.ingress), biggest claims
   * first. Call before allocating anything after a start or a resync. Outcomes come back
   * in input order; a failed one means the Service must be cleared or re-allocated.
   */
  restore(held: readonly HeldAssignment[]): RestoreOutcome[] {
    const order = held
      .map((h, i) => ({ h, i, key: h.service.key, count: h.ips.length, shared: (h.service.sharingKey ?? '').trim() !== '' }))
      .sort(compareClaims);
    const out: RestoreOutcome[] = new Array<RestoreOutcome>(held.length);
    for (const { h, i } of order) out[i] = this.#restoreOne(h);
    return out;
  }

  /** Gives the Service addresses, keeping the ones it holds whenever they are still valid. */
  allocate(svc: ServiceView): AllocationResult {
    const key = svc.key;
    const planned = planFamilies(svc);
    if (!planned.ok) return { ok: false, service: key, reason: 'invalid-request', message: planned.message, released: [] };
    const plan = planned.plan;
    const requested = parseAddressList(svc.requestedIPs, key, 'requested IPs');
    if (!requested.ok) return { ...requested, service: key, released: [] };
    const who = this.#identity(svc);

    const held = this.#s.holders.get(key);
    let before: string[] = [];
    if (held !== undefined) {
      const verdict = this.#judgeHeld(held, svc, plan, requested.addrs, who);
      if (verdict === undefined) return this.#keep(held, svc, plan, requested.addrs, who);
      // An IP-family policy edit: keep the addresses whose family the Service still has,
      // drop the others, add a missing one from the same pool (issue 8, input 3).
      const reshaped = requested.addrs.length === 0 ? this.#reshape(held, svc, plan, who) : undefined;
      if (reshaped !== undefined) return reshaped;
      before = dropHolder(this.#s, held).ips;
    }
    const got = requested.addrs.length > 0 ? this.#claimRequested(svc, plan, requested.addrs, who) : this.#claimFresh(svc, plan, who);
    if (!got.ok) return { ...got, service: key, released: before };
    const ips = got.holder.uses.map((u) => u.text);
    const change = held === undefined ? 'new' : before.length === ips.length && before.every((ip) => ips.includes(ip)) ? 'kept' : 'moved';
    return { ok: true, service: key, pool: got.holder.pool.name, ips, change, released: before.filter((ip) => !ips.includes(ip)) };
  }

  /**
   * For a Service whose request cannot be read (`svc` is its view without a request):
   * keeps what it holds while that stays valid — dropping a family it no longer has,
   * adding one a dual-stack policy needs from the same pool — and releases it otherwise.
   * Never allocates anew. Undefined when it holds nothing. The same rules as restore(),
   * so a restart agrees with what the running controller kept.
   */
  hold(svc: ServiceView): AllocationResult | undefined {
    const held = this.#s.holders.get(svc.key);
    if (held === undefined) return undefined;
    const planned = planFamilies(svc);
    const who = this.#identity(svc);
    const verdict = planned.ok ? this.#judgeHeld(held, svc, planned.plan, [], who) : failure('invalid-request', planned.message);
    if (verdict === undefined && planned.ok) return this.#keep(held, svc, planned.plan, [], who);
    const reshaped = planned.ok ? this.#reshape(held, svc, planned.plan, who) : undefined;
    if (reshaped !== undefined) return reshaped;
    const gone = dropHolder(this.#s, held);
    return { ok: false, service: svc.key, reason: verdict?.reason ?? 'invalid-request', message: verdict?.message ?? '', released: gone.ips };
  }

  /** Frees the Service's addresses (Service deleted, or no longer a LoadBalancer). */
  release(serviceKey: string): ReleaseResult {
    const held = this.#s.holders.get(serviceKey);
    if (held === undefined) return { service: serviceKey, held: false, ips: [], freed: [] };
    return { service: serviceKey, held: true, ...dropHolder(this.#s, held) };
  }

  assignment(serviceKey: string): Assignment | undefined {
    const h = this.#s.holders.get(serviceKey);
    return h === undefined ? undefined : { service: h.key, pool: h.pool.name, ips: h.uses.map((u) => u.text) };
  }

  /** Every assignment, sorted by Service key (O(n): for snapshots and tests). */
  assignments(): Assignment[] {
    return [...this.#s.holders.keys()].sort().map((k) => this.assignment(k) as Assignment);
  }

  /** Per-family totals and use of a pool, as bigints (see saturateInt64 for status). */
  usage(poolName: string): PoolUsage | undefined {
    const p = this.#s.pools.get(poolName);
    if (p === undefined) return undefined;
    return {
      pool: poolName,
      totalIPv4: p.v4.total,
      totalIPv6: p.v6.total,
      assignedIPv4: BigInt(p.v4.usedCount),
      assignedIPv6: BigInt(p.v6.usedCount),
      availableIPv4: p.v4.total - BigInt(p.v4.usedCount),
      availableIPv6: p.v6.total - BigInt(p.v6.usedCount),
    };
  }

  poolNames(): string[] {
    return [...this.#s.pools.keys()].sort();
  }

  #identity(svc: ServiceView): ShareIdentity {
    const who = shareIdentityOf(svc);
    const key = who.ports.join(' ');
    const known = this.#portSets.get(key);
    if (known !== undefined) who.ports = known;
    else this.#portSets.set(key, who.ports);
    return who;
  }

  #restoreOne(h: HeldAssignment): RestoreOutcome {
    const svc = h.service;
    const why = this.#checkRestore(h);
    if (why !== undefined) return { ok: false, service: svc.key, reason: why.reason, message: why.message };
    const holder = this.#s.holders.get(svc.key) as Holder;
    return { ok: true, service: svc.key, pool: holder.pool.name, ips: holder.uses.map((u) => u.text) };
  }

  /** Claims a held assignment if it is still valid for its Service; undefined on success. */
  #checkRestore(h: HeldAssignment): Failure | undefined {
    const svc = h.service;
    const planned = planFamilies(svc);
    if (!planned.ok) return failure('invalid-request', planned.message);
    const held = parseAddressList(h.ips, svc.key, 'status.loadBalancer.ingress');
    if (!held.ok) return held;
    // An IP-family edit made while we were away: the addresses of the families the
    // Service still has are re-claimed, as allocate() would have kept them (a missing
    // dual-stack family is added by the reconcile that follows).
    const plan = planned.plan;
    const wanted = held.addrs.filter((a) => a.family === plan.primary || (plan.mode !== 'single' && a.family === plan.secondary));
    const addrs = orderForPlan(wanted.length > 0 ? wanted : held.addrs, plan);
    const existing = this.#s.holders.get(svc.key);
    if (existing !== undefined) {
      if (sameAddresses(existing.uses, addrs)) return undefined;
      return failure('invalid-request', `Service ${svc.key} already holds ${existing.uses.map((u) => u.text).join(', ')}, not ${addrs.map((a) => a.normalized).join(', ')}`);
    }
    if (addrs.length === 0) return failure('invalid-request', `Service ${svc.key}: nothing to restore`);
    const requested = parseAddressList(svc.requestedIPs, svc.key, 'requested IPs');
    if (!requested.ok) return requested;
    if (requested.addrs.length > 0 && !sameAddresses(requested.addrs, addrs)) {
      return failure('request-changed', `Service ${svc.key} holds ${addrs.map((a) => a.normalized).join(', ')} but now asks for ${requested.addrs.map((a) => a.normalized).join(', ')}`);
    }
    const famProblem = plan.mode === 'require-dual' && addrs.length === 1 ? undefined : checkFamilies(addrs, plan, svc.key, 'held');
    if (famProblem !== undefined) return famProblem;
    const who = this.#identity(svc);
    const located = locateAddresses(this.#s, svc, addrs, who, svc.requestedPool, 'request-changed');
    if (!located.ok) return located;
    claimPicks(this.#s, located.pool, located.picks, who);
    return undefined;
  }

  /** Why the held assignment no longer fits the Service, or undefined when it does. */
  #judgeHeld(held: Holder, svc: ServiceView, plan: FamilyPlan, requested: readonly ParsedAddress[], who: ShareIdentity): Failure | undefined {
    if (requested.length > 0 && !sameAddresses(requested, held.uses)) {
      const texts = held.uses.map((u) => u.text).join(', ');
      return failure('request-changed', `Service ${svc.key} now asks for ${requested.map((a) => a.normalized).join(', ')} instead of ${texts}`);
    }
    if (svc.requestedPool !== undefined && svc.requestedPool !== held.pool.name) {
      return failure('request-changed', `Service ${svc.key} now asks for pool ${svc.requestedPool} instead of ${held.pool.name}`);
    }
    if (!poolAdmitsService(held.pool.view, svc)) return failure('pool-not-allowed', `pool ${held.pool.name}'s serviceAllocation no longer selects ${svc.key}`);
    const famProblem = checkFamilies(held.uses, plan, svc.key, 'held');
    if (famProblem !== undefined) return famProblem;
    for (const use of held.uses) {
      const share = checkSharing(use, who);
      if (!share.ok) return failure(share.reason, share.message);
    }
    return undefined;
  }

  /**
   * Fits a held assignment to a changed family plan without touching the addresses that
   * stay valid: those of a family the plan no longer has are given back, a family
   * RequireDualStack now needs comes from the held pool (PreferDualStack's is added by
   * #keep). Undefined when the kept part is itself invalid, or the pool cannot give the
   * missing family: the Service then moves as a whole.
   */
  #reshape(held: Holder, svc: ServiceView, plan: FamilyPlan, who: ShareIdentity): AllocationResult | undefined {
    const wanted = (f: number) => f === plan.primary || (plan.mode !== 'single' && f === plan.secondary);
    const kept = held.uses.filter((u) => wanted(u.family));
    if (kept.length === 0 || (kept.length === held.uses.length && plan.mode !== 'require-dual')) return undefined;
    const missing = plan.mode === 'require-dual' && kept.length === 1 ? (kept[0]?.family === plan.primary ? plan.secondary : plan.primary) : undefined;
    const verdict = this.#judgeHeld({ ...held, uses: kept }, svc, plan.mode === 'require-dual' ? { mode: 'single', primary: kept[0]?.family as AddressFamily } : plan, [], who);
    if (verdict !== undefined) return undefined;
    const pick = missing === undefined ? undefined : pickInPool(held.pool, missing, who);
    if (missing !== undefined && pick === undefined) return undefined;
    const released: string[] = [];
    for (const use of held.uses) {
      if (kept.includes(use)) continue;
      if (held.pool.family(use.family).leave(use, held)) released.push(use.text);
    }
    held.uses = kept;
    refreshIdentity(held, who);
    let change: 'dropped-family' | 'added-family' = 'dropped-family';
    if (pick !== undefined && missing !== undefined) {
      const space = held.pool.family(missing);
      const use = pick.use ?? space.claimFree(pick.segment, pick.off, held);
      if (pick.use !== undefined) space.join(pick.use, held);
      held.uses = [...held.uses, use];
      change = 'added-family';
    }
    held.uses = orderForPlan(held.uses, plan);
    return { ok: true, service: svc.key, pool: held.pool.name, ips: held.uses.map((u) => u.text), change, released };
  }

  /** Keeps a valid assignment; PreferDualStack may gain its missing family from the same pool. */
  #keep(held: Holder, svc: ServiceView, plan: FamilyPlan, requested: readonly ParsedAddress[], who: ShareIdentity): AllocationResult {
    refreshIdentity(held, who);
    // Ingress order follows ipFamilies (its first entry is immutable in Kubernetes, but a
    // view may still arrive reordered, e.g. from a fixture).
    held.uses = orderForPlan(held.uses, plan);
    let change: 'kept' | 'added-family' = 'kept';
    const first = held.uses[0];
    if (plan.mode === 'prefer-dual' && held.uses.length === 1 && first !== undefined && requested.length === 0) {
      const missing = first.family === plan.primary ? (plan.secondary as 4 | 6) : plan.primary;
      const pick = pickInPool(held.pool, missing, who);
      if (pick !== undefined) {
        const space = held.pool.family(missing);
        const use = pick.use ?? space.claimFree(pick.segment, pick.off, held);
        if (pick.use !== undefined) space.join(pick.use, held);
        held.uses = orderForPlan([...held.uses, use], plan);
        change = 'added-family';
      }
    }
    return { ok: true, service: svc.key, pool: held.pool.name, ips: held.uses.map((u) => u.text), change, released: [] };
  }

  #claimRequested(svc: ServiceView, plan: FamilyPlan, requested: readonly ParsedAddress[], who: ShareIdentity): { ok: true; holder: Holder } | Failure {
    const addrs = orderForPlan(requested, plan);
    const famProblem = checkFamilies(addrs, plan, svc.key, 'requested');
    if (famProblem !== undefined) return famProblem;
    const located = locateAddresses(this.#s, svc, addrs, who, svc.requestedPool, 'ip-not-in-pool');
    if (!located.ok) return located;
    return { ok: true, holder: claimPicks(this.#s, located.pool, located.picks, who) };
  }

  #claimFresh(svc: ServiceView, plan: FamilyPlan, who: ShareIdentity): { ok: true; holder: Holder } | Failure {
    let stages: PoolSpace[][];
    if (svc.requestedPool !== undefined) {
      const pool = this.#s.pools.get(svc.requestedPool);
      if (pool === undefined) return failure('pool-not-found', `Service ${svc.key} asks for pool ${JSON.stringify(svc.requestedPool)}, which does not exist`);
      if (!poolAdmitsService(pool.view, svc)) return failure('pool-not-allowed', `pool ${pool.name}'s serviceAllocation does not select Service ${svc.key}`);
      stages = [[pool]];
    } else {
      stages = [this.#s.order.pinned.filter((p) => poolAdmitsService(p.view, svc)), this.#s.order.generic];
    }
    for (const stage of stages) {
      const choice = chooseFromPools(stage, plan, who);
      if (choice !== undefined) return { ok: true, holder: claimPicks(this.#s, choice.pool, choice.picks, who) };
    }
    const tried = stages.flat();
    const fitting = tried.filter((p) => poolFitsPlan(p, plan));
    if (fitting.length === 0) {
      if (svc.requestedPool !== undefined) return failure('wrong-family', `pool ${svc.requestedPool} has no ${describePlan(plan)} addresses for Service ${svc.key}`);
      return failure('no-matching-pool', `no pool may give Service ${svc.key} ${describePlan(plan)}${tried.length > 0 ? ` (considered ${tried.map((p) => p.name).join(', ')})` : ''}`);
    }
    return failure('exhausted', `no available IPs: pools ${fitting.map((p) => p.name).join(', ')} have no free ${describePlan(plan)} address for Service ${svc.key}`);
  }
}

function sameAddresses(a: readonly { family: number; value: bigint }[], b: readonly { family: number; value: bigint }[]): boolean {
  return a.length === b.length && a.every((x) => b.some((y) => y.family === x.family && y.value === x.value));
}
