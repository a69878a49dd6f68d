// Step tables: each step is one operation and the state expected right after it
// (assignments of every Service, and per-pool use), asserted at every step.
import { describe, expect, it } from 'vitest';
import type { PoolView } from '@ironlb/core';
import { Allocator } from './allocator.js';
import type { ServiceView } from './service-view.js';
import { pool, svc } from './test-support/fixtures.js';




const dual = (over: Partial<ServiceView> = {}): Partial<ServiceView> => ({ ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack', ...over });
const v6 = (over: Partial<ServiceView> = {}): Partial<ServiceView> => ({ ipFamilies: ['IPv6'], ...over });

/** Recursively freezes a value so any mutation by the code under test throws. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

type Want = Record<string, unknown>;
type Op =
  | { allocate: ServiceView; want: Want }
  | { release: string; want: Want }
  | { restore: { service: ServiceView; ips: string[] }[]; want: Want[] }
  | { setPools: PoolView[]; want: Want };

interface Step {
  op: Op;
  /** Every Service's IPs after the step ("ns/name" -> ips). */
  state: Record<string, string[]>;
  /** Optional per-pool [assignedIPv4, assignedIPv6] after the step. */
  used?: Record<string, [number, number]>;
}

function run(pools: PoolView[], steps: Step[]): void {
  // Inputs are frozen: any mutation by the allocator would throw here.
  const a = new Allocator(deepFreeze(pools));
  steps.forEach((step, i) => {
    const op = deepFreeze(step.op);
    const where = `step ${i + 1}`;
    if ('allocate' in op) expect(a.allocate(op.allocate), where).toMatchObject(op.want);
    else if ('release' in op) expect(a.release(op.release), where).toMatchObject(op.want);
    else if ('restore' in op) expect(a.restore(op.restore), where).toMatchObject(op.want);
    else expect(a.setPools(op.setPools), where).toMatchObject(op.want);
    expect(Object.fromEntries(a.assignments().map((x) => [x.service, x.ips])), `${where} state`).toEqual(step.state);
    for (const [name, [u4, u6]] of Object.entries(step.used ?? {})) {
      const u = a.usage(name);
      expect([u?.assignedIPv4, u?.assignedIPv6], `${where} usage of ${name}`).toEqual([BigInt(u4), BigInt(u6)]);
    }
  });
}

const small = pool('small', { addresses: ['10.0.0.0/30'] });
const tcp = (port: number) => [{ protocol: 'TCP', port }];

describe('allocator steps', () => {
  it('first-fit, exhaustion, release frees for pending Services', () =>
    run(
      [small],
      [
        { op: { allocate: svc('a/1'), want: { ok: true, ips: ['10.0.0.0'], pool: 'small', change: 'new' } }, state: { 'a/1': ['10.0.0.0'] }, used: { small: [1, 0] } },
        { op: { allocate: svc('a/2'), want: { ips: ['10.0.0.1'] } }, state: { 'a/1': ['10.0.0.0'], 'a/2': ['10.0.0.1'] } },
        { op: { allocate: svc('a/1'), want: { ok: true, ips: ['10.0.0.0'], change: 'kept' } }, state: { 'a/1': ['10.0.0.0'], 'a/2': ['10.0.0.1'] } },
        { op: { allocate: svc('a/3'), want: { ips: ['10.0.0.2'] } }, state: { 'a/1': ['10.0.0.0'], 'a/2': ['10.0.0.1'], 'a/3': ['10.0.0.2'] } },
        { op: { allocate: svc('a/4'), want: { ips: ['10.0.0.3'] } }, state: { 'a/1': ['10.0.0.0'], 'a/2': ['10.0.0.1'], 'a/3': ['10.0.0.2'], 'a/4': ['10.0.0.3'] }, used: { small: [4, 0] } },
        {
          op: { allocate: svc('a/5'), want: { ok: false, reason: 'exhausted', message: expect.stringContaining('no available IPs') } },
          state: { 'a/1': ['10.0.0.0'], 'a/2': ['10.0.0.1'], 'a/3': ['10.0.0.2'], 'a/4': ['10.0.0.3'] },
        },
        { op: { release: 'a/2', want: { held: true, ips: ['10.0.0.1'], freed: ['10.0.0.1'] } }, state: { 'a/1': ['10.0.0.0'], 'a/3': ['10.0.0.2'], 'a/4': ['10.0.0.3'] }, used: { small: [3, 0] } },
        { op: { release: 'a/2', want: { held: false, ips: [] } }, state: { 'a/1': ['10.0.0.0'], 'a/3': ['10.0.0.2'], 'a/4': ['10.0.0.3'] } },
        { op: { allocate: svc('a/5'), want: { ok: true, ips: ['10.0.0.1'] } }, state: { 'a/1': ['10.0.0.0'], 'a/3': ['10.0.0.2'], 'a/4': ['10.0.0.3'], 'a/5': ['10.0.0.1'] } },
      ],
    ));

  it('ranges in spec order, IPv4 and IPv6 mixed, avoidBuggyIPs', () =>
    run(
      [pool('mix', { addresses: ['10.0.1.255-10.0.2.1', '2001:db8::/126', '10.0.0.7/32'], avoidBuggyIPs: true })],
      [
        { op: { allocate: svc('a/1'), want: { ips: ['10.0.2.1'] } }, state: { 'a/1': ['10.0.2.1'] } },
        { op: { allocate: svc('a/2'), want: { ips: ['10.0.0.7'] } }, state: { 'a/1': ['10.0.2.1'], 'a/2': ['10.0.0.7'] } },
        { op: { allocate: svc('a/3'), want: { ok: false, reason: 'exhausted' } }, state: { 'a/1': ['10.0.2.1'], 'a/2': ['10.0.0.7'] } },
        { op: { allocate: svc('a/4', v6()), want: { ips: ['2001:db8::'] } }, state: { 'a/1': ['10.0.2.1'], 'a/2': ['10.0.0.7'], 'a/4': ['2001:db8::'] }, used: { mix: [2, 1] } },
        {
          op: { allocate: svc('a/5', { requestedIPs: ['10.0.2.0'] }), want: { ok: false, reason: 'ip-not-in-pool', message: expect.stringContaining('avoidBuggyIPs') } },
          state: { 'a/1': ['10.0.2.1'], 'a/2': ['10.0.0.7'], 'a/4': ['2001:db8::'] },
        },
      ],
    ));

  it('dual-stack: RequireDualStack from one pool, PreferDualStack falls back, SingleStack follows the first family', () =>
    run(
      [pool('a-v4', { addresses: ['10.0.0.0/31'] }), pool('b-dual', { addresses: ['10.0.1.0/32', '2001:db8::/127'] }), pool('c-v6', { addresses: ['2001:db8:1::/127'] })],
      [
        { op: { allocate: svc('x/req', dual()), want: { ok: true, pool: 'b-dual', ips: ['10.0.1.0', '2001:db8::'] } }, state: { 'x/req': ['10.0.1.0', '2001:db8::'] } },
        {
          op: { allocate: svc('x/v6first', dual({ ipFamilies: ['IPv6', 'IPv4'] })), want: { ok: false, reason: 'exhausted' } },
          state: { 'x/req': ['10.0.1.0', '2001:db8::'] },
        },
        {
          op: { allocate: svc('x/pref', dual({ ipFamilyPolicy: 'PreferDualStack' })), want: { ok: true, pool: 'a-v4', ips: ['10.0.0.0'] } },
          state: { 'x/req': ['10.0.1.0', '2001:db8::'], 'x/pref': ['10.0.0.0'] },
        },
        {
          op: { allocate: svc('x/pref6', dual({ ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6', 'IPv4'] })), want: { ok: true, pool: 'b-dual', ips: ['2001:db8::1'] } },
          state: { 'x/req': ['10.0.1.0', '2001:db8::'], 'x/pref': ['10.0.0.0'], 'x/pref6': ['2001:db8::1'] },
        },
        {
          op: { allocate: svc('x/single6', { ipFamilies: ['IPv6', 'IPv4'], ipFamilyPolicy: 'SingleStack' }), want: { ok: true, pool: 'c-v6', ips: ['2001:db8:1::'] } },
          state: { 'x/req': ['10.0.1.0', '2001:db8::'], 'x/pref': ['10.0.0.0'], 'x/pref6': ['2001:db8::1'], 'x/single6': ['2001:db8:1::'] },
        },
        { op: { release: 'x/req', want: { freed: ['10.0.1.0', '2001:db8::'] } }, state: { 'x/pref': ['10.0.0.0'], 'x/pref6': ['2001:db8::1'], 'x/single6': ['2001:db8:1::'] } },
        {
          // PreferDualStack keeps its address and gains the missing family from the same pool.
          op: { allocate: svc('x/pref6', dual({ ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6', 'IPv4'] })), want: { ok: true, change: 'added-family', ips: ['2001:db8::1', '10.0.1.0'] } },
          state: { 'x/pref': ['10.0.0.0'], 'x/pref6': ['2001:db8::1', '10.0.1.0'], 'x/single6': ['2001:db8:1::'] },
          used: { 'b-dual': [1, 1] },
        },
        {
          op: { allocate: svc('x/bad', { ipFamilies: ['IPv4'], ipFamilyPolicy: 'RequireDualStack' }), want: { ok: false, reason: 'invalid-request' } },
          state: { 'x/pref': ['10.0.0.0'], 'x/pref6': ['2001:db8::1', '10.0.1.0'], 'x/single6': ['2001:db8:1::'] },
        },
      ],
    ));

  it('requested IPs and pools, autoAssign false', () =>
    run(
      [pool('auto', { addresses: ['10.0.0.0/30'] }), pool('manual', { addresses: ['192.0.2.0/30', '2001:db8::/126'], autoAssign: false })],
      [
        { op: { allocate: svc('r/ip', { requestedIPs: ['192.0.2.2'] }), want: { ok: true, pool: 'manual', ips: ['192.0.2.2'] } }, state: { 'r/ip': ['192.0.2.2'] } },
        { op: { allocate: svc('r/pool', { requestedPool: 'manual' }), want: { ok: true, ips: ['192.0.2.0'] } }, state: { 'r/ip': ['192.0.2.2'], 'r/pool': ['192.0.2.0'] } },
        { op: { allocate: svc('r/auto'), want: { ok: true, pool: 'auto', ips: ['10.0.0.0'] } }, state: { 'r/ip': ['192.0.2.2'], 'r/pool': ['192.0.2.0'], 'r/auto': ['10.0.0.0'] } },
        ...(
          [
            [svc('r/e1', { requestedIPs: ['192.0.2.2'] }), 'ip-in-use', 'used by r/ip'],
            [svc('r/e2', { requestedIPs: ['198.51.100.1'] }), 'ip-not-in-pool', 'not in any IPAddressPool'],
            [svc('r/e3', { requestedIPs: ['10.0.0.3'], requestedPool: 'manual' }), 'ip-not-in-pool', 'not in the requested pool manual'],
            [svc('r/e4', { requestedPool: 'nope' }), 'pool-not-found', '"nope"'],
            [svc('r/e5', { requestedIPs: ['2001:db8::1'] }), 'wrong-family', 'SingleStack IPv4'],
            [svc('r/e6', v6({ requestedPool: 'auto' })), 'wrong-family', 'pool auto has no IPv6'],
            [svc('r/e7', { requestedIPs: ['10.0.0.1', '10.0.0.2'] }), 'invalid-request', 'two IPv4'],
            [svc('r/e8', { requestedIPs: ['nonsense'] }), 'invalid-request', '"nonsense"'],
            [svc('r/e9', dual({ requestedIPs: ['192.0.2.3'] })), 'wrong-family', 'RequireDualStack'],
            [svc('r/e10', dual({ requestedIPs: ['10.0.0.3', '2001:db8::1'] })), 'ip-not-in-pool', 'must come from one pool'],
          ] as const
        ).map(([s, reason, text]) => ({
          op: { allocate: s, want: { ok: false, reason, message: expect.stringContaining(text) } },
          state: { 'r/ip': ['192.0.2.2'], 'r/pool': ['192.0.2.0'], 'r/auto': ['10.0.0.0'] },
        })),
        {
          op: { allocate: svc('r/dual', dual({ requestedIPs: ['2001:db8::3', '192.0.2.3'], requestedPool: 'manual' })), want: { ok: true, ips: ['192.0.2.3', '2001:db8::3'] } },
          state: { 'r/ip': ['192.0.2.2'], 'r/pool': ['192.0.2.0'], 'r/auto': ['10.0.0.0'], 'r/dual': ['192.0.2.3', '2001:db8::3'] },
        },
        {
          // Changing the request moves the Service and releases the old address.
          op: { allocate: svc('r/ip', { requestedIPs: ['192.0.2.1'] }), want: { ok: true, change: 'moved', ips: ['192.0.2.1'], released: ['192.0.2.2'] } },
          state: { 'r/ip': ['192.0.2.1'], 'r/pool': ['192.0.2.0'], 'r/auto': ['10.0.0.0'], 'r/dual': ['192.0.2.3', '2001:db8::3'] },
        },
        {
          op: { allocate: svc('r/auto', { requestedPool: 'manual' }), want: { ok: true, change: 'moved', ips: ['192.0.2.2'], released: ['10.0.0.0'] } },
          state: { 'r/ip': ['192.0.2.1'], 'r/pool': ['192.0.2.0'], 'r/auto': ['192.0.2.2'], 'r/dual': ['192.0.2.3', '2001:db8::3'] },
          used: { auto: [0, 0], manual: [4, 1] },
        },
        {
          // Annotation removed: the Service keeps what it has (no reshuffle), even from an autoAssign: false pool.
          op: { allocate: svc('r/auto'), want: { ok: true, change: 'kept', ips: ['192.0.2.2'] } },
          state: { 'r/ip': ['192.0.2.1'], 'r/pool': ['192.0.2.0'], 'r/auto': ['192.0.2.2'], 'r/dual': ['192.0.2.3', '2001:db8::3'] },
        },
      ],
    ));

  it('serviceAllocation: selected pools first by priority, then the rest by name', () => {
    const pools = [
      pool('z-generic', { addresses: ['10.9.0.0/30'] }),
      pool('a-generic', { addresses: ['10.8.0.0/30'] }),
      pool('team', { addresses: ['10.1.0.0/32'], serviceAllocation: { priority: 20, namespaces: ['team'] } }),
      pool('team-fast', { addresses: ['10.2.0.0/32'], serviceAllocation: { priority: 10, namespaceSelectors: [{ matchLabels: { tier: 'gold' } }] } }),
      pool('web', { addresses: ['10.3.0.0/32'], serviceAllocation: { serviceSelectors: [{ matchLabels: { app: 'web' } }] } }),
      pool('team-web', { addresses: ['10.4.0.0/32'], serviceAllocation: { priority: 1, namespaces: ['team'], serviceSelectors: [{ matchLabels: { app: 'web' } }] } }),
    ];
    const gold = { namespaceLabels: { tier: 'gold' } };
    run(pools, [
      { op: { allocate: svc('team/1', gold), want: { pool: 'team-fast', ips: ['10.2.0.0'] } }, state: { 'team/1': ['10.2.0.0'] } },
      { op: { allocate: svc('team/2', gold), want: { pool: 'team', ips: ['10.1.0.0'] } }, state: { 'team/1': ['10.2.0.0'], 'team/2': ['10.1.0.0'] } },
      { op: { allocate: svc('team/3', gold), want: { pool: 'a-generic', ips: ['10.8.0.0'] } }, state: { 'team/1': ['10.2.0.0'], 'team/2': ['10.1.0.0'], 'team/3': ['10.8.0.0'] } },
      {
        op: { allocate: svc('team/4', { labels: { app: 'web' } }), want: { pool: 'team-web', ips: ['10.4.0.0'] } },
        state: { 'team/1': ['10.2.0.0'], 'team/2': ['10.1.0.0'], 'team/3': ['10.8.0.0'], 'team/4': ['10.4.0.0'] },
      },
      {
        // team-web needs both namespace team AND app=web; web (priority 0) admits any namespace.
        op: { allocate: svc('other/1', { labels: { app: 'web' } }), want: { pool: 'web', ips: ['10.3.0.0'] } },
        state: { 'team/1': ['10.2.0.0'], 'team/2': ['10.1.0.0'], 'team/3': ['10.8.0.0'], 'team/4': ['10.4.0.0'], 'other/1': ['10.3.0.0'] },
      },
      {
        op: { allocate: svc('other/2', { requestedPool: 'team' }), want: { ok: false, reason: 'pool-not-allowed' } },
        state: { 'team/1': ['10.2.0.0'], 'team/2': ['10.1.0.0'], 'team/3': ['10.8.0.0'], 'team/4': ['10.4.0.0'], 'other/1': ['10.3.0.0'] },
      },
      {
        // The Service's labels change so the pool no longer selects it: it moves.
        op: { allocate: svc('other/1', { labels: { app: 'api' } }), want: { ok: true, change: 'moved', pool: 'a-generic', ips: ['10.8.0.1'], released: ['10.3.0.0'] } },
        state: { 'team/1': ['10.2.0.0'], 'team/2': ['10.1.0.0'], 'team/3': ['10.8.0.0'], 'team/4': ['10.4.0.0'], 'other/1': ['10.8.0.1'] },
      },
    ]);
  });

  it('sharing: same key, no port clash, Local needs the same selector; last sharer frees', () => {
    const dns = (key: string, port: number, over: Partial<ServiceView> = {}) => svc(key, { sharingKey: 'dns', ports: tcp(port), ...over });
    run(
      [pool('p', { addresses: ['10.0.0.0/31'] })],
      [
        { op: { allocate: dns('s/udp', 53, { ports: [{ protocol: 'UDP', port: 53 }] }), want: { ips: ['10.0.0.0'] } }, state: { 's/udp': ['10.0.0.0'] } },
        { op: { allocate: dns('s/tcp', 53), want: { ips: ['10.0.0.0'] } }, state: { 's/udp': ['10.0.0.0'], 's/tcp': ['10.0.0.0'] }, used: { p: [1, 0] } },
        { op: { allocate: dns('s/clash', 53), want: { ok: true, ips: ['10.0.0.1'] } }, state: { 's/udp': ['10.0.0.0'], 's/tcp': ['10.0.0.0'], 's/clash': ['10.0.0.1'] } },
        {
          op: { allocate: dns('s/clash2', 53, { requestedIPs: ['10.0.0.0'] }), want: { ok: false, reason: 'sharing-conflict', message: expect.stringContaining('port TCP/53 on 10.0.0.0') } },
          state: { 's/udp': ['10.0.0.0'], 's/tcp': ['10.0.0.0'], 's/clash': ['10.0.0.1'] },
        },
        {
          op: { allocate: svc('s/nokey', { requestedIPs: ['10.0.0.0'], ports: tcp(8080) }), want: { ok: false, reason: 'ip-in-use' } },
          state: { 's/udp': ['10.0.0.0'], 's/tcp': ['10.0.0.0'], 's/clash': ['10.0.0.1'] },
        },
        {
          op: { allocate: dns('s/otherkey', 8080, { sharingKey: 'web', requestedIPs: ['10.0.0.0'] }), want: { ok: false, reason: 'ip-in-use', message: expect.stringContaining('"dns"') } },
          state: { 's/udp': ['10.0.0.0'], 's/tcp': ['10.0.0.0'], 's/clash': ['10.0.0.1'] },
        },
        {
          op: { allocate: dns('s/local', 8080, { externalTrafficPolicy: 'Local', requestedIPs: ['10.0.0.0'] }), want: { ok: false, reason: 'sharing-conflict', message: expect.stringContaining('same selector') } },
          state: { 's/udp': ['10.0.0.0'], 's/tcp': ['10.0.0.0'], 's/clash': ['10.0.0.1'] },
        },
        { op: { release: 's/udp', want: { ips: ['10.0.0.0'], freed: [] } }, state: { 's/tcp': ['10.0.0.0'], 's/clash': ['10.0.0.1'] }, used: { p: [2, 0] } },
        { op: { release: 's/tcp', want: { ips: ['10.0.0.0'], freed: ['10.0.0.0'] } }, state: { 's/clash': ['10.0.0.1'] }, used: { p: [1, 0] } },
        {
          op: { allocate: svc('s/l1', { sharingKey: 'k', externalTrafficPolicy: 'Local', selector: { app: 'x' }, ports: tcp(1) }), want: { ips: ['10.0.0.0'] } },
          state: { 's/clash': ['10.0.0.1'], 's/l1': ['10.0.0.0'] },
        },
        {
          op: { allocate: svc('s/l2', { sharingKey: 'k', externalTrafficPolicy: 'Local', selector: { app: 'x' }, ports: tcp(2) }), want: { ips: ['10.0.0.0'] } },
          state: { 's/clash': ['10.0.0.1'], 's/l1': ['10.0.0.0'], 's/l2': ['10.0.0.0'] },
        },
        {
          // A sharer's ports change to clash: it must leave the shared address (and finds no other).
          op: { allocate: svc('s/l2', { sharingKey: 'k', externalTrafficPolicy: 'Local', selector: { app: 'x' }, ports: tcp(1) }), want: { ok: false, reason: 'exhausted', released: ['10.0.0.0'] } },
          state: { 's/clash': ['10.0.0.1'], 's/l1': ['10.0.0.0'] },
        },
        {
          // A sole holder may change its sharing key in place.
          op: { allocate: svc('s/l1', { sharingKey: 'k2', externalTrafficPolicy: 'Local', selector: { app: 'x' }, ports: tcp(1) }), want: { ok: true, change: 'kept', ips: ['10.0.0.0'] } },
          state: { 's/clash': ['10.0.0.1'], 's/l1': ['10.0.0.0'] },
        },
        {
          op: { allocate: svc('s/l3', { sharingKey: 'k2', externalTrafficPolicy: 'Local', selector: { app: 'x' }, ports: tcp(3) }), want: { ok: true, ips: ['10.0.0.0'] } },
          state: { 's/clash': ['10.0.0.1'], 's/l1': ['10.0.0.0'], 's/l3': ['10.0.0.0'] },
        },
      ],
    );
  });

  it('restore: biggest claims first, conflicts lose deterministically, then allocation never disturbs them', () =>
    run(
      [pool('p', { addresses: ['10.0.0.0/30', '2001:db8::/126'] }), pool('q', { addresses: ['10.1.0.0/32'] })],
      [
        {
          op: {
            restore: [
              { service: svc('r/single'), ips: ['10.0.0.2'] },
              { service: svc('r/dual', dual()), ips: ['2001:db8::1', '10.0.0.2'] },
              { service: svc('r/ok'), ips: ['10.0.0.3'] },
              { service: svc('r/gone'), ips: ['198.51.100.1'] },
              { service: svc('r/garbage'), ips: ['x'] },
              { service: svc('r/changed', { requestedIPs: ['10.0.0.0'] }), ips: ['10.0.0.1'] },
              { service: svc('r/otherpool', { requestedPool: 'q' }), ips: ['10.0.0.1'] },
            ],
            want: [
              { ok: false, service: 'r/single', reason: 'ip-in-use' },
              { ok: true, service: 'r/dual', pool: 'p', ips: ['10.0.0.2', '2001:db8::1'] },
              { ok: true, service: 'r/ok', ips: ['10.0.0.3'] },
              { ok: false, reason: 'ip-not-in-pool' },
              { ok: false, reason: 'invalid-request' },
              { ok: false, reason: 'request-changed' },
              { ok: false, reason: 'request-changed' },
            ],
          },
          state: { 'r/dual': ['10.0.0.2', '2001:db8::1'], 'r/ok': ['10.0.0.3'] },
          used: { p: [2, 1] },
        },
        { op: { allocate: svc('r/single'), want: { ok: true, change: 'new', ips: ['10.0.0.0'] } }, state: { 'r/dual': ['10.0.0.2', '2001:db8::1'], 'r/ok': ['10.0.0.3'], 'r/single': ['10.0.0.0'] } },
        { op: { allocate: svc('r/dual', dual()), want: { ok: true, change: 'kept' } }, state: { 'r/dual': ['10.0.0.2', '2001:db8::1'], 'r/ok': ['10.0.0.3'], 'r/single': ['10.0.0.0'] } },
        {
          op: { restore: [{ service: svc('r/ok'), ips: ['10.0.0.3'] }, { service: svc('r/ok'), ips: ['10.0.0.1'] }], want: [{ ok: true }, { ok: false, reason: 'invalid-request' }] },
          state: { 'r/dual': ['10.0.0.2', '2001:db8::1'], 'r/ok': ['10.0.0.3'], 'r/single': ['10.0.0.0'] },
        },
      ],
    ));

  it('pool updates: untouched pools keep state, shrunk and deleted pools report losses, addresses can change pool', () =>
    run(
      [pool('old', { addresses: ['10.0.0.0/29'], createdAt: '2024-01-01T00:00:00Z' }), pool('other', { addresses: ['10.1.0.0/30'] })],
      [
        { op: { allocate: svc('u/1'), want: { ips: ['10.0.0.0'] } }, state: { 'u/1': ['10.0.0.0'] } },
        { op: { allocate: svc('u/2', { requestedIPs: ['10.0.0.6'] }), want: { ips: ['10.0.0.6'] } }, state: { 'u/1': ['10.0.0.0'], 'u/2': ['10.0.0.6'] } },
        { op: { allocate: svc('u/3', { requestedPool: 'other' }), want: { ips: ['10.1.0.0'] } }, state: { 'u/1': ['10.0.0.0'], 'u/2': ['10.0.0.6'], 'u/3': ['10.1.0.0'] } },
        {
          op: {
            setPools: [pool('old', { addresses: ['10.0.0.0/30'], createdAt: '2024-01-01T00:00:00Z' }), pool('other', { addresses: ['10.1.0.0/30'], autoAssign: false })],
            want: { lost: [{ service: 'u/2', pool: 'old', ips: ['10.0.0.6'], reason: 'pool-shrunk', message: expect.stringContaining('10.0.0.6 is in no pool') }], rehomed: [], overlaps: [] },
          },
          state: { 'u/1': ['10.0.0.0'], 'u/3': ['10.1.0.0'] },
          used: { old: [1, 0], other: [1, 0] },
        },
        {
          op: {
            setPools: [
              pool('other', { addresses: ['10.1.0.0/30'], autoAssign: false }),
              pool('new', { addresses: ['10.0.0.0/29'], createdAt: '2023-06-01T00:00:00Z' }),
              pool('old', { addresses: ['10.0.0.0/30', '10.0.0.8/30'], createdAt: '2024-01-01T00:00:00Z' }),
            ],
            want: { rehomed: [{ service: 'u/1', ips: ['10.0.0.0'], from: 'old', to: 'new' }], lost: [], overlaps: [{ keptBy: 'new', removedFrom: 'old' }] },
          },
          state: { 'u/1': ['10.0.0.0'], 'u/3': ['10.1.0.0'] },
          used: { old: [0, 0], new: [1, 0] },
        },
        {
          op: { setPools: [pool('new', { addresses: ['10.0.0.0/29'], createdAt: '2023-06-01T00:00:00Z' })], want: { lost: [{ service: 'u/3', pool: 'other', reason: 'pool-deleted' }] } },
          state: { 'u/1': ['10.0.0.0'] },
        },
        { op: { allocate: svc('u/1'), want: { ok: true, change: 'kept', pool: 'new' } }, state: { 'u/1': ['10.0.0.0'] } },
        {
          op: { setPools: [pool('new', { addresses: ['10.0.0.0/29'], avoidBuggyIPs: true, createdAt: '2023-06-01T00:00:00Z' })], want: { lost: [{ service: 'u/1', message: expect.stringContaining('avoidBuggyIPs') }] } },
          state: {},
        },
      ],
    ));

  it('no-matching-pool vs exhausted; pools only for some namespaces', () =>
    run(
      [pool('manual', { addresses: ['10.0.0.0/32'], autoAssign: false }), pool('team-only', { addresses: ['10.1.0.0/32'], serviceAllocation: { namespaces: ['team'] } })],
      [
        { op: { allocate: svc('other/1'), want: { ok: false, reason: 'no-matching-pool', message: expect.stringContaining('IPv4') } }, state: {} },
        { op: { allocate: svc('team/1', v6()), want: { ok: false, reason: 'no-matching-pool', message: expect.stringContaining('considered team-only') } }, state: {} },
        { op: { allocate: svc('team/1'), want: { ok: true, pool: 'team-only', ips: ['10.1.0.0'] } }, state: { 'team/1': ['10.1.0.0'] } },
        { op: { allocate: svc('team/2'), want: { ok: false, reason: 'exhausted', message: expect.stringContaining('team-only') } }, state: { 'team/1': ['10.1.0.0'] } },
        {
          op: { allocate: svc('team/3', dual({ ipFamilyPolicy: 'PreferDualStack', requestedIPs: ['10.0.0.0'] })), want: { ok: true, pool: 'manual', ips: ['10.0.0.0'] } },
          state: { 'team/1': ['10.1.0.0'], 'team/3': ['10.0.0.0'] },
        },
        {
          op: { restore: [{ service: svc('team/9'), ips: ['10.1.0.0'] }, { service: svc('other/9'), ips: ['10.1.0.0'] }], want: [{ ok: false, reason: 'ip-in-use' }, { ok: false, reason: 'pool-not-allowed' }] },
          state: { 'team/1': ['10.1.0.0'], 'team/3': ['10.0.0.0'] },
        },
        { op: { release: 'team/1', want: { freed: ['10.1.0.0'] } }, state: { 'team/3': ['10.0.0.0'] } },
        {
          op: { restore: [{ service: svc('other/9'), ips: ['10.1.0.0'] }], want: [{ ok: false, reason: 'pool-not-allowed' }] },
          state: { 'team/3': ['10.0.0.0'] },
        },
      ],
    ));
});
