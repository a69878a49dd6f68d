import { describe, expect, it } from 'vitest';
import type { V1Service } from '@kubernetes/client-node';
import type { IPAddressPool } from '@ironlb/core';
import {
  LastValidSpecAnnotation,
  decodeLastValidSpec,
  encodeLastValidSpec,
  heldByPool,
  lastValidSpecWrites,
  poolStatusOf,
  resolvePoolConfig,
  samePoolStatus,
} from './pool-config.js';

const pool = (name: string, addresses: string[], o: { generation?: number; annotation?: string; labels?: Record<string, string> } = {}): IPAddressPool => ({
  apiVersion: 'metallb.io/v1beta1',
  kind: 'IPAddressPool',
  metadata: {
    name, namespace: 'metallb-system', creationTimestamp: '2026-01-01T00:00:00Z', generation: o.generation,
    ...(o.annotation === undefined ? {} : { annotations: { [LastValidSpecAnnotation]: o.annotation } }),
    ...(o.labels === undefined ? {} : { labels: o.labels }),
  },
  spec: { addresses },
});

describe('resolvePoolConfig', () => {
  it('uses valid pools and leaves never-valid ones out, naming the field', () => {
    const r = resolvePoolConfig([pool('good', ['198.51.100.0/28']), pool('bad', ['198.51.100.300/32'])], new Map());
    expect(r.pools.map((p) => p.name)).toEqual(['good']);
    expect(r.stale).toBe(false);
    expect(r.health.get('bad')?.problems[0]?.message).toMatch(/spec\.addresses\[0\].*198\.51\.100\.300/);
  });

  it('keeps the last valid version when an edit makes a pool invalid, and says it is stale', () => {
    const first = resolvePoolConfig([pool('blue', ['198.51.100.0/28'])], new Map());
    const edited = resolvePoolConfig([pool('blue', ['198.51.100.0/33'])], first.lastGood);
    expect(edited.pools).toEqual(first.pools);
    expect(edited.stale).toBe(true);
    expect(edited.health.get('blue')).toMatchObject({ stale: true });
    // Fixing the pool clears staleness.
    const fixed = resolvePoolConfig([pool('blue', ['198.51.100.0/29'])], edited.lastGood);
    expect(fixed.stale).toBe(false);
    expect(fixed.pools[0]?.ipv4[0]?.last).toBe(first.pools[0]!.ipv4[0]!.first + 7n);
  });

  it('forgets a deleted pool', () => {
    const first = resolvePoolConfig([pool('blue', ['198.51.100.0/28'])], new Map());
    expect(resolvePoolConfig([], first.lastGood).lastGood.size).toBe(0);
  });
});

describe('poolStatusOf', () => {
  const usage = { pool: 'p', totalIPv4: 16n, totalIPv6: 1n << 64n, assignedIPv4: 3n, assignedIPv6: 1n, availableIPv4: 13n, availableIPv6: (1n << 64n) - 1n };

  it('reports counts, saturating huge IPv6 figures and saying so', () => {
    const s = poolStatusOf('p', 2, { problems: [], warnings: [], stale: false }, [], usage, [], 'T1');
    expect(s).toMatchObject({ assignedIPv4: 3, assignedIPv6: 1, availableIPv4: 13, availableIPv6: Number.MAX_SAFE_INTEGER });
    const sat = s.conditions.find((c) => c.type === 'CountsSaturated');
    expect(sat?.message).toContain('availableIPv6 is 18446744073709551615');
    expect(s.conditions.find((c) => c.type === 'Valid')).toMatchObject({ status: 'True', observedGeneration: 2 });
  });

  it('keeps lastTransitionTime while a condition does not change', () => {
    const a = poolStatusOf('p', 1, undefined, [], undefined, [], 'T1');
    const b = poolStatusOf('p', 1, undefined, [], undefined, a.conditions, 'T2');
    expect(b.conditions.find((c) => c.type === 'Valid')?.lastTransitionTime).toBe('T1');
    const problems = [{ object: 'x', field: 'spec.addresses[0]', value: 'v', code: 'IRONLB_INVALID_POOL' as const, reason: 'invalid-cidr' as const, message: 'bad' }];
    const c = poolStatusOf('p', 1, { problems, warnings: [], stale: false }, [], undefined, b.conditions, 'T3');
    expect(c.conditions.find((x) => x.type === 'Valid')).toMatchObject({ status: 'False', reason: 'InvalidSpec', lastTransitionTime: 'T3' });
  });

  it('names both pools of an overlap on each', () => {
    const o = { keptBy: 'old', removedFrom: 'new', range: { family: 4, first: 0n, last: 1n } as never, code: 'IRONLB_POOL_OVERLAP' as const, message: 'pool new overlaps pool old on 198.51.100.0-198.51.100.1' };
    for (const name of ['old', 'new']) {
      const s = poolStatusOf(name, 1, undefined, [o], undefined, [], 'T');
      expect(s.conditions.find((c) => c.type === 'Overlapping')).toMatchObject({ status: 'True', message: o.message });
    }
  });
});

