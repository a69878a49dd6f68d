import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue } from './event-queue.js';

describe('EventQueue', () => {
  it('pops in time order, ties in insertion order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 })), (times) => {
        const q = new EventQueue<{ at: number; i: number }>();
        times.forEach((at, i) => q.push({ at, i }));
        const out: { at: number; i: number }[] = [];
        for (let e = q.pop(); e; e = q.pop()) out.push(e);
        const want = times.map((at, i) => ({ at, i })).sort((a, b) => a.at - b.at || a.i - b.i);
        expect(out).toEqual(want);
        expect(q.size).toBe(0);
      }),
    );
  });
});
