import { electionOrder } from '@ironlb/core';
import { describe, expect, it } from 'vitest';
import { advertisement, endpoints, event, kubeProxy, l2Status, lease, node, NOW, pool, service, snapshot } from '../test-support/snapshot.js';
import { explainService } from './explain.js';
import { buildModel } from './model.js';
import { poolsReport } from './pools.js';
import { preflightReport } from './preflight.js';
import { statusReport } from './status.js';
import { render } from '../render/reports.js';

const POOL = pool('pool-a', ['198.51.100.200-198.51.100.201']);
const ADV = advertisement('adv', { ipAddressPools: ['pool-a'] });
const base = { pools: [POOL], advertisements: [ADV] };

describe('status: one row per LoadBalancer Service, with its problems', () => {
  const cases: { name: string; snap: Parameters<typeof snapshot>[0]; want: Record<string, string[]> }[] = [
    {
      name: 'assigned and announced: no problem',
      snap: { ...base, services: [service('web', { ips: ['198.51.100.200'], pool: 'pool-a' })], l2Statuses: [l2Status('node-1', 'web')] },
      want: { 'demo/web': [] },
    },
    {
      name: 'pending: the pool is exhausted (allocator dry run)',
      snap: {
        ...base,
        services: [service('a', { ips: ['198.51.100.200'], pool: 'pool-a' }), service('b', { ips: ['198.51.100.201'], pool: 'pool-a' }), service('c')],
        l2Statuses: [l2Status('node-1', 'a'), l2Status('node-2', 'b')],
      },
      want: { 'demo/a': [], 'demo/b': [], 'demo/c': ['pending:exhausted'] },
    },
    {
      name: 'pending: a bad annotation',
      snap: { ...base, services: [service('bad', { annotations: { 'metallb.io/loadBalancerIPs': '198.51.100.999' } })] },
      want: { 'demo/bad': ['pending:invalid-request'] },
    },
    {
      name: 'pending: no pool matches the family',
      snap: { ...base, services: [service('v6', { ipFamilies: ['IPv6'] })] },
      want: { 'demo/v6': ['pending:no-matching-pool'] },
    },
    {
      name: 'pending although the allocator has room: the controller has not acted',
      snap: { ...base, services: [service('new')] },
      want: { 'demo/new': ['pending:would-allocate'] },
    },
    {
      name: 'not announced: Local without an endpoint',
      snap: { ...base, services: [service('loc', { ips: ['198.51.100.200'], pool: 'pool-a', local: true })], endpointSlices: [endpoints('loc', [])] },
      want: { 'demo/loc': ['not-announced:no-local-endpoints'] },
    },
    {
      name: 'not announced: no advertisement',
      snap: { pools: [POOL], services: [service('web', { ips: ['198.51.100.200'], pool: 'pool-a' })] },
      want: { 'demo/web': ['not-announced:no-advertisement'] },
    },
    {
      name: 'split: two nodes announce',
      snap: { ...base, services: [service('web', { ips: ['198.51.100.200'], pool: 'pool-a' })], l2Statuses: [l2Status('node-1', 'web'), l2Status('node-2', 'web')] },
      want: { 'demo/web': ['split:node-1,node-2'] },
    },
    {
      name: 'conflict: an AddressConflict Event',
      snap: {
        ...base,
        services: [service('web', { ips: ['198.51.100.200'], pool: 'pool-a' })],
        l2Statuses: [l2Status('node-1', 'web')],
        events: [event('web', 'AddressConflict', 'another host (MAC 02:00:00:00:00:99, not a speaker) uses 198.51.100.200 on eth0', 5_000)],
      },
      want: { 'demo/web': ['conflict:another host (MAC 02:00:00:00:00:99, not a speaker) uses 198.51.100.200 on eth0'] },
    },
    {
      name: 'strictARP off in IPVS mode',
      snap: { ...base, services: [service('web', { ips: ['198.51.100.200'], pool: 'pool-a' })], l2Statuses: [l2Status('node-1', 'web')], kubeProxy: kubeProxy('ipvs', false) },
      want: { 'demo/web': ['strictARP:strict-arp-off'] },
    },
    {
      // What the cluster-in-a-box shows: the speakers (strict-arp enforce) withdrew their
      // ServiceL2Status; the elected node is silent, and says why.
      name: 'strictARP off and nobody announces: the speakers refuse',
      snap: { ...base, services: [service('web', { ips: ['198.51.100.200'], pool: 'pool-a' })], kubeProxy: kubeProxy('ipvs', false) },
      want: { 'demo/web': ['not-announced:strict-arp', 'strictARP:strict-arp-off'] },
    },
    {
      name: 'Services of another class and ClusterIP Services are not listed',
      snap: { ...base, services: [service('other', { lbClass: 'example.com/lb' }), service('cip', { type: 'ClusterIP' })] },
      want: {},
    },
  ];
  it.each(cases)('$name', ({ snap, want }) => {
    const r = statusReport(buildModel(snapshot(snap)), undefined);
    expect(Object.fromEntries(r.rows.map((x) => [`${x.namespace}/${x.name}`, x.problems.map((p) => `${p.code}:${p.detail}`)]))).toEqual(want);
  });

  it('each dry run is undone: two pending Services and one free address both see it', () => {
    const s = snapshot({ ...base, services: [service('a', { ips: ['198.51.100.200'], pool: 'pool-a' }), service('p1'), service('p2')] });
    const m = buildModel(s);
    expect([...m.dryRun.values()].map((r) => (r.ok ? r.ips : r.reason))).toEqual([['198.51.100.201'], ['198.51.100.201']]);
    expect(m.allocator.assignments().map((a) => a.service)).toEqual(['demo/a']);
  });

  it('reports the announcing node, interfaces and since from the ServiceL2Status', () => {
    const r = statusReport(buildModel(snapshot({ ...base, services: [service('web', { ips: ['198.51.100.200'], pool: 'pool-a' })], l2Statuses: [l2Status('node-2', 'web', ['eth1', 'eth0'], 90_000)] })), 'demo');
    expect(r.rows[0]).toMatchObject({ ips: ['198.51.100.200'], pool: 'pool-a', nodes: ['node-2'], interfaces: ['eth0', 'eth1'], since: NOW - 90_000 });
    expect(statusReport(buildModel(snapshot({ ...base, services: [service('web')] })), 'elsewhere').rows).toEqual([]);
  });
});

