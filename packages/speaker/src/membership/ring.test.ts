import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Ring, ringHash } from './ring.js';

const names = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 30 });

describe('Ring', () => {
  it('orders by sha256 of the name, whatever the input order', () => {
    fc.assert(
      fc.property(names, fc.nat(), (ns, seed) => {
        const a = new Ring();
        a.setNodes(ns);
        const shuffled = [...ns].sort((x, y) => ringHash(x + seed).localeCompare(ringHash(y + seed)));
        const b = new Ring();
        b.setNodes(shuffled);
        const all = () => true;
        for (const n of ns) expect(a.successors(n, all, 3)).toEqual(b.successors(n, all, 3));
      }),
    );
  });

  it('successors and predecessors are each other\'s inverse over the live nodes (property)', () => {
    fc.assert(
      fc.property(names, fc.array(fc.boolean(), { maxLength: 30 }), fc.integer({ min: 1, max: 8 }), (ns, liveFlags, k) => {
        const r = new Ring();
        r.setNodes(ns);
        const live = new Set(ns.filter((_, i) => liveFlags[i] ?? true));
        const isLive = (n: string) => live.has(n);
        for (const a of live) {
          const succ = r.successors(a, isLive, k);
          expect(succ.length).toBe(Math.min(k, live.size - 1));
          expect(succ).not.toContain(a);
          expect(succ.every(isLive)).toBe(true);
          for (const b of live) if (b !== a) expect(succ.includes(b)).toBe(r.predecessors(b, isLive, k).includes(a));
        }
      }),
    );
  });

  it('skips dead nodes while walking and knows nothing of unknown ones', () => {
    const r = new Ring();
    const ns = ['a', 'b', 'c', 'd', 'e'];
    r.setNodes(ns);
    const order = [...ns].sort((x, y) => ringHash(x).localeCompare(ringHash(y)));
    const [first, second, third] = order as [string, string, string];
    expect(r.successors(first, () => true, 1)).toEqual([second]);
    expect(r.successors(first, (n) => n !== second, 1)).toEqual([third]);
    expect(r.successors('zz', () => true, 3)).toEqual([]);
    expect(r.size).toBe(5);
  });
});
