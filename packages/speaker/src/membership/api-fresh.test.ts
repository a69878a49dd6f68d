// The API-freshness bit of heartbeats (README, "API freshness"): what we send
// (setApiFresh) and what we conclude from what we hear (peersReportApiFresh).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodedSends, machine, packet, WALL0 } from './test-support/fixtures.js';
import type { PacketBody } from './wire.js';

const DEAD_AFTER_MS = 400; // the default deadAfterMs

/** A heartbeat from `sender`; apiFresh undefined: a version-1 heartbeat (no flag byte). */
type Heard = readonly [sender: string, apiFresh: boolean | undefined, at: number];

function hearing(heard: readonly Heard[]) {
  const { m } = machine('me', ['a', 'b', 'c']);
  m.tick(0, WALL0);
  const seqs = new Map<string, number>();
  for (const [sender, apiFresh, at] of heard) {
    const seq = (seqs.get(sender) ?? 0) + 1;
    seqs.set(sender, seq);
    const body: PacketBody = apiFresh === undefined ? { type: 'heartbeat' } : { type: 'heartbeat', apiFresh };
    m.receive(packet({ sender, incarnation: 5, seq, body }), at, WALL0 + at);
  }
  return m;
}

describe('Membership.setApiFresh', () => {
  it('heartbeats say fresh by default, stale after setApiFresh(false), fresh again after setApiFresh(true)', () => {
    const { m } = machine('me', ['a', 'b', 'c']);
    const heartbeatsAt = (now: number) => decodedSends(m.tick(now, WALL0 + now)).filter((p) => p.body.type === 'heartbeat');
    const first = heartbeatsAt(0);
    expect(first).toHaveLength(3);
    expect(first.every((p) => p.body.type === 'heartbeat' && p.body.apiFresh === true)).toBe(true);
    m.setApiFresh(false);
    const stale = heartbeatsAt(100);
    expect(stale).toHaveLength(3);
    expect(stale.every((p) => p.body.type === 'heartbeat' && p.body.apiFresh === false)).toBe(true);
    m.setApiFresh(true);
    expect(heartbeatsAt(200).every((p) => p.body.type === 'heartbeat' && p.body.apiFresh === true)).toBe(true);
  });
});

describe('Membership.peersReportApiFresh', () => {
  it.each<[string, Heard[], number, boolean]>([
    ['no heartbeat heard at all', [], 100, false],
    ['one fresh peer', [['a', true, 100]], 200, true],
    ['one fresh peer among stale ones', [['a', false, 100], ['b', true, 110], ['c', false, 120]], 200, true],
    ['every peer stale (the API server is down for everyone)', [['a', false, 100], ['b', false, 110], ['c', false, 120]], 200, false],
    ['a version-1 heartbeat (no flag) counts as fresh', [['a', undefined, 100]], 200, true],
    ['the last heartbeat counts: fresh, then stale', [['a', true, 100], ['a', false, 150]], 200, false],
    ['the last heartbeat counts: stale, then fresh', [['a', false, 100], ['a', true, 150]], 200, true],
    ['a fresh heartbeat just under deadAfterMs old', [['a', true, 100]], 100 + DEAD_AFTER_MS - 1, true],
    ['a fresh heartbeat deadAfterMs old is too old', [['a', true, 100]], 100 + DEAD_AFTER_MS, false],
    ['an old fresh heartbeat does not outvote recent stale ones', [['a', true, 100], ['b', false, 600]], 650, false],
  ])('%s', (_name, heard, now, expected) => {
    expect(hearing(heard).peersReportApiFresh(now)).toBe(expected);
  });

  it('ignores a dead peer, and a peer whose incarnation moved on since its last heartbeat', () => {
    const m = hearing([['a', true, 100]]);
    expect(m.peersReportApiFresh(150)).toBe(true);
    // b and c suspect a: a quorum of two, a is dead.
    m.receive(packet({ sender: 'b', incarnation: 5, seq: 1, body: { type: 'suspect', node: 'a', incarnation: 5 } }), 150, WALL0 + 150);
    m.receive(packet({ sender: 'c', incarnation: 5, seq: 1, body: { type: 'suspect', node: 'a', incarnation: 5 } }), 151, WALL0 + 151);
    expect(m.state('a')).toBe('dead');
    expect(m.peersReportApiFresh(152)).toBe(false);

    const n = hearing([['b', true, 100]]);
    // b restarted: its new incarnation says nothing yet about its API view.
    n.receive(packet({ sender: 'b', incarnation: 6, seq: 1, body: { type: 'alive', join: true } }), 120, WALL0 + 120);
    expect(n.state('b')).toBe('alive');
    expect(n.peersReportApiFresh(130)).toBe(false);
  });

  it('is true exactly when some peer\'s latest heartbeat, under deadAfterMs old, was fresh (property)', () => {
    const heardArb = fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.option(fc.boolean(), { nil: undefined }), fc.integer({ min: 1, max: 300 })), { maxLength: 20 });
    fc.assert(
      fc.property(heardArb, fc.integer({ min: 0, max: 800 }), (steps, after) => {
        // Absolute, increasing receive times.
        let t = 0;
        const heard: Heard[] = steps.map(([s, f, dt]) => [s, f, (t += dt)]);
        const now = t + after;
        const latest = new Map(heard.map(([s, f, at]) => [s, { fresh: f ?? true, at }]));
        const model = [...latest.values()].some((h) => h.fresh && now - h.at < DEAD_AFTER_MS);
        expect(hearing(heard).peersReportApiFresh(now)).toBe(model);
      }),
      { numRuns: 300 },
    );
  });
});