describe('explain: election order and why each node above the owner is not it', () => {
  const IP = '198.51.100.200';
  const NODES = ['node-1', 'node-2', 'node-3'];
  const order = electionOrder(NODES, IP);
  const first = order[0] as string;
  const second = order[1] as string;

  const cases: { name: string; snap: (s: ReturnType<typeof snapshot>) => Partial<ReturnType<typeof snapshot>>; reason: string; detail: RegExp }[] = [
    { name: 'speaker Lease lapsed', snap: (s) => ({ leases: s.leases.map((l) => (l.spec?.holderIdentity === first ? lease(first, 40_000, 15) : l)) }), reason: 'speaker-not-live', detail: /Lease metallb-system\/ironlb-speaker-.* lapsed: renewed 40s ago, lease duration 15s/ },
    { name: 'no speaker Lease at all', snap: (s) => ({ leases: s.leases.filter((l) => l.spec?.holderIdentity !== first) }), reason: 'speaker-not-live', detail: /no speaker Lease/ },
    { name: 'advertisement nodeSelector', snap: () => ({ advertisements: [advertisement('adv', { ipAddressPools: ['pool-a'], nodeSelectors: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'NotIn', values: [first] }] }] })] }), reason: 'no-advertisement', detail: /nodeSelectors of adv/ },
    { name: 'exclude label', snap: () => ({ nodes: NODES.map((n) => (n === first ? node(n, { 'node.kubernetes.io/exclude-from-external-load-balancers': '' }) : node(n))) }), reason: 'excluded-label', detail: /exclude-from-external-load-balancers/ },
    { name: 'NetworkUnavailable', snap: () => ({ nodes: NODES.map((n) => node(n, {}, n === first)) }), reason: 'network-unavailable', detail: /NetworkUnavailable/ },
  ];
  it.each(cases)('$name', ({ snap, reason, detail }) => {
    const s0 = snapshot({ ...base, services: [service('web', { ips: [IP], pool: 'pool-a' })], l2Statuses: [l2Status(second, 'web')] });
    const r = explainService(buildModel({ ...s0, ...snap(s0) }), s0.services[0]!);
    expect(r.nodes.map((n) => n.node)).toEqual(order);
    expect(r.nodes[0]).toMatchObject({ node: first, rank: 1, role: 'excluded', reason });
    expect(r.nodes[0]?.detail).toMatch(detail);
    expect(r.nodes[1]).toMatchObject({ node: second, role: 'owner' });
    expect(r.elected).toBe(second);
    expect(r.announcedBy.map((a) => a.node)).toEqual([second]);
  });

  it('Local: nodes without a ready endpoint are not it', () => {
    const s = snapshot({ ...base, services: [service('loc', { ips: [IP], pool: 'pool-a', local: true })], endpointSlices: [endpoints('loc', [order[2] as string])] });
    const r = explainService(buildModel(s), s.services[0]!);
    expect(r.nodes.filter((n) => n.role === 'excluded').map((n) => n.reason)).toEqual(['no-local-endpoint', 'no-local-endpoint']);
    expect(r.elected).toBe(order[2]);
  });

  it('the last failover comes from nodeAssigned Events', () => {
    const events = [
      event('web', 'nodeAssigned', `announcing from node "${first}" with protocol "layer2"`, 600_000),
      event('web', 'nodeAssigned', `announcing from node "${second}" with protocol "layer2"`, 30_000),
    ];
    const s = snapshot({ ...base, services: [service('web', { ips: [IP], pool: 'pool-a' })], events });
    expect(explainService(buildModel(s), s.services[0]!).lastFailover).toEqual({ from: first, to: second, at: NOW - 30_000 });
    // Event times have one-second resolution: the node announcing now (ServiceL2Status) settles a tie.
    const tied = [event('web', 'nodeAssigned', `announcing from node "${second}" with protocol "layer2"`, 5_000), event('web', 'nodeAssigned', `announcing from node "${first}" with protocol "layer2"`, 5_000)];
    const t = snapshot({ ...s, events: tied, l2Statuses: [l2Status(second, 'web')] });
    expect(explainService(buildModel(t), t.services[0]!).lastFailover).toEqual({ from: first, to: second, at: NOW - 5_000 });
    const one = snapshot({ ...s, events: events.slice(0, 1) });
    expect(explainService(buildModel(one), one.services[0]!).lastFailover).toBeUndefined();
  });

  it('pending: the allocator says why, and the advertisements are listed', () => {
    const s = snapshot({
      ...base,
      advertisements: [ADV, advertisement('other', { ipAddressPools: ['pool-z'] })],
      services: [service('a', { ips: ['198.51.100.200'], pool: 'pool-a' }), service('b', { ips: ['198.51.100.201'], pool: 'pool-a' }), service('c', { annotations: { 'metallb.io/address-pool': 'pool-a' } })],
    });
    const r = explainService(buildModel(s), s.services[2]!);
    expect(r.allocation).toMatchObject({ state: 'pending', reason: 'exhausted' });
    expect(r.nodes).toEqual([]);
    expect(r.advertisements.map((a) => [a.name, a.covers, a.notBecause])).toEqual([['adv', true, undefined], ['other', false, 'pool']]);
  });

  it('a Service sharing an IP is ranked by the IP the speakers hash for its group', () => {
    // dual shares only its second address with v6only: the group is ordered by dual's
    // first IP, so v6only's nodes must be listed in that order, the owner first.
    const v4 = '198.51.100.1';
    const v6 = '2001:db8:1::1';
    const share = { 'metallb.io/allow-shared-ip': 'k' };
    const dual = service('dual', { ips: [v4, v6], pool: 'big', ipFamilies: ['IPv4', 'IPv6'], annotations: share });
    dual.spec = { ...dual.spec, ipFamilyPolicy: 'RequireDualStack' };
    const v6only = service('v6only', { ips: [v6], pool: 'big', ipFamilies: ['IPv6'], annotations: { ...share, 'metallb.io/loadBalancerIPs': v6 } });
    v6only.spec = { ...v6only.spec, ports: [{ port: 81, protocol: 'TCP' }] };
    const s = snapshot({ pools: [pool('big', ['198.51.100.0/30', '2001:db8:1::/64'])], advertisements: [advertisement('adv')], services: [dual, v6only] });
    const m = buildModel(s);
    const r = explainService(m, v6only);
    const order = electionOrder(NODES, v4);
    expect(r.electionIp).toBe(v4);
    expect(r.nodes.map((n) => n.node)).toEqual(order);
    expect(r.nodes[0]).toMatchObject({ node: order[0], role: 'owner' });
    expect(r.elected).toBe(explainService(m, dual).elected);
  });

  it("the elected node lacks the advertised interface: status and explain carry its speaker's announceFailed Event", () => {
    const adv = advertisement('adv', { ipAddressPools: ['pool-a'], interfaces: ['eth9'] });
    const s0 = snapshot({ ...base, advertisements: [adv], services: [service('web', { ips: [IP], pool: 'pool-a' })] });
    // The speaker's own message (speaker.ts #reportProblems).
    const msg = `cannot announce ${IP} from node "${first}": interface eth9 missing or not eligible`;
    const s = snapshot({ ...s0, events: [event('web', 'announceFailed', msg, 2_000)] });
    const m = buildModel(s);
    expect(statusReport(m, undefined).rows[0]?.problems).toEqual([{ code: 'not-announced', detail: 'no-interface' }]);
    expect(explainService(m, s.services[0]!).announceFailure).toBe(msg);
    expect(render(explainService(m, s.services[0]!), 'table')).toContain(`Elected owner: ${first}.\nAnnounced by: nobody (no speaker wrote a ServiceL2Status for it).\n  The speaker on ${first} says: ${msg}\n`);
    // Another node's old complaint is not about the elected one.
    const other = snapshot({ ...s0, events: [event('web', 'announceFailed', msg.replace(first, second), 2_000)] });
    expect(statusReport(buildModel(other), undefined).rows[0]?.problems).toEqual([{ code: 'not-announced', detail: 'no-status' }]);
    expect(explainService(buildModel(other), other.services[0]!).announceFailure).toBeUndefined();
  });

  it('another class is not ours, and says so', () => {
    const s = snapshot({ ...base, services: [service('x', { lbClass: 'example.com/lb' })] });
    expect(explainService(buildModel(s), s.services[0]!).allocation).toMatchObject({ state: 'not-ours', reason: 'other-class' });
  });
});

