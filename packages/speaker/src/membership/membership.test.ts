import { describe, expect, it } from 'vitest';
import { isIronlbError } from '@ironlb/core';
import { Membership } from './membership.js';
import { addressOf, decodedSends, eventsOf, KEY, machine, packet, peersOf, WALL0 } from './test-support/fixtures.js';
import type { HeartbeatDropReason, MembershipAction } from './types.js';

const INC_A = WALL0 - 5_000;

/** `me` with peers a and b, after a heartbeat from a (so a is known at INC_A). */
function withPeers() {
  const { m } = machine('me', ['a', 'b']);
  m.tick(0, WALL0);
  m.receive(packet({ sender: 'a', incarnation: INC_A, seq: 1, body: { type: 'heartbeat' } }), 1, WALL0 + 1);
  return m;
}

const last = (actions: readonly MembershipAction[]) => actions[actions.length - 1];

describe('Membership: receiving', () => {
  it.each<[HeartbeatDropReason, () => Uint8Array, string | undefined]>([
    ['malformed', () => new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]), undefined],
    ['unknown-key', () => packet({ sender: 'a', incarnation: INC_A, seq: 2, keyId: 'k9', body: { type: 'heartbeat' } }), 'a'],
    ['bad-mac', () => packet({ sender: 'a', incarnation: INC_A, seq: 2, secret: new Uint8Array(32).fill(9), body: { type: 'heartbeat' } }), 'a'],
    ['self', () => packet({ sender: 'me', incarnation: WALL0, seq: 2, body: { type: 'heartbeat' } }), 'me'],
    ['unknown-sender', () => packet({ sender: 'stranger', incarnation: INC_A, seq: 2, body: { type: 'heartbeat' } }), 'stranger'],
    ['stale', () => packet({ sender: 'a', incarnation: INC_A, seq: 2, timestamp: WALL0 - 31_000, body: { type: 'heartbeat' } }), 'a'],
    ['stale', () => packet({ sender: 'a', incarnation: INC_A, seq: 2, timestamp: WALL0 + 31_000, body: { type: 'heartbeat' } }), 'a'],
    ['replay', () => packet({ sender: 'a', incarnation: INC_A, seq: 1, body: { type: 'heartbeat' } }), 'a'],
    ['replay', () => packet({ sender: 'a', incarnation: INC_A - 1, seq: 9, body: { type: 'heartbeat' } }), 'a'],
  ])('drops and counts %s', (reason, bytes, from) => {
    const m = withPeers();
    const before = m.stats();
    const actions = m.receive(bytes(), 2, WALL0);
    expect(eventsOf(actions)).toContainEqual(from === undefined ? { kind: 'dropped', reason } : { kind: 'dropped', reason, from });
    const after = m.stats();
    expect(after.dropped[reason]).toBe(before.dropped[reason] + 1);
    expect(after.received).toBe(before.received + 1);
    expect(Object.values(after.dropped).reduce((x, y) => x + y)).toBe(1);
    expect(last(actions)?.kind).toBe('schedule');
  });

  it('accepts a fresh heartbeat within the clock window and reordered ones within the replay window', () => {
    const m = withPeers();
    for (const [seq, ts] of [[5, WALL0 + 29_000], [3, WALL0 - 29_000], [4, WALL0]] as const) {
      expect(eventsOf(m.receive(packet({ sender: 'a', incarnation: INC_A, seq, timestamp: ts, body: { type: 'heartbeat' } }), 3, WALL0))).toEqual([]);
    }
    expect(Object.values(m.stats().dropped).every((n) => n === 0)).toBe(true);
  });

  it('answers a packet from an older incarnation of a peer with a notice of the newer one', () => {
    const m = withPeers();
    const actions = m.receive(packet({ sender: 'a', incarnation: INC_A - 100, seq: 50, body: { type: 'heartbeat' } }), 5, WALL0);
    const notice = decodedSends(actions);
    expect(notice).toHaveLength(1);
    expect(notice[0]).toMatchObject({ to: addressOf('a'), body: { type: 'state', facts: [{ node: 'a', incarnation: INC_A, state: 'alive' }] } });
    // Rate-limited: a second one within noticeIntervalMs sends nothing.
    expect(decodedSends(m.receive(packet({ sender: 'a', incarnation: INC_A - 100, seq: 51, body: { type: 'heartbeat' } }), 6, WALL0))).toEqual([]);
  });

  it('refutes a suspicion about itself: bumps the incarnation and broadcasts alive twice', () => {
    const m = withPeers();
    const actions = m.receive(packet({ sender: 'a', incarnation: INC_A, seq: 2, body: { type: 'suspect', node: 'me', incarnation: WALL0 } }), 10, WALL0);
    expect(eventsOf(actions)).toEqual([{ kind: 'refuted', incarnation: WALL0 + 1 }]);
    expect(m.incarnation).toBe(WALL0 + 1);
    const sent = decodedSends(actions);
    expect(sent.map((p) => [p.to, p.body.type, p.header.incarnation])).toEqual([
      [addressOf('a'), 'alive', WALL0 + 1],
      [addressOf('b'), 'alive', WALL0 + 1],
    ]);
    const again = decodedSends(m.tick(60, WALL0 + 60)).filter((p) => p.body.type === 'alive' && !p.body.join);
    expect(again.map((p) => p.to).sort()).toEqual([addressOf('a'), addressOf('b')]);
    // An older suspicion (of the incarnation we already left behind) changes nothing.
    expect(eventsOf(m.receive(packet({ sender: 'b', incarnation: 1, seq: 1, body: { type: 'suspect', node: 'me', incarnation: WALL0 } }), 70, WALL0))).toEqual([]);
    expect(m.incarnation).toBe(WALL0 + 1);
  });

  it('marks a peer dead at a quorum of two distinct detectors, not at one', () => {
    const { m } = machine('me', ['a', 'b', 'c', 'x']);
    m.tick(0, WALL0);
    const suspect = (by: string, seq: number) => eventsOf(m.receive(packet({ sender: by, incarnation: 7, seq, body: { type: 'suspect', node: 'x', incarnation: 3 } }), 10, WALL0));
    expect(suspect('a', 1)).toEqual([{ kind: 'suspected', node: 'x', by: 'a' }]);
    expect(m.state('x')).toBe('suspect');
    expect(m.live().has('x')).toBe(true);
    expect(suspect('a', 2)).toEqual([]); // the same detector again
    expect(suspect('b', 1)).toEqual([
      { kind: 'suspected', node: 'x', by: 'b' },
      { kind: 'peer-dead', node: 'x', incarnation: 3, via: 'heartbeat', detectors: ['a', 'b'] },
    ]);
    expect(m.live().has('x')).toBe(false);
  });

  it('lets a lone suspicion expire after suspicionTtlMs', () => {
    const { m } = machine('me', ['a', 'b', 'c', 'x']);
    m.receive(packet({ sender: 'a', incarnation: 7, seq: 1, body: { type: 'suspect', node: 'x', incarnation: 3 } }), 10, WALL0);
    expect(m.state('x')).toBe('suspect');
    const aboutX = (actions: MembershipAction[]) => eventsOf(actions).filter((e) => 'node' in e && e.node === 'x');
    expect(aboutX(m.tick(2009, WALL0 + 2000))).toEqual([]);
    expect(aboutX(m.tick(2010, WALL0 + 2000))).toEqual([{ kind: 'peer-alive', node: 'x', incarnation: 3, previous: 'suspect' }]);
  });

  it('a rumour that a peer it hears first-hand is dead becomes a notice to that peer, not a verdict', () => {
    const m = withPeers();
    const actions = m.receive(packet({ sender: 'b', incarnation: 9, seq: 1, body: { type: 'state', request: false, answer: false, facts: [{ node: 'a', incarnation: INC_A, state: 'dead' }] } }), 50, WALL0);
    expect(m.state('a')).toBe('alive');
    expect(decodedSends(actions)).toMatchObject([{ to: addressOf('a'), body: { type: 'state', facts: [{ node: 'a', incarnation: INC_A, state: 'dead' }] } }]);
    // Not heard for deadAfterMs: the fact is believed.
    const later = m.receive(packet({ sender: 'b', incarnation: 9, seq: 2, body: { type: 'state', request: false, answer: false, facts: [{ node: 'a', incarnation: INC_A, state: 'dead' }] } }), 500, WALL0);
    expect(eventsOf(later)).toContainEqual({ kind: 'peer-dead', node: 'a', incarnation: INC_A, via: 'heartbeat', detectors: [], learnedFrom: 'b' });
  });

  it('marks a peer left at once on its goodbye, and revives it at a newer incarnation', () => {
    const m = withPeers();
    expect(eventsOf(m.receive(packet({ sender: 'a', incarnation: INC_A, seq: 2, body: { type: 'leave' } }), 5, WALL0))).toEqual([{ kind: 'peer-left', node: 'a', incarnation: INC_A }]);
    expect(m.live()).toEqual(new Set(['me', 'b']));
    // Stragglers from before the goodbye change nothing.
    expect(eventsOf(m.receive(packet({ sender: 'a', incarnation: INC_A, seq: 3, body: { type: 'heartbeat' } }), 6, WALL0))).toEqual([]);
    expect(eventsOf(m.receive(packet({ sender: 'a', incarnation: INC_A + 1, seq: 1, body: { type: 'alive', join: true } }), 7, WALL0))).toEqual([
      { kind: 'peer-alive', node: 'a', incarnation: INC_A + 1, previous: 'left' },
    ]);
  });

  it('answers a join with its dead/left facts, telling a revived joiner it was down', () => {
    const m = withPeers();
    m.receive(packet({ sender: 'b', incarnation: 4, seq: 1, body: { type: 'leave' } }), 5, WALL0);
    const actions = m.receive(packet({ sender: 'b', incarnation: 5, seq: 1, body: { type: 'alive', join: true } }), 6, WALL0);
    expect(decodedSends(actions)).toMatchObject([{ to: addressOf('b'), body: { type: 'state', answer: true, facts: [{ node: 'b', incarnation: 4, state: 'left' }] } }]);
  });

  it('leave: goodbye to every peer twice, not live, then silent', () => {
    const m = withPeers();
    const first = m.leave(100, WALL0 + 100);
    expect(decodedSends(first).map((p) => [p.to, p.body.type])).toEqual([
      [addressOf('a'), 'leave'],
      [addressOf('b'), 'leave'],
    ]);
    expect(last(first)).toEqual({ kind: 'schedule', at: 120 });
    expect(m.live()).toEqual(new Set(['a', 'b']));
    expect(m.state('me')).toBe('left');
    const second = m.tick(120, WALL0 + 120);
    expect(decodedSends(second).map((p) => p.body.type)).toEqual(['leave', 'leave']);
    expect(last(second)).toEqual({ kind: 'schedule', at: null });
    expect(decodedSends(m.receive(packet({ sender: 'a', incarnation: INC_A, seq: 9, body: { type: 'suspect', node: 'me', incarnation: WALL0 } }), 130, WALL0))).toEqual([]);
  });
});