describe('samePoolStatus', () => {
  const want = poolStatusOf('p', 3, undefined, [], undefined, [], 'T1');
  /** What the API server sends back: the same object with every key sorted. */
  const sorted = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sorted) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;

  it('matches the status read back with sorted keys', () => {
    expect(JSON.stringify(sorted(want))).not.toBe(JSON.stringify(want));
    expect(samePoolStatus(sorted(want), want)).toBe(true);
  });

  it('sees a changed count, condition or a missing status', () => {
    expect(samePoolStatus({ ...want, assignedIPv4: 1 }, want)).toBe(false);
    const conditions = want.conditions.map((c) => (c.type === 'Valid' ? { ...c, observedGeneration: 2 } : c));
    expect(samePoolStatus({ ...want, conditions }, want)).toBe(false);
    expect(samePoolStatus(undefined, want)).toBe(false);
  });
});

describe('last valid spec, persisted on the pool (issue 8)', () => {
  const valid = ['203.0.113.0/30'];
  const invalid = ['203.0.113.0/30', '203.0.113.2/32']; // entries overlap: validatePool refuses it
  const saved = (generation: number | undefined, addresses: string[]) => encodeLastValidSpec(generation, { addresses });

  it('encodes canonically: key order does not matter, generation is kept', () => {
    expect(encodeLastValidSpec(3, { b: 1, a: [2, { d: 1, c: 2 }] })).toBe('{"generation":3,"spec":{"a":[2,{"c":2,"d":1}],"b":1}}');
    expect(encodeLastValidSpec(undefined, { addresses: ['x'] })).toBe('{"spec":{"addresses":["x"]}}');
  });

  it.each([
    ['absent', undefined, 'absent'],
    ['not JSON', '{oops', 'unusable'],
    ['not the envelope', '[1,2]', 'unusable'],
    ['without spec', '{"generation":1}', 'unusable'],
    ['an invalid spec', saved(1, invalid), 'unusable'],
    ['a valid spec', saved(4, valid), 'ok'],
  ])('decodes an annotation that is %s', (_what, annotation, kind) => {
    const d = decodeLastValidSpec(pool('p', invalid, { annotation }));
    expect(d.kind).toBe(kind);
    if (d.kind === 'ok') expect(d.last).toMatchObject({ generation: 4, spec: { addresses: valid } });
    if (d.kind === 'unusable') expect(d.message).toContain(LastValidSpecAnnotation);
  });

  // Which version the allocator uses, by (current spec, in-memory last valid, annotation).
  const memory = (generation: number, addresses: string[]) => resolvePoolConfig([pool('p', addresses, { generation })], new Map()).lastGood;
  it.each([
    // name, current, memory, annotation, → used addresses, stale, reason
    ['valid spec wins over everything', valid, memory(1, ['203.0.113.8/30']), saved(1, ['203.0.113.16/30']), '203.0.113.0/30', false, 'Valid'],
    ['after a restart: the annotation', invalid, new Map(), saved(2, valid), '203.0.113.0/30', true, 'InvalidSpecUsingLastValid'],
    ['memory when no annotation yet', invalid, memory(2, valid), undefined, '203.0.113.0/30', true, 'InvalidSpecUsingLastValid'],
    ['the newer of memory and annotation (annotation)', invalid, memory(2, ['203.0.113.8/30']), saved(3, valid), '203.0.113.0/30', true, 'InvalidSpecUsingLastValid'],
    ['the newer of memory and annotation (memory)', invalid, memory(5, valid), saved(3, ['203.0.113.8/30']), '203.0.113.0/30', true, 'InvalidSpecUsingLastValid'],
    ['nothing usable: not used', invalid, new Map(), '{oops', undefined, false, 'InvalidSpec'],
  ] as const)('%s', (_name, current, mem, annotation, used, stale, reason) => {
    const obj = pool('p', [...current], { generation: 6, annotation });
    const cfg = resolvePoolConfig([obj], mem);
    const view = cfg.pools.find((p) => p.name === 'p');
    expect(view?.ipv4[0]?.normalized).toBe(used);
    expect(cfg.stale).toBe(stale);
    const s = poolStatusOf('p', 6, cfg.health.get('p'), [], undefined, [], 'T');
    const c = s.conditions.find((x) => x.type === 'Valid');
    expect(c?.reason).toBe(reason);
    // The condition names the bad field.
    if (reason !== 'Valid') expect(c?.message).toContain('spec.addresses[1]');
  });

  it('says which generation stays in use, and warns about an unusable annotation', () => {
    const cfg = resolvePoolConfig([pool('p', invalid, { generation: 6, annotation: saved(2, valid) })], new Map());
    expect(poolStatusOf('p', 6, cfg.health.get('p'), [], undefined, [], 'T').conditions[0]?.message).toContain('(generation 2) stays in use');
    const bad = resolvePoolConfig([pool('p', invalid, { annotation: '{oops' })], new Map());
    expect(bad.health.get('p')?.warnings[0]?.message).toMatch(/ironlb\.io\/last-valid-spec.*not JSON.*ignored/);
  });

  it('persists each valid version once, and the version in use while invalid', () => {
    const v1 = pool('p', valid, { generation: 1 });
    const c1 = resolvePoolConfig([v1], new Map());
    expect(lastValidSpecWrites([v1], c1)).toEqual([{ pool: 'p', value: saved(1, valid) }]);
    // Written: nothing more to do.
    const v1w = pool('p', valid, { generation: 1, annotation: saved(1, valid) });
    expect(lastValidSpecWrites([v1w], resolvePoolConfig([v1w], c1.lastGood))).toEqual([]);
    // An invalid edit does not overwrite it ...
    const v2 = pool('p', invalid, { generation: 2, annotation: saved(1, valid) });
    expect(lastValidSpecWrites([v2], resolvePoolConfig([v2], c1.lastGood))).toEqual([]);
    // ... but an invalid edit seen before the write landed persists the version in use.
    const v2early = pool('p', invalid, { generation: 2 });
    expect(lastValidSpecWrites([v2early], resolvePoolConfig([v2early], c1.lastGood))).toEqual([{ pool: 'p', value: saved(1, valid) }]);
    // A never-valid pool writes nothing.
    const never = pool('q', invalid);
    expect(lastValidSpecWrites([never], resolvePoolConfig([never], new Map()))).toEqual([]);
  });
});

