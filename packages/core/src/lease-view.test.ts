import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { combineLiveness, LeaseView, parseRfc3339 } from './lease-view.js';

const WALL = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z'); // MicroTime: 6 fraction digits
const lease = (renewWall: number, holder = 'x', seconds = 10) => ({ renewTime: iso(renewWall), leaseDurationSeconds: seconds, holderIdentity: holder });

describe('LeaseView', () => {
  it('counts a first-seen Lease from its renewTime by wall clock, later ones from when we saw them change', () => {
    const v = new LeaseView();
    v.markApiFresh(0);
    v.observe('a', lease(WALL - 4_000), 0, WALL); // renewed 4 s ago: 6 s left
    v.observe('b', lease(WALL - 11_000), 0, WALL); // already expired
    expect(v.live(0)).toEqual(new Set(['a']));
    expect(v.expired(0)).toEqual(['b']);
    v.markApiFresh(5_999);
    expect(v.live(5_999)).toEqual(new Set(['a']));
    expect(v.live(6_000)).toEqual(new Set());
    // b renews: judged by our monotonic clock from the moment we see it, whatever its wall time says.
    v.observe('b', lease(WALL - 60_000 + 1), 7_000, WALL + 7_000);
    v.markApiFresh(7_000);
    expect(v.live(16_999)).toEqual(new Set(['b']));
    expect(v.live(17_000)).toEqual(new Set());
  });

  it('accepts a renewTime in the future (clock skew) as "now", once', () => {
    const v = new LeaseView();
    v.markApiFresh(0);
    v.observe('a', lease(WALL + 60_000), 0, WALL);
    expect(v.live(9_999).has('a')).toBe(true);
    expect(v.live(10_000).has('a')).toBe(false);
  });

  it('an unchanged Lease re-observed (a relist) does not count as a renewal; a holder change does', () => {
    const v = new LeaseView();
    v.markApiFresh(0);
    v.observe('a', lease(WALL), 0, WALL);
    v.markApiFresh(8_000);
    v.observe('a', lease(WALL), 8_000, WALL + 8_000);
    expect(v.live(10_000).has('a')).toBe(false);
    v.observe('a', lease(WALL, 'y'), 10_500, WALL + 10_500);
    v.markApiFresh(10_500);
    expect(v.live(10_500).has('a')).toBe(true);
  });

  it('a released Lease (empty holder) or one without renewTime is not live', () => {
    const v = new LeaseView();
    v.markApiFresh(0);
    v.observe('a', lease(WALL, ''), 0, WALL);
    v.observe('b', undefined, 0, WALL);
    v.observe('c', { leaseDurationSeconds: 10 }, 0, WALL);
    expect(v.live(0)).toEqual(new Set());
    expect(v.expired(0)).toEqual(['a', 'b', 'c']);
  });

  it('declares nobody dead while our own API view is stale; every Lease gets a full duration when it is fresh again', () => {
    const v = new LeaseView({ leaseDurationSeconds: 10 });
    v.markApiFresh(0);
    v.observe('a', lease(WALL), 0, WALL);
    v.observe('b', lease(WALL, '', 10), 0, WALL);
    expect(v.apiFresh(10_000)).toBe(true);
    expect(v.apiFresh(10_001)).toBe(false);
    // The API server is unreachable from 0 on: a's Lease runs out at 10 s but the layer stays silent.
    expect(v.live(30_000)).toEqual(new Set(['a']));
    expect(v.expired(30_000)).toEqual([]);
    // Reachable again at 30 s: a gets until 40 s to show a renewal.
    v.markApiFresh(30_000);
    expect(v.live(39_999)).toEqual(new Set(['a']));
    expect(v.expired(40_000)).toEqual(['a', 'b']);
    expect(v.nextChange(30_000)).toBe(40_000);
  });

  it('the first freshness after start gives no grace (a long-dead Lease is dead at once)', () => {
    const v = new LeaseView();
    v.observe('a', lease(WALL - 3_600_000), 50_000, WALL);
    v.markApiFresh(50_000);
    expect(v.expired(50_000)).toEqual(['a']);
  });

  it('forgets deleted Leases and lists what it holds', () => {
    const v = new LeaseView();
    v.observe('a', lease(WALL), 0, WALL);
    v.observe('b', lease(WALL), 0, WALL);
    v.delete('a');
    expect(v.nodes()).toEqual(['b']);
  });

  it('parseRfc3339 agrees with Date.parse on MicroTime and offsets (property), and rejects garbage', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.integer({ min: -14 * 60, max: 14 * 60 }), (ms, offsetMin) => {
        const z = new Date(ms).toISOString();
        expect(parseRfc3339(z.replace('Z', '123Z'))).toBeCloseTo(ms + 0.123, 6);
        const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 19);
        const sign = offsetMin < 0 ? '-' : '+';
        const abs = Math.abs(offsetMin);
        const withOffset = `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        expect(parseRfc3339(withOffset)).toBe(Date.parse(withOffset));
      }),
    );
    for (const bad of ['', 'yesterday', '2026-13-01T00:00:00Z', '2026-01-01T25:00:00Z', '2026-01-01 00:00:00']) expect(parseRfc3339(bad)).toBeUndefined();
  });
});

describe('combineLiveness', () => {
  it('a peer is live only when both layers say so; self whenever the heartbeat layer says so', () => {
    const lease = new Set(['me', 'a', 'b']);
    expect(combineLiveness(lease, new Set(['me', 'a', 'c']), 'me')).toEqual(new Set(['me', 'a']));
    expect(combineLiveness(new Set(), new Set(['me', 'a']), 'me')).toEqual(new Set(['me']));
    expect(combineLiveness(lease, new Set(['a']), 'me')).toEqual(new Set(['a'])); // leaving
  });
});