describe('Membership: lifecycle', () => {
  it('joins its ring neighbours once keys and peers are known, and heartbeats its successors every interval', () => {
    const m = new Membership({ self: 'me', incarnation: WALL0, random: () => 0.5 });
    expect(last(m.setPeers(peersOf(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']), 0, WALL0))).toEqual({ kind: 'schedule', at: 1000 });
    expect(last(m.setKeys([KEY], 0))).toEqual({ kind: 'schedule', at: 0 });
    const first = decodedSends(m.tick(0, WALL0));
    const joins = first.filter((p) => p.body.type === 'alive');
    const { heartbeatsTo, watching } = m.neighbours();
    expect(joins.length).toBe(new Set([...heartbeatsTo, ...watching]).size + 3);
    expect(first.filter((p) => p.body.type === 'heartbeat').map((p) => p.to)).toEqual(heartbeatsTo.map(addressOf));
    expect(heartbeatsTo).toHaveLength(3);
    expect(decodedSends(m.tick(50, WALL0 + 50)).filter((p) => p.body.type === 'alive')).toHaveLength(joins.length);
    expect(decodedSends(m.tick(99, WALL0 + 99)).filter((p) => p.body.type === 'heartbeat')).toEqual([]);
    expect(decodedSends(m.tick(100, WALL0 + 100)).filter((p) => p.body.type === 'heartbeat')).toHaveLength(3);
  });

  it('sends nothing without keys, and says so by not scheduling heartbeats', () => {
    const m = new Membership({ self: 'me', incarnation: WALL0 });
    m.setPeers(peersOf(['a', 'b']), 0, WALL0);
    const actions = m.tick(0, WALL0);
    expect(decodedSends(actions)).toEqual([]);
    expect(last(actions)).toEqual({ kind: 'schedule', at: 1000 });
  });

  it('is not ready before startupWaitMs without answers, even when it knows no peer (a cold start)', () => {
    const { m } = machine('me', ['a', 'b']);
    m.tick(0, WALL0);
    expect(m.ready(999)).toBe(false);
    expect(m.ready(1000)).toBe(true);
    expect(m.ready(0)).toBe(true); // latched
    const alone = new Membership({ self: 'solo', incarnation: WALL0 });
    expect(alone.ready(0)).toBe(false);
    alone.setPeers([], 0, WALL0);
    expect(alone.ready(0)).toBe(false);
    expect(alone.ready(999)).toBe(false);
    expect(alone.ready(1000)).toBe(true);
  });

  it('is ready early once a join answer and a heartbeat from every watched node arrived', () => {
    const { m } = machine('me', ['a', 'b']);
    m.tick(0, WALL0);
    for (const [i, n] of ['a', 'b'].entries()) m.receive(packet({ sender: n, incarnation: 5, seq: 1, body: { type: 'heartbeat' } }), 10 + i, WALL0);
    expect(m.ready(20)).toBe(false); // no answer yet
    m.receive(packet({ sender: 'a', incarnation: 5, seq: 2, body: { type: 'state', request: false, answer: true, facts: [] } }), 30, WALL0);
    expect(m.ready(31)).toBe(true);
  });

  it('suspects a watched peer deadAfterMs after its last heartbeat, one it never heard after the extra grace', () => {
    const { m } = machine('me', ['a', 'b']);
    m.tick(0, WALL0);
    m.receive(packet({ sender: 'a', incarnation: 5, seq: 1, body: { type: 'heartbeat' } }), 100, WALL0);
    expect(last(m.tick(499, WALL0))).toEqual({ kind: 'schedule', at: 500 }); // a's deadline (b's is 0 + 400 + 1000)
    expect(eventsOf(m.tick(500, WALL0))).toEqual([{ kind: 'suspected', node: 'a', by: 'me' }]);
    // Three nodes: a has two watchers, so our suspicion alone is no verdict.
    expect(m.state('a')).toBe('suspect');
    expect(eventsOf(m.tick(1399, WALL0))).toEqual([]);
    expect(eventsOf(m.tick(1400, WALL0))).toEqual([{ kind: 'suspected', node: 'b', by: 'me' }]);
    const verdict = m.receive(packet({ sender: 'b', incarnation: 6, seq: 1, body: { type: 'suspect', node: 'a', incarnation: 5 } }), 1500, WALL0);
    expect(eventsOf(verdict)).toEqual([
      { kind: 'peer-alive', node: 'b', incarnation: 6, previous: 'suspect' }, // b's packet: it runs
      { kind: 'suspected', node: 'a', by: 'b' },
      { kind: 'peer-dead', node: 'a', incarnation: 5, via: 'heartbeat', detectors: ['b', 'me'], silentMs: 1400 },
    ]);
  });

  it('repeats a standing suspicion that made no verdict to the node and its other watchers only', () => {
    const { m } = machine('me', ['a', 'b', 'c', 'd', 'e', 'f']);
    m.tick(0, WALL0);
    const [a] = m.neighbours().watching as [string];
    m.receive(packet({ sender: a, incarnation: 5, seq: 1, body: { type: 'heartbeat' } }), 100, WALL0);
    const first = decodedSends(m.tick(500, WALL0)).filter((p) => p.body.type === 'suspect');
    expect(first).toHaveLength(6); // a broadcast to every peer…
    expect(decodedSends(m.tick(550, WALL0)).filter((p) => p.body.type === 'suspect')).toHaveLength(6); // …twice
    const renew = decodedSends(m.tick(1500, WALL0)).filter((p) => p.body.type === 'suspect' && p.body.node === a);
    expect(renew.length).toBeGreaterThanOrEqual(3);
    expect(renew.length).toBeLessThanOrEqual(4); // a itself and its watchers but us
    expect(renew.map((p) => p.to)).toContain(addressOf(a));
    expect(renew.map((p) => p.to)).not.toContain(addressOf('me'));
    expect(decodedSends(m.tick(1600, WALL0)).filter((p) => p.body.type === 'suspect' && p.body.node === a)).toEqual([]);
  });

  it('withdraws its own suspicion when it hears the peer again', () => {
    const { m } = machine('me', ['a', 'b', 'c', 'd']);
    m.tick(0, WALL0);
    const [a] = m.neighbours().watching as [string];
    m.receive(packet({ sender: a, incarnation: 5, seq: 1, body: { type: 'heartbeat' } }), 100, WALL0);
    expect(eventsOf(m.tick(500, WALL0))).toContainEqual({ kind: 'suspected', node: a, by: 'me' });
    expect(m.state(a)).toBe('suspect');
    expect(eventsOf(m.receive(packet({ sender: a, incarnation: 5, seq: 2, body: { type: 'heartbeat' } }), 510, WALL0))).toEqual([{ kind: 'peer-alive', node: a, incarnation: 5, previous: 'suspect' }]);
  });

  it('rejects a bad config with IronlbError(Config)', () => {
    let err: unknown;
    try {
      new Membership({ self: 'me', incarnation: 1, config: { watchers: 0 } });
    } catch (e) {
      err = e;
    }
    expect(isIronlbError(err, 'IRONLB_CONFIG')).toBe(true);
  });
});
