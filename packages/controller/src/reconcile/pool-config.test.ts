import { describe, expect, it } from 'vitest';
import type { IPAddressPool } from '@ironlb/core';
import { poolStatusOf, resolvePoolConfig, samePoolStatus } from './pool-config.js';

const pool = (name: string, addresses: string[]): IPAddressPool => ({
  apiVersion: 'metallb.io/v1beta1',
  kind: 'IPAddressPool',
  metadata: { name, namespace: 'metallb-system', creationTimestamp: '2026-01-01T00:00:00Z' },
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
