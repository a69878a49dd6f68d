// Properties over random pools and random sequences of allocate/release:
//   - no address is ever held by two Services unless they may share it;
//   - restoring a snapshot of assignments, then allocating, changes none of them;
//   - inputs are never mutated (they are deep-frozen);
//   - the order pools are given in does not change any result.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { PoolView } from '@ironlb/core';
import { Allocator } from './allocator.js';
import type { ServiceView } from './service-view.js';
import { shareIdentityOf } from './service-view.js';
import { pool, svc } from './test-support/fixtures.js';





/** Recursively freezes a value so any mutation by the code under test throws. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

const RUNS = { numRuns: 100 };

// Small address universe so collisions, exhaustion and cross-pool overlaps are common.
// Entries inside one pool come from distinct groups (overlaps inside a pool are
// rejected by validation); entries of different pools may overlap.
const groups = [['10.0.0.0/30', '10.0.0.2/31'], ['10.0.0.4-10.0.0.6'], ['10.0.1.254-10.0.2.1'], ['10.0.3.7/32'], ['2001:db8::/127', '2001:db8::1/128'], ['2001:db8::2-2001:db8::3']];
const anyIPs = ['10.0.0.1', '10.0.0.5', '10.0.2.0', '10.0.3.7', '10.9.9.9', '2001:db8::1', '2001:db8::3', '2001:db8::9'];

const poolArb = fc.record({
  addresses: fc.subarray(groups, { minLength: 1 }).chain((gs) => fc.tuple(...gs.map((g) => fc.constantFrom(...g)))),
  autoAssign: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  avoidBuggyIPs: fc.boolean(),
  day: fc.integer({ min: 1, max: 3 }),
  alloc: fc.option(fc.record({ priority: fc.integer({ min: 0, max: 3 }), namespaces: fc.subarray(['a', 'b']) }), { nil: undefined, freq: 3 }),
});

type PoolSpec = typeof poolArb extends fc.Arbitrary<infer T> ? T : never;

function buildPools(specs: PoolSpec[]): PoolView[] {
  return specs.map((s, i) =>
    pool(`p${i}`, {
      addresses: s.addresses,
      autoAssign: s.autoAssign,
      avoidBuggyIPs: s.avoidBuggyIPs,
      createdAt: `2024-01-0${s.day}T00:00:00Z`,
      ...(s.alloc ? { serviceAllocation: s.alloc } : {}),
    }),
  );
}

const weighted = <T,>(common: T, ...rare: T[]) => fc.oneof({ weight: 2 * rare.length, arbitrary: fc.constant(common) }, ...rare.map((r) => ({ weight: 1, arbitrary: fc.constant(r) })));

const svcArb = fc.record({
  id: fc.integer({ min: 0, max: 7 }),
  ns: fc.constantFrom('a', 'b'),
  fams: fc.constantFrom<ServiceView['ipFamilies']>(['IPv4'], ['IPv6'], ['IPv4', 'IPv6'], ['IPv6', 'IPv4']),
  policy: fc.constantFrom<ServiceView['ipFamilyPolicy']>('SingleStack', 'PreferDualStack', 'RequireDualStack'),
  sharingKey: fc.constantFrom(undefined, 'k1', 'k1', 'k2'),
  port: fc.constantFrom(53, 80, 443),
  local: weighted(false, true),
  app: fc.constantFrom('x', 'y'),
  requestedIPs: fc.oneof({ weight: 5, arbitrary: fc.constant([] as string[]) }, { weight: 1, arbitrary: fc.subarray(anyIPs, { maxLength: 2 }) }),
  requestedPool: weighted<string | undefined>(undefined, 'p0', 'p1', 'p9'),
});

type SvcSpec = typeof svcArb extends fc.Arbitrary<infer T> ? T : never;

function toView(s: SvcSpec): ServiceView {
  const policy = s.fams.length === 1 && s.policy === 'RequireDualStack' ? 'SingleStack' : s.policy;
  return svc(`${s.ns}/s${s.id}`, {
    ipFamilies: s.fams,
    ipFamilyPolicy: policy,
    ...(s.sharingKey ? { sharingKey: s.sharingKey } : {}),
    ports: [{ protocol: 'TCP', port: s.port }],
    externalTrafficPolicy: s.local ? 'Local' : 'Cluster',
    selector: { app: s.app },
    requestedIPs: s.requestedIPs,
    ...(s.requestedPool ? { requestedPool: s.requestedPool } : {}),
  });
}

const opArb = fc.oneof({ weight: 4, arbitrary: svcArb.map((s) => ({ kind: 'allocate' as const, s })) }, { weight: 1, arbitrary: svcArb.map((s) => ({ kind: 'release' as const, s })) });
const scenario = fc.record({ pools: fc.array(poolArb, { minLength: 1, maxLength: 4 }), ops: fc.array(opArb, { minLength: 5, maxLength: 40 }) });

/** Runs ops, returning every result and the views behind the live assignments. */
function play(a: Allocator, ops: { kind: 'allocate' | 'release'; s: SvcSpec }[]) {
  const results: unknown[] = [];
  const live = new Map<string, ServiceView>();
  for (const op of ops) {
    const view = deepFreeze(toView(op.s));
    if (op.kind === 'release') {
      results.push(a.release(view.key));
      live.delete(view.key);
      continue;
    }
    const r = a.allocate(view);
    results.push(r);
    if (r.ok) live.set(view.key, view);
    else if (a.assignment(view.key) === undefined) live.delete(view.key);
  }
  return { results, live };
}

