import { describe, expect, it } from 'vitest';
import { EventCorrelator, type CorrelatorOptions } from './event-correlator.js';

type Step = [object: string, reason: string, message: string, atMs: number];
const run = (steps: Step[], o: CorrelatorOptions = {}) => {
  const c = new EventCorrelator(o);
  return { c, out: steps.map(([obj, reason, msg, at]) => { const r = c.observe(obj, 'Warning', reason, msg, at); return `${r.action}:${r.series.count}`; }) };
};

describe('EventCorrelator', () => {
  it.each<{ name: string; steps: Step[]; o?: CorrelatorOptions; want: string[] }>([
    { name: 'the same occurrence again is one series whose count goes up', steps: [['a', 'Failed', 'm', 0], ['a', 'Failed', 'm', 1_000], ['a', 'Failed', 'm', 2_000]], want: ['create:1', 'update:2', 'update:3'] },
    { name: 'a different message, reason or object is another series', steps: [['a', 'Failed', 'm', 0], ['a', 'Failed', 'n', 0], ['a', 'Other', 'm', 0], ['b', 'Failed', 'm', 0], ['a', 'Failed', 'm', 0]], want: ['create:1', 'create:1', 'create:1', 'create:1', 'update:2'] },
    { name: 'the window slides with the last occurrence', steps: [['a', 'F', 'm', 0], ['a', 'F', 'm', 900], ['a', 'F', 'm', 1_800], ['a', 'F', 'm', 2_700]], o: { windowMs: 1_000 }, want: ['create:1', 'update:2', 'update:3', 'update:4'] },
    { name: 'a series silent for longer than the window starts anew', steps: [['a', 'F', 'm', 0], ['a', 'F', 'm', 1_001], ['a', 'F', 'm', 1_500]], o: { windowMs: 1_000 }, want: ['create:1', 'create:1', 'update:2'] },
    { name: 'per object, the least recently seen series is forgotten', steps: [['a', 'F', '1', 0], ['a', 'F', '2', 1], ['a', 'F', '1', 2], ['a', 'F', '3', 3], ['a', 'F', '1', 4], ['a', 'F', '2', 5]], o: { maxSeriesPerObject: 2 }, want: ['create:1', 'create:1', 'update:2', 'create:1', 'update:3', 'create:1'] },
    { name: 'the per-object cap leaves other objects alone', steps: [['a', 'F', '1', 0], ['b', 'F', '1', 1], ['a', 'F', '2', 2], ['a', 'F', '3', 3], ['b', 'F', '1', 4]], o: { maxSeriesPerObject: 2 }, want: ['create:1', 'create:1', 'create:1', 'create:1', 'update:2'] },
    { name: 'overall, the least recently seen series of any object is forgotten', steps: [['a', 'F', '1', 0], ['b', 'F', '1', 1], ['a', 'F', '1', 2], ['c', 'F', '1', 3], ['a', 'F', '1', 4], ['b', 'F', '1', 5]], o: { maxSeries: 2 }, want: ['create:1', 'create:1', 'update:2', 'create:1', 'update:3', 'create:1'] },
  ])('$name', ({ steps, o, want }) => {
    expect(run(steps, o).out).toEqual(want);
  });

  it('stays within both bounds however many series it sees', () => {
    const c = new EventCorrelator({ maxSeriesPerObject: 3, maxSeries: 50 });
    for (let i = 0; i < 10_000; i++) {
      c.observe(`obj-${i % 40}`, 'Warning', 'F', `m-${i % 7}`, i);
      expect(c.size()).toBeLessThanOrEqual(50);
      expect(c.size(`obj-${i % 40}`)).toBeLessThanOrEqual(3);
    }
    expect(c.size()).toBe(50);
  });

  it('forgets an object on request', () => {
    const c = new EventCorrelator();
    c.observe('a', 'Warning', 'F', 'm', 0);
    c.forgetObject('a');
    expect(c.size()).toBe(0);
    expect(c.observe('a', 'Warning', 'F', 'm', 1).action).toBe('create');
  });
});
