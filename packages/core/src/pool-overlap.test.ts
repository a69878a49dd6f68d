import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { resolvePoolOverlaps, comparePoolSeniority } from './pool-overlap.js';
import { validatePool, type PoolView } from './pool-validate.js';

function view(name: string, addresses: string[], createdAt?: string): PoolView {
  const r = validatePool({ metadata: { name, creationTimestamp: createdAt }, spec: { addresses } });
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('; '));
  return r.pool;
}

const ranges = (p: PoolView | undefined): string[] => [...(p?.ipv4 ?? []), ...(p?.ipv6 ?? [])].map((r) => r.normalized);

describe('resolvePoolOverlaps', () => {
  it('leaves disjoint pools untouched (same objects)', () => {
    const a = view('a', ['10.0.0.0/24']);
    const b = view('b', ['10.0.1.0/24', '2001:db8::/64']);
    const r = resolvePoolOverlaps([a, b]);
    expect(r.overlaps).toEqual([]);
    expect(r.pools[0]).toBe(a);
    expect(r.pools[1]).toBe(b);
  });

  it.each<[string, PoolView[], Record<string, string[]>, [string, string, string][]]>([
    [
      'newer pool loses the common part',
      [view('new', ['10.0.0.0/24'], '2024-02-01T00:00:00Z'), view('old', ['10.0.0.128/25'], '2024-01-01T00:00:00Z')],
      { new: ['10.0.0.0-10.0.0.127'], old: ['10.0.0.128/25'] },
      [['old', 'new', '10.0.0.128/25']],
    ],
    [
      'same timestamp: name decides',
      [view('b', ['10.0.0.10-10.0.0.20'], '2024-01-01T00:00:00Z'), view('a', ['10.0.0.15-10.0.0.30'], '2024-01-01T00:00:00Z')],
      { a: ['10.0.0.15-10.0.0.30'], b: ['10.0.0.10-10.0.0.14'] },
      [['a', 'b', '10.0.0.15-10.0.0.20']],
    ],
    [
      'a pool swallowed whole keeps no addresses',
      [view('big', ['10.0.0.0/16'], '2024-01-01T00:00:00Z'), view('small', ['10.0.3.0/24'], '2024-03-01T00:00:00Z')],
      { big: ['10.0.0.0/16'], small: [] },
      [['big', 'small', '10.0.3.0/24']],
    ],
    [
      'missing timestamp counts as newest',
      [view('a', ['10.0.0.0/24']), view('z', ['10.0.0.0/24'], '2030-01-01T00:00:00Z')],
      { a: [], z: ['10.0.0.0/24'] },
      [['z', 'a', '10.0.0.0/24']],
    ],
    [
      'a middle cut splits the loser; IPv6 too',
      [view('old', ['2001:db8::10-2001:db8::1f', '10.0.0.5/32'], '2024-01-01T00:00:00Z'), view('new', ['2001:db8::/120', '10.0.0.0/29'], '2024-01-02T00:00:00Z')],
      { old: ['10.0.0.5/32', '2001:db8::10-2001:db8::1f'], new: ['10.0.0.0-10.0.0.4', '10.0.0.6-10.0.0.7', '2001:db8::-2001:db8::f', '2001:db8::20-2001:db8::ff'] },
      [['old', 'new', '10.0.0.5/32'], ['old', 'new', '2001:db8::10/124']],
    ],
    [
      'three pools: each loses to every older one',
      [view('c', ['10.0.0.0/24'], '2024-01-03T00:00:00Z'), view('b', ['10.0.0.0/25'], '2024-01-02T00:00:00Z'), view('a', ['10.0.0.0/26'], '2024-01-01T00:00:00Z')],
      { a: ['10.0.0.0/26'], b: ['10.0.0.64-10.0.0.127'], c: ['10.0.0.128-10.0.0.255'] },
      [['a', 'b', '10.0.0.0/26'], ['a', 'c', '10.0.0.0/26'], ['b', 'c', '10.0.0.64/26']],
    ],
  ])('%s', (_n, pools, want, overlaps) => {
    const r = resolvePoolOverlaps(pools);
    expect(Object.fromEntries(r.pools.map((p) => [p.name, ranges(p)]))).toEqual(want);
    expect(r.overlaps.map((o) => [o.keptBy, o.removedFrom, o.message.match(/ on (\S+);/)?.[1]])).toEqual(overlaps);
    for (const o of r.overlaps) {
      expect(o.code).toBe('IRONLB_POOL_OVERLAP');
      expect(o.message).toContain(`IPAddressPool ${o.keptBy}`);
      expect(o.message).toContain(`IPAddressPool ${o.removedFrom}`);
    }
  });

  it('keeps the input order of pools in its output', () => {
    const r = resolvePoolOverlaps([view('z', ['10.0.0.0/24']), view('a', ['10.0.1.0/24'])]);
    expect(r.pools.map((p) => p.name)).toEqual(['z', 'a']);
  });

  it('does not depend on input order, and never leaves two pools sharing an address', () => {
    const entry = fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 12 })).map(([a, n]) => `10.0.0.${a}-10.0.0.${a + n}`);
    const pools = fc.uniqueArray(fc.record({ name: fc.constantFrom('a', 'b', 'c', 'd'), day: fc.integer({ min: 1, max: 3 }), entry }), { selector: (p) => p.name, minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(pools, (spec) => {
        const views = spec.map((p) => view(p.name, [p.entry], `2024-01-0${p.day}T00:00:00Z`));
        const fwd = resolvePoolOverlaps(views);
        const rev = resolvePoolOverlaps([...views].reverse());
        const byName = (ps: PoolView[]) => Object.fromEntries(ps.map((p) => [p.name, ranges(p)]));
        expect(byName(rev.pools)).toEqual(byName(fwd.pools));
        const owner = new Map<number, string>();
        for (const p of fwd.pools)
          for (const r of p.ipv4)
            for (let x = Number(r.first); x <= Number(r.last); x++) {
              expect(owner.get(x)).toBeUndefined();
              owner.set(x, p.name);
            }
      }),
      { numRuns: 100 },
    );
  });

  it('orders seniority by time, then name', () => {
    const ps = [{ name: 'b', createdAt: '2024-01-01T00:00:00Z' }, { name: 'a' }, { name: 'c', createdAt: '2023-01-01T00:00:00Z' }, { name: 'a2', createdAt: '2024-01-01T00:00:00Z' }];
    expect([...ps].sort(comparePoolSeniority).map((p) => p.name)).toEqual(['c', 'a2', 'b', 'a']);
  });
});