describe('a pool that was never valid keeps what Services hold from it', () => {
  const svc = (name: string, ips: string[], pool: string | undefined, o: { cls?: string; type?: string } = {}): V1Service => ({
    metadata: { name, namespace: 'ns', annotations: pool === undefined ? {} : { 'metallb.io/ip-allocated-from-pool': pool } },
    spec: { type: o.type ?? 'LoadBalancer', loadBalancerClass: o.cls },
    status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } },
  });

  it('collects held IPs by pool, for our Services only', () => {
    const held = heldByPool([
      svc('a', ['203.0.113.1'], 'bad'),
      svc('b', ['203.0.113.2', '2001:db8::2'], 'bad'),
      svc('shared', ['203.0.113.2'], 'bad'),
      svc('c', ['203.0.113.3'], 'other'),
      svc('no-annotation', ['203.0.113.4'], undefined),
      svc('pending', [], 'bad'),
      svc('other-class', ['203.0.113.5'], 'bad', { cls: 'example.com/x' }),
      svc('not-lb', ['203.0.113.6'], 'bad', { type: 'ClusterIP' }),
    ], undefined);
    expect(Object.fromEntries(held)).toEqual({ bad: ['203.0.113.1', '203.0.113.2', '2001:db8::2'], other: ['203.0.113.3'] });
  });

  it('becomes a pool of exactly the held addresses, never auto-assigned, and says so', () => {
    const cfg = resolvePoolConfig([pool('bad', ['203.0.113.0/30', '203.0.113.2/32'])], new Map(), new Map([['bad', ['203.0.113.2', '2001:db8::2', '203.0.113.1']]]));
    const view = cfg.pools.find((p) => p.name === 'bad');
    expect(view?.ipv4.map((r) => r.normalized)).toEqual(['203.0.113.1/32', '203.0.113.2/32']);
    expect(view?.ipv6.map((r) => r.normalized)).toEqual(['2001:db8::2/128']);
    expect(view).toMatchObject({ autoAssign: false, avoidBuggyIPs: false });
    expect(view?.serviceAllocation).toBeUndefined();
    expect(cfg.stale).toBe(true);
    const valid = poolStatusOf('bad', 1, cfg.health.get('bad'), [], undefined, [], 'T').conditions.find((c) => c.type === 'Valid');
    expect(valid).toMatchObject({ status: 'False', reason: 'InvalidSpecKeepingAssigned' });
    expect(valid?.message).toContain('203.0.113.2, 2001:db8::2, 203.0.113.1');
    expect(valid?.message).toContain('spec.addresses[1]');
  });

  it('is simply not used when nobody holds anything from it', () => {
    const cfg = resolvePoolConfig([pool('bad', ['203.0.113.0/30', '203.0.113.2/32'])], new Map(), new Map([['bad', ['not-an-ip']]]));
    expect(cfg.pools).toEqual([]);
    expect(poolStatusOf('bad', 1, cfg.health.get('bad'), [], undefined, [], 'T').conditions[0]?.reason).toBe('InvalidSpec');
  });
});

describe('Advertised condition', () => {
  it('is True naming the advertisements, False when none selects the pool, absent when unknown', () => {
    const by = (ads: string[] | undefined) => poolStatusOf('p', 1, undefined, [], undefined, [], 'T', ads).conditions.find((c) => c.type === 'Advertised');
    expect(by(['a', 'b'])).toMatchObject({ status: 'True', reason: 'L2Advertisement', message: 'announced in layer 2 under L2Advertisement a, b' });
    expect(by([])).toMatchObject({ status: 'False', reason: 'NoL2Advertisement' });
    expect(by(undefined)).toBeUndefined();
  });
});
