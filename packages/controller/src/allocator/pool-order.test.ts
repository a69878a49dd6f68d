import { describe, expect, it } from 'vitest';
import type { PoolView, ServiceAllocationView } from '@ironlb/core';
import { comparePinnedPools, orderPools, poolAdmitsService } from './pool-order.js';

function view(name: string, over: Partial<PoolView> = {}, sa?: Partial<ServiceAllocationView>): PoolView {
  const base: PoolView = { name, labels: {}, ipv4: [], ipv6: [], autoAssign: true, avoidBuggyIPs: false, ...over };
  if (sa) base.serviceAllocation = { priority: 0, namespaces: [], namespaceSelectors: [], serviceSelectors: [], ...sa };
  return base;
}

const svc = { namespace: 'team', labels: { app: 'web' }, namespaceLabels: { tier: 'gold' } };

describe('poolAdmitsService', () => {
  it.each<[string, Partial<ServiceAllocationView> | undefined, boolean]>([
    ['no serviceAllocation', undefined, true],
    ['only a priority (no restriction)', { priority: 3 }, true],
    ['namespace listed', { namespaces: ['other', 'team'] }, true],
    ['namespace not listed', { namespaces: ['other'] }, false],
    ['namespace selected by label', { namespaceSelectors: [{ matchLabels: { tier: 'gold' } }] }, true],
    ['namespace list OR namespace selector', { namespaces: ['other'], namespaceSelectors: [{ matchLabels: { tier: 'gold' } }] }, true],
    ['neither namespace rule matches', { namespaces: ['other'], namespaceSelectors: [{ matchLabels: { tier: 'tin' } }] }, false],
    ['service selector matches', { serviceSelectors: [{ matchLabels: { app: 'db' } }, { matchLabels: { app: 'web' } }] }, true],
    ['service selector does not match', { serviceSelectors: [{ matchLabels: { app: 'db' } }] }, false],
    ['namespace AND service restriction both hold', { namespaces: ['team'], serviceSelectors: [{ matchLabels: { app: 'web' } }] }, true],
    ['namespace holds, service does not', { namespaces: ['team'], serviceSelectors: [{ matchLabels: { app: 'db' } }] }, false],
    ['service holds, namespace does not', { namespaces: ['other'], serviceSelectors: [{ matchLabels: { app: 'web' } }] }, false],
  ])('%s', (_n, sa, want) => expect(poolAdmitsService(view('p', {}, sa), svc)).toBe(want));
});

describe('orderPools', () => {
  it('pinned by priority (0 last, ties by name), generic by name, autoAssign false left out', () => {
    const pools = [
      view('z'),
      view('a'),
      view('off', { autoAssign: false }),
      view('p0', {}, { priority: 0 }),
      view('p2', {}, { priority: 2 }),
      view('p1b', {}, { priority: 1 }),
      view('p1a', {}, { priority: 1 }),
      view('pinned-off', { autoAssign: false }, { priority: 1 }),
    ];
    const o = orderPools(pools);
    expect(o.pinned.map((p) => p.name)).toEqual(['p1a', 'p1b', 'p2', 'p0']);
    expect(o.generic.map((p) => p.name)).toEqual(['a', 'z']);
    expect(orderPools([...pools].reverse())).toEqual(o);
  });

  it('comparePinnedPools is a total order', () => {
    const a = view('a', {}, { priority: 0 });
    const b = view('b', {}, { priority: 5 });
    expect(comparePinnedPools(a, b)).toBeGreaterThan(0);
    expect(comparePinnedPools(b, a)).toBeLessThan(0);
    expect(comparePinnedPools(a, a)).toBe(0);
  });
});