describe('speaker liveness from the per-node Leases (core LeaseView)', () => {
  it.each([
    { name: 'renewed within its duration', l: lease('node-1', 14_000, 15), live: true },
    { name: 'lapsed', l: lease('node-1', 16_000, 15), live: false },
    { name: 'released (holderIdentity "")', l: { ...lease('node-1'), spec: { ...lease('node-1').spec, holderIdentity: '' } }, live: false },
  ])('$name', ({ l, live }) => {
    const m = buildModel(snapshot({ leases: [l] }));
    expect(m.speakers.get('node-1')?.live).toBe(live);
    expect(m.electionInput.live.has('node-1')).toBe(live);
  });
});

describe('pools', () => {
  it('counts used/free per family with the allocator, and lists Services and advertisements', () => {
    const s = snapshot({ pools: [pool('dual', ['198.51.100.200/30', '2001:db8:100::/126'])], advertisements: [advertisement('all')], services: [service('a', { ips: ['198.51.100.200'], pool: 'dual' })] });
    const [p] = poolsReport(buildModel(s)).pools;
    expect(p).toMatchObject({ name: 'dual', ipv4: { total: 4n, used: 1n, free: 3n }, ipv6: { total: 4n, used: 0n, free: 4n }, services: ['demo/a'], advertisements: ['all'], problems: [] });
  });

  it('names overlap, host bits, not advertised, full and invalid', () => {
    const s = snapshot({
      pools: [pool('old', ['198.51.100.200/31'], 7_200_000), pool('new', ['198.51.100.201/32'], 60_000), pool('hb', ['198.51.100.9/30']), pool('broken', ['not-an-ip'])],
      advertisements: [advertisement('only-old', { ipAddressPools: ['old', 'new', 'broken'] })],
      services: [service('a', { ips: ['198.51.100.200'], pool: 'old' })],
    });
    const codes = Object.fromEntries(poolsReport(buildModel(s)).pools.map((p) => [p.name, p.problems.map((x) => x.code)]));
    expect(codes).toEqual({ broken: ['invalid'], hb: ['host-bits', 'not-advertised'], new: ['overlap'], old: ['overlap'] });
  });
});

