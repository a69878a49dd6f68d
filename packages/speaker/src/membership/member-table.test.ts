import { describe, expect, it } from 'vitest';
import { MemberTable } from './member-table.js';
import type { MemberState, MembershipEvent } from './types.js';

function table(state: MemberState, incarnation: number) {
  const t = new MemberTable();
  t.setPeers([{ node: 'x', address: 'a' }], 'me', []);
  const m = t.get('x')!;
  t.apply(m, incarnation, 'alive', []);
  if (state === 'suspect') t.setSuspect(m, true, []);
  else if (state !== 'alive') t.apply(m, incarnation, state, []);
  expect(m.state).toBe(state);
  return { t, m };
}

describe('MemberTable.apply (incarnation rule)', () => {
  it.each<[MemberState, 'alive' | 'dead' | 'left', number, MemberState, string | undefined]>([
    ['alive', 'dead', 5, 'dead', 'peer-dead'],
    ['suspect', 'dead', 5, 'dead', 'peer-dead'],
    ['dead', 'alive', 5, 'dead', undefined], // same incarnation: alive does not override
    ['dead', 'alive', 6, 'alive', 'peer-alive'], // newer: it does
    ['left', 'dead', 5, 'left', undefined],
    ['alive', 'left', 5, 'left', 'peer-left'],
    ['dead', 'left', 5, 'left', 'peer-left'],
    ['alive', 'dead', 4, 'alive', undefined], // older fact
    ['left', 'alive', 6, 'alive', 'peer-alive'],
    ['suspect', 'alive', 6, 'alive', 'peer-alive'],
  ])('%s@5 + %s@%d → %s', (from, fact, inc, want, event) => {
    const { t, m } = table(from, 5);
    const events: MembershipEvent[] = [];
    const tr = t.apply(m, inc, fact, events, { detectors: ['a', 'b'] });
    expect(m.state).toBe(want);
    expect(events.map((e) => e.kind)).toEqual(event ? [event] : []);
    expect(tr.newIncarnation).toBe(inc > 5);
    expect(t.down().has('x')).toBe(want === 'dead' || want === 'left');
  });

  it('announces new peers once and forgets removed ones', () => {
    const t = new MemberTable();
    const events: MembershipEvent[] = [];
    t.setPeers([{ node: 'x', address: 'a' }, { node: 'me', address: 'b' }], 'me', events);
    t.setPeers([{ node: 'x', address: 'c' }, { node: 'y', address: 'd' }], 'me', events);
    expect(events).toEqual([
      { kind: 'peer-alive', node: 'x', incarnation: 0, previous: 'unknown' },
      { kind: 'peer-alive', node: 'y', incarnation: 0, previous: 'unknown' },
    ]);
    expect(t.get('x')?.address).toBe('c');
    expect(t.get('me')).toBeUndefined();
    expect(t.setPeers([], 'me', []).removed.sort()).toEqual(['x', 'y']);
  });
});
