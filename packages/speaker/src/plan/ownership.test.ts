import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServiceDecision } from '@ironlb/core';
import { planEntries } from './entries.js';
import { EMPTY_OWNERSHIP, nextHandoffExpiry, planOwnership, type OwnershipInput, type OwnershipState } from './ownership.js';

const d = (service: string, ips: string[], owner: string | undefined, interfaces: ServiceDecision['interfaces'] = 'all'): ServiceDecision => ({
  service, ips, pool: 'p', candidates: owner ? [owner] : [], owner, excluded: [], interfaces, advertisements: ['a'], ...(owner ? {} : { noOwner: 'no-candidates' as const }),
});
const decisions = (...ds: ServiceDecision[]) => new Map(ds.map((x) => [x.service, x]));
const cause = (at: number) => ({ reason: 'test', at });
const step = (prev: OwnershipState, ds: Map<string, ServiceDecision>, now: number, extra: Partial<OwnershipInput> = {}) =>
  planOwnership(prev, { self: 'a', decisions: ds, now, cause: cause(now), handoffMs: 1000, ...extra });

describe('planOwnership', () => {
  it('owns what the election gives this node, probing first only for a Service new since start-up', () => {
    const s1 = step(EMPTY_OWNERSHIP, decisions(d('ns/new', ['198.51.100.1'], 'a'), d('ns/old', ['198.51.100.2'], 'a'), d('ns/other', ['198.51.100.3'], 'b')), 0, { isNew: (k) => k === 'ns/new' });
    expect([...s1.state.owned.values()].map((o) => [o.ip, o.role, o.firstClaim])).toEqual([
      ['198.51.100.1', 'owner', true],
      ['198.51.100.2', 'owner', false],
    ]);
    expect(s1.changes.map((c) => [c.service, c.kind])).toEqual([['ns/new', 'elected'], ['ns/old', 'elected'], ['ns/other', 'none']]);
  });

  it('keeps `since` and reports nothing while the owner stays the same', () => {
    const ds = decisions(d('ns/x', ['198.51.100.1'], 'a'));
    const s1 = step(EMPTY_OWNERSHIP, ds, 0);
    const s2 = step(s1.state, ds, 500);
    expect(s2.changes).toEqual([]);
    expect(s2.state.owned.get('198.51.100.1')?.since).toBe(0);
  });

  it('hands an IP to its new owner quietly for handoffMs, then withdraws it', () => {
    const s1 = step(EMPTY_OWNERSHIP, decisions(d('ns/x', ['198.51.100.1', '2001:db8::1'], 'a')), 0);
    const s2 = step(s1.state, decisions(d('ns/x', ['198.51.100.1', '2001:db8::1'], 'b')), 100);
    expect(s2.changes).toMatchObject([{ service: 'ns/x', kind: 'lost', previousOwner: 'a', owner: 'b' }]);
    expect([...s2.state.owned.values()].map((o) => [o.ip, o.role, o.until])).toEqual([['198.51.100.1', 'handoff', 1100], ['2001:db8::1', 'handoff', 1100]]);
    expect(nextHandoffExpiry(s2.state)).toBe(1100);
    expect(planEntries(s2.state, ['eth0']).entries).toEqual([
      { ip: '198.51.100.1', iface: 'eth0', claim: 'failover', quiet: true },
      { ip: '2001:db8::1', iface: 'eth0', claim: 'failover', quiet: true },
    ]);
    // The same decisions later: the handoff keeps its deadline, then ends.
    expect(step(s2.state, decisions(d('ns/x', ['198.51.100.1', '2001:db8::1'], 'b')), 600).state.owned.get('198.51.100.1')?.until).toBe(1100);
    expect(step(s2.state, decisions(d('ns/x', ['198.51.100.1', '2001:db8::1'], 'b')), 1100).state.owned.size).toBe(0);
  });

  it('withdraws at once when nobody should announce (Service gone, no candidates)', () => {
    const s1 = step(EMPTY_OWNERSHIP, decisions(d('ns/x', ['198.51.100.1'], 'a'), d('ns/y', ['198.51.100.2'], 'a')), 0);
    const s2 = step(s1.state, decisions(d('ns/y', ['198.51.100.2'], undefined)), 10);
    expect(s2.state.owned.size).toBe(0);
    expect(s2.changes.map((c) => [c.service, c.kind, c.owner ?? null])).toEqual([['ns/y', 'lost', null], ['ns/x', 'lost', null]]);
  });

  it('regains an IP during its handoff as a fresh owner (a new burst)', () => {
    const s1 = step(EMPTY_OWNERSHIP, decisions(d('ns/x', ['198.51.100.1'], 'a')), 0);
    const s2 = step(s1.state, decisions(d('ns/x', ['198.51.100.1'], 'b')), 100);
    const s3 = step(s2.state, decisions(d('ns/x', ['198.51.100.1'], 'a')), 200);
    expect(s3.state.owned.get('198.51.100.1')).toMatchObject({ role: 'owner', since: 200 });
    expect(planEntries(s3.state, ['eth0']).entries[0]).toEqual({ ip: '198.51.100.1', iface: 'eth0', claim: 'failover' });
  });

  it.each([
    ['isolated', 0],
    ['strict-arp', 0],
    ['not-ready', 0],
    ['leaving', 1],
  ] as const)('announces nothing while suppressed (%s); only leaving hands over quietly', (suppress, left) => {
    const s1 = step(EMPTY_OWNERSHIP, decisions(d('ns/x', ['198.51.100.1'], 'a')), 0);
    const s2 = step(s1.state, decisions(d('ns/x', ['198.51.100.1'], 'a')), 10, { suppress });
    expect(s2.state.owned.size).toBe(left);
    if (left) expect(s2.state.owned.get('198.51.100.1')?.role).toBe('handoff');
  });

  it('announces a shared IP once, for every Service on it', () => {
    const s1 = step(EMPTY_OWNERSHIP, decisions(d('ns/udp', ['198.51.100.9'], 'a'), d('ns/tcp', ['198.51.100.9'], 'a')), 0);
    expect([...s1.state.owned.values()]).toMatchObject([{ ip: '198.51.100.9', services: ['ns/tcp', 'ns/udp'] }]);
    expect(planEntries(s1.state, ['eth0', 'eth1']).entries).toHaveLength(2);
  });
});