describe('preflight', () => {
  const fine = snapshot({ ...base });
  it('passes on a complete install', () => {
    expect(preflightReport(buildModel(fine)).checks.filter((c) => !c.ok)).toEqual([]);
  });
  const cases: { name: string; snap: Partial<ReturnType<typeof snapshot>>; failing: string[] }[] = [
    { name: 'CRDs missing', snap: { crds: ['ipaddresspools.metallb.io'] }, failing: ['crds'] },
    { name: 'strictARP off', snap: { kubeProxy: kubeProxy('ipvs', false) }, failing: ['strictARP'] },
    { name: 'iptables mode needs no strictARP', snap: { kubeProxy: kubeProxy('iptables', false) }, failing: [] },
    { name: 'no pool', snap: { pools: [] }, failing: ['pool'] },
    { name: 'no advertisement', snap: { advertisements: [] }, failing: ['advertisement'] },
    { name: 'overlapping pools', snap: { pools: [POOL, pool('b', ['198.51.100.201/32'], 10)] }, failing: ['pool-overlap'] },
    { name: 'a selected node without a live speaker', snap: { leases: [lease('node-1'), lease('node-2', 60_000)] }, failing: ['speakers'] },
    { name: 'unselected nodes need no speaker', snap: { leases: [lease('node-1')], advertisements: [advertisement('one', { nodeSelectors: [{ matchLabels: { 'kubernetes.io/hostname': 'node-1' } }] })] }, failing: [] },
    { name: 'no heartbeat Secret', snap: { heartbeatSecret: false }, failing: ['heartbeat-secret'] },
  ];
  it.each(cases)('$name', ({ snap, failing }) => {
    const r = preflightReport(buildModel({ ...fine, ...snap }));
    expect(r.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(failing);
    for (const c of r.checks.filter((x) => !x.ok)) expect(c.fix).toBeTruthy();
  });
});
