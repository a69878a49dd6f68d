import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isBuggyIPv4 } from '@ironlb/core';
import { FreeRuns } from './free-runs.js';
import { RunTree } from './run-tree.js';
import { offNext, offPrev, toOff } from './offset.js';

type Op = { op: 'take' | 'give'; x: number };

// Tests speak absolute addresses; FreeRuns speaks offsets from the segment's first one.
function segment(first: number, last: number, avoid: boolean) {
  const fr = new FreeRuns(4, BigInt(first), BigInt(last), avoid);
  return {
    fr,
    take: (x: number) => fr.take(x - first),
    give: (x: number) => fr.give(x - first),
    isFree: (x: number) => fr.isFree(x - first),
    lowest: () => {
      const o = fr.lowest();
      return o === undefined ? undefined : (o as number) + first;
    },
    runs: () => fr.runs().map(([a, b]) => [(a as number) + first, (b as number) + first]),
  };
}

/** Brute-force model: the set of free usable addresses. */
function model(first: number, last: number, avoid: boolean) {
  const free = new Set<number>();
  for (let x = first; x <= last; x++) if (!(avoid && isBuggyIPv4(4, BigInt(x)))) free.add(x);
  return free;
}

describe('FreeRuns steps', () => {
  it.each<[string, [number, number, boolean], Op[], { lowest: number | undefined; runs: [number, number][] }[]]>([
    [
      'first-fit, split, merge',
      [10, 19, false],
      [
        { op: 'take', x: 10 },
        { op: 'take', x: 15 },
        { op: 'take', x: 19 },
        { op: 'give', x: 10 },
        { op: 'give', x: 15 },
      ],
      [
        { lowest: 11, runs: [[11, 19]] },
        { lowest: 11, runs: [[11, 14], [16, 19]] },
        { lowest: 11, runs: [[11, 14], [16, 18]] },
        { lowest: 10, runs: [[10, 14], [16, 18]] },
        { lowest: 10, runs: [[10, 18]] },
      ],
    ],
    [
      'avoidBuggyIPs skips .255/.0 and parks runs made only of them',
      [0x1fd, 0x202, true], // x.1.253 .. x.2.2
      [
        { op: 'take', x: 0x1fd },
        { op: 'take', x: 0x1fe },
        { op: 'take', x: 0x201 },
        { op: 'give', x: 0x1fe },
        { op: 'give', x: 0x201 },
      ],
      [
        { lowest: 0x1fe, runs: [[0x1fe, 0x202]] },
        { lowest: 0x201, runs: [[0x1ff, 0x202]] },
        { lowest: 0x202, runs: [[0x1ff, 0x200], [0x202, 0x202]] },
        { lowest: 0x1fe, runs: [[0x1fe, 0x200], [0x202, 0x202]] },
        { lowest: 0x1fe, runs: [[0x1fe, 0x202]] },
      ],
    ],
  ])('%s', (_n, [first, last, avoid], ops, states) => {
    const s = segment(first, last, avoid);
    ops.forEach((o, i) => {
      expect(o.op === 'take' ? s.take(o.x) : s.give(o.x), `step ${i + 1}`).toBe(true);
      expect(s.lowest(), `step ${i + 1}`).toBe(states[i]?.lowest);
      expect(s.runs(), `step ${i + 1}`).toEqual(states[i]?.runs);
    });
  });

  it('refuses what it cannot do', () => {
    const s = segment(0x100, 0x1ff, true);
    expect(s.take(0x100)).toBe(false); // .0 with avoidBuggyIPs
    expect(s.take(0x1ff)).toBe(false); // .255
    expect(s.take(0x200)).toBe(false); // outside
    expect(s.take(0xff)).toBe(false); // outside, below
    expect(s.give(0x150)).toBe(false); // already free
    expect(s.take(0x150)).toBe(true);
    expect(s.take(0x150)).toBe(false); // already taken
    expect(s.isFree(0x150)).toBe(false);
  });

  it('a full segment has no lowest address; IPv6 ignores avoidBuggyIPs', () => {
    expect(segment(0x1ff, 0x200, true).lowest()).toBeUndefined();
    expect(new FreeRuns(6, 0x100n, 0x100n, true).lowest()).toBe(0);
  });

  it('handles offsets beyond 2^53 in a /64 (bigint offsets)', () => {
    const fr = new FreeRuns(6, 0x20010db8000000000000000000000000n, 0x20010db800000000ffffffffffffffffn, false);
    const far = toOff(1n << 60n);
    expect(typeof far).toBe('bigint');
    expect(fr.take(far)).toBe(true);
    expect(fr.isFree(far)).toBe(false);
    expect(fr.isFree(offPrev(far))).toBe(true);
    expect(fr.take(0)).toBe(true);
    expect(fr.lowest()).toBe(1);
    expect(fr.runs()).toEqual([
      [1, (1n << 60n) - 1n],
      [(1n << 60n) + 1n, (1n << 64n) - 1n],
    ]);
    expect(fr.give(far)).toBe(true);
    expect(fr.runs()).toEqual([[1, (1n << 64n) - 1n]]);
    expect(fr.take(fr.lastOff)).toBe(true);
    expect(fr.give(fr.lastOff)).toBe(true);
    expect(fr.runCount).toBe(1);
  });

  it('offsets stay canonical across the 2^53 boundary', () => {
    const edge = Number.MAX_SAFE_INTEGER;
    expect(offNext(edge)).toBe(BigInt(edge) + 1n);
    expect(offPrev(BigInt(edge) + 1n)).toBe(edge);
    expect(toOff(5n)).toBe(5);
  });

  it('agrees with a brute-force model under any sequence of operations', () => {
    const ops = fc.array(fc.record({ op: fc.constantFrom<'take' | 'give' | 'first'>('take', 'give', 'first'), x: fc.integer({ min: -2, max: 82 }) }), { maxLength: 150 });
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 600 }), fc.boolean(), ops, (base, avoid, seq) => {
        const first = base;
        const last = base + 80;
        const s = segment(first, last, avoid);
        const free = model(first, last, avoid);
        for (const { op, x: off } of seq) {
          const x = first + off;
          if (op === 'first') {
            const want = free.size === 0 ? undefined : Math.min(...free);
            expect(s.lowest()).toBe(want);
            if (want !== undefined) {
              expect(s.take(want)).toBe(true);
              free.delete(want);
            }
          } else if (op === 'take') {
            expect(s.take(x)).toBe(free.has(x));
            free.delete(x);
          } else {
            const inside = x >= first && x <= last;
            const usable = !(avoid && isBuggyIPv4(4, BigInt(x)));
            const wasTaken = inside && usable && !free.has(x);
            expect(s.give(x)).toBe(wasTaken);
            if (wasTaken) free.add(x);
          }
          for (let y = first; y <= last; y += 7) expect(s.isFree(y)).toBe(free.has(y));
        }
        // Runs are maximal and disjoint: no two touch.
        const runs = s.runs();
        for (let i = 1; i < runs.length; i++) expect((runs[i] as number[])[0]).toBeGreaterThan(((runs[i - 1] as number[])[1] as number) + 1);
      }),
      { numRuns: 150 },
    );
  });
});

describe('RunTree', () => {
  it('stays balanced under sequential inserts and removals', () => {
    const t = new RunTree();
    for (let i = 0; i < 4096; i++) t.insert(i * 2, i * 2);
    expect(t.size).toBe(4096);
    expect(t.height()).toBeLessThanOrEqual(Math.ceil(1.45 * Math.log2(4096 + 2)));
    for (let i = 0; i < 4096; i += 2) t.remove(i * 2);
    expect(t.size).toBe(2048);
    expect(t.height()).toBeLessThanOrEqual(Math.ceil(1.45 * Math.log2(2048 + 2)));
    expect(t.min()?.start).toBe(2);
    expect(t.floor(9)?.start).toBe(6);
    expect(t.get(7)).toBeUndefined();
    expect(t.toArray().slice(0, 3)).toEqual([[2, 2], [6, 6], [10, 10]]);
  });

  it('orders number and bigint keys together', () => {
    const t = new RunTree();
    t.insert(1n << 60n, 1n << 61n);
    t.insert(5, 9);
    expect(t.min()?.start).toBe(5);
    expect(t.floor(1n << 60n)?.start).toBe(1n << 60n);
    expect(t.floor(100)?.start).toBe(5);
  });
});