describe('planEntries', () => {
  it('uses the named interfaces that are eligible and reports the missing ones', () => {
    const s1 = step(EMPTY_OWNERSHIP, decisions(d('ns/x', ['198.51.100.1'], 'a', ['eth0', 'eth9'])), 0);
    const p = planEntries(s1.state, ['eth0', 'eth1']);
    expect(p.entries.map((e) => e.iface)).toEqual(['eth0']);
    expect(p.problems).toEqual([{ ip: '198.51.100.1', services: ['ns/x'], missing: ['eth9'] }]);
    expect(p.interfacesByIp.get('198.51.100.1')).toEqual(['eth0']);
  });

  it('reports an owned IP with no eligible interface at all', () => {
    const s1 = step(EMPTY_OWNERSHIP, decisions(d('ns/x', ['198.51.100.1'], 'a')), 0);
    expect(planEntries(s1.state, []).problems).toEqual([{ ip: '198.51.100.1', services: ['ns/x'], missing: ['(no eligible interface)'] }]);
  });
});

describe('planOwnership over random histories', () => {
  const nodes = ['a', 'b', 'c'];
  const ips = ['198.51.100.1', '198.51.100.2', '2001:db8::3'];
  const stepArb = fc.record({
    dt: fc.integer({ min: 0, max: 1500 }),
    owners: fc.array(fc.option(fc.constantFrom(...nodes), { nil: undefined }), { minLength: ips.length, maxLength: ips.length }),
    present: fc.array(fc.boolean(), { minLength: ips.length, maxLength: ips.length }),
    suppress: fc.option(fc.constantFrom('isolated' as const, 'leaving' as const, 'not-ready' as const), { nil: undefined, freq: 4 }),
  });

  it('owns exactly what the election gives it, hands over only to another owner, never longer than handoffMs, and names the previous owner', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 30 }), (steps) => {
        let state = EMPTY_OWNERSHIP;
        let now = 0;
        const lastOwner = new Map<string, string | undefined>();
        for (const st of steps) {
          now += st.dt;
          const ds = decisions(...ips.flatMap((ip, i) => (st.present[i] ? [d(`ns/s${i}`, [ip], st.owners[i])] : [])));
          const r = planOwnership(state, { self: 'a', decisions: ds, now, cause: cause(now), handoffMs: 1000, ...(st.suppress ? { suppress: st.suppress } : {}) });
          for (const [ip, o] of r.state.owned) {
            const i = ips.indexOf(ip);
            const mine = st.present[i] && st.owners[i] === 'a';
            if (o.role === 'owner') {
              expect(mine && !st.suppress).toBe(true);
            } else {
              expect(o.until! - now).toBeLessThanOrEqual(1000);
              expect(o.until!).toBeGreaterThan(now);
              // A handoff only when someone else (or our leaving) takes over.
              expect((st.present[i] && st.owners[i] !== undefined && st.owners[i] !== 'a') || st.suppress === 'leaving').toBe(true);
            }
          }
          if (!st.suppress) for (let i = 0; i < ips.length; i++) if (st.present[i] && st.owners[i] === 'a') expect(r.state.owned.get(ips[i]!)?.role).toBe('owner');
          for (const c of r.changes) {
            if (lastOwner.has(c.service)) expect(c.previousOwner).toBe(lastOwner.get(c.service));
            // A change is only reported when the owner or this node's announcing changed.
            expect(c.owner !== c.previousOwner || !lastOwner.has(c.service) || c.kind === 'elected' || c.kind === 'lost').toBe(true);
          }
          for (let i = 0; i < ips.length; i++) {
            const key = `ns/s${i}`;
            // Who announced it: this node only when it was not suppressed.
            if (st.present[i]) lastOwner.set(key, st.owners[i] === 'a' && st.suppress ? undefined : st.owners[i]);
            else lastOwner.delete(key);
          }
          state = r.state;
        }
      }),
      { numRuns: 300 },
    );
  });
});