function assertNoIllegalSharing(a: Allocator, live: Map<string, ServiceView>): void {
  const byIP = new Map<string, string[]>();
  for (const asg of a.assignments()) {
    expect(asg.ips.length).toBeGreaterThan(0);
    expect(asg.ips.length).toBeLessThanOrEqual(2);
    expect(new Set(asg.ips.map((ip) => ip.includes(':'))).size).toBe(asg.ips.length);
    for (const ip of asg.ips) byIP.set(ip, [...(byIP.get(ip) ?? []), asg.service]);
  }
  for (const [, holders] of byIP) {
    if (holders.length < 2) continue;
    const ids = holders.map((k) => shareIdentityOf(live.get(k) as ServiceView));
    const first = ids[0] as (typeof ids)[number];
    for (const id of ids) {
      expect(id.sharingKey).not.toBe('');
      expect(id.sharingKey).toBe(first.sharingKey);
      expect(id.backendKey).toBe(first.backendKey);
    }
    const ports = ids.flatMap((id) => id.ports);
    expect(new Set(ports).size).toBe(ports.length);
  }
  const distinct = [...byIP.keys()];
  const counted = a.poolNames().reduce((acc, p) => {
    const u = a.usage(p);
    return acc + Number((u?.assignedIPv4 ?? 0n) + (u?.assignedIPv6 ?? 0n));
  }, 0);
  expect(counted).toBe(distinct.length);
}

describe('allocator properties', () => {
  it('never gives one address to two Services that may not share it', () => {
    fc.assert(
      fc.property(scenario, ({ pools, ops }) => {
        const a = new Allocator(deepFreeze(buildPools(pools)));
        const { live } = play(a, ops);
        assertNoIllegalSharing(a, live);
      }),
      RUNS,
    );
  });

  it('restoring a snapshot then allocating never changes an existing assignment', () => {
    fc.assert(
      fc.property(scenario, fc.array(svcArb, { maxLength: 10 }), ({ pools, ops }, later) => {
        const views = deepFreeze(buildPools(pools));
        const a = new Allocator(views);
        const { live } = play(a, ops);
        const snapshot = a.assignments();
        const b = new Allocator(views);
        const restored = b.restore(deepFreeze(snapshot.map((s) => ({ service: live.get(s.service) as ServiceView, ips: s.ips }))));
        expect(restored.every((r) => r.ok)).toBe(true);
        expect(b.assignments()).toEqual(snapshot);
        // New Services first (they must not steal), then the restored ones re-reconciled.
        for (const s of later) {
          const v = toView(s);
          if (!live.has(v.key)) b.allocate(v);
        }
        for (const s of snapshot) {
          const r = b.allocate(live.get(s.service) as ServiceView);
          expect(r.ok).toBe(true);
          if (r.ok) for (const ip of s.ips) expect(r.ips).toContain(ip);
        }
        for (const s of snapshot) expect(b.assignment(s.service)?.ips).toEqual(expect.arrayContaining(s.ips));
      }),
      RUNS,
    );
  });

  it('does not depend on the order pools are given in', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 1, max: 1000 }), ({ pools, ops }, seed) => {
        const views = deepFreeze(buildPools(pools));
        const shuffled = [...views].sort((x, y) => ((x.name.charCodeAt(1) * seed) % 7) - ((y.name.charCodeAt(1) * seed) % 7)).reverse();
        const a = new Allocator(views);
        const b = new Allocator(shuffled);
        expect(play(b, ops).results).toEqual(play(a, ops).results);
        expect(b.assignments()).toEqual(a.assignments());
      }),
      RUNS,
    );
  });

  it('pool updates keep every surviving assignment and never create illegal sharing', () => {
    fc.assert(
      fc.property(scenario, fc.array(poolArb, { minLength: 0, maxLength: 4 }), ({ pools, ops }, nextPools) => {
        const a = new Allocator(deepFreeze(buildPools(pools)));
        const { live } = play(a, ops);
        const before = new Map(a.assignments().map((x) => [x.service, x.ips]));
        const report = a.setPools(deepFreeze(buildPools(nextPools)));
        const lost = new Set(report.lost.map((l) => l.service));
        for (const [k, ips] of before) {
          if (lost.has(k)) expect(a.assignment(k)).toBeUndefined();
          else expect(a.assignment(k)?.ips).toEqual(ips);
        }
        assertNoIllegalSharing(a, live);
      }),
      RUNS,
    );
  });
});
