import { describe, expect, it } from 'vitest';
import { electServices } from './elect.js';
import { electionOrder } from './order.js';
import { ad, ExcludeLabel, input, node, pool, svc } from './test-support/fixtures.js';
import type { ElectionInput, ServiceDecision } from './types.js';

const IP = '192.168.10.0';
const NODES = [node('node-a', { zone: 'a' }), node('node-b', { zone: 'b' }), node('node-c', { zone: 'c' }), node('node-d', { zone: 'a' })];
const NAMES = NODES.map((n) => n.name);
const POOLS = [pool('default', ['192.168.10.0/24', '2001:db8::/120']), pool('other', ['198.51.100.0-198.51.100.20'], { tier: 'gold' })];
const ALL = ad('l2');

function base(partial: Partial<ElectionInput> = {}): ElectionInput {
  return input({ services: [svc('web', [IP])], nodes: NODES, pools: POOLS, advertisements: [ALL], ...partial });
}

function decisionOf(i: ElectionInput, key = 'default/web'): ServiceDecision {
  const d = electServices(i).get(key);
  if (!d) throw new Error(`no decision for ${key}`);
  return d;
}

describe('electServices: the owner and its order', () => {
  it('orders every passing node by MetalLB hash and picks the first', () => {
    const order = electionOrder(NAMES, IP);
    expect(decisionOf(base())).toEqual({
      service: 'default/web',
      ips: [IP],
      pool: 'default',
      candidates: order,
      electionIp: IP,
      owner: order[0],
      excluded: [],
      interfaces: 'all',
      advertisements: ['l2'],
    });
    // Pinned from MetalLB's Go comparator (order.test.ts): node-d first for this IP.
    expect(order[0]).toBe('node-d');
  });

  it('hashes the canonical IP text, as Go net.IP.String() does', () => {
    const d = decisionOf(base({ services: [svc('web', ['2001:DB8:0:0:0:0:0:A'])] }));
    expect(d.ips).toEqual(['2001:db8::a']);
    expect(d.candidates).toEqual(['node-a', 'node-b', 'node-d', 'node-c']);
  });

  it('gives both IPs of a dual-stack Service to the owner of the first', () => {
    const v4 = IP;
    const v6 = '2001:db8::a';
    // The IPv6 address alone would elect another node: the first IP decides.
    expect(electionOrder(NAMES, v6)[0]).not.toBe(electionOrder(NAMES, v4)[0]);
    const d = decisionOf(base({ services: [svc('web', [v4, v6])] }));
    expect(d).toMatchObject({ ips: [v4, v6], owner: electionOrder(NAMES, v4)[0], candidates: electionOrder(NAMES, v4) });
    const flipped = decisionOf(base({ services: [svc('web', [v6, v4])] }));
    expect(flipped.owner).toBe(electionOrder(NAMES, v6)[0]);
  });

  it('ignores live speakers on nodes it has no Node object for', () => {
    const d = decisionOf(base({ live: new Set([...NAMES, 'ghost']) }));
    expect(d.candidates).not.toContain('ghost');
    expect(d.excluded.map((x) => x.node)).not.toContain('ghost');
  });
});

describe('electServices: why a node is excluded (first failing check)', () => {
  const local = (nodes: string[]) => ({ services: [svc('web', [IP], { trafficPolicy: 'Local' })], endpoints: new Map([['default/web', new Set(nodes)]]) });
  const cases: { name: string; partial: Partial<ElectionInput>; want: Record<string, string>; candidates: string[] }[] = [
    { name: 'speaker not live', partial: { live: new Set(['node-a', 'node-b', 'node-c']) }, want: { 'node-d': 'speaker-not-live' }, candidates: ['node-a', 'node-b', 'node-c'] },
    {
      name: 'no advertisement on the node (nodeSelectors)',
      partial: { advertisements: [ad('zone-a', { nodeSelectors: [{ matchLabels: { zone: 'a' } }] })] },
      want: { 'node-b': 'no-advertisement', 'node-c': 'no-advertisement' },
      candidates: ['node-a', 'node-d'],
    },
    {
      name: 'exclude label with an empty value',
      partial: { nodes: NODES.map((n) => (n.name === 'node-d' ? node('node-d', { [ExcludeLabel]: '' }) : n)) },
      want: { 'node-d': 'excluded-label' },
      candidates: ['node-a', 'node-b', 'node-c'],
    },
    {
      name: 'exclude label with value "false" still excludes',
      partial: { nodes: NODES.map((n) => (n.name === 'node-b' ? node('node-b', { [ExcludeLabel]: 'false' }) : n)) },
      want: { 'node-b': 'excluded-label' },
      candidates: ['node-a', 'node-c', 'node-d'],
    },
    {
      name: 'exclude label ignored with --ignore-exclude-lb',
      partial: { ignoreExcludeLb: true, nodes: NODES.map((n) => (n.name === 'node-b' ? node('node-b', { [ExcludeLabel]: 'true' }) : n)) },
      want: {},
      candidates: NAMES,
    },
    {
      name: 'network unavailable',
      partial: { nodes: NODES.map((n) => (n.name === 'node-c' ? node('node-c', {}, true) : n)) },
      want: { 'node-c': 'network-unavailable' },
      candidates: ['node-a', 'node-b', 'node-d'],
    },
    {
      name: 'Local without an endpoint here',
      partial: local(['node-b', 'node-c', 'elsewhere']),
      want: { 'node-a': 'no-local-endpoint', 'node-d': 'no-local-endpoint' },
      candidates: ['node-b', 'node-c'],
    },
    {
      name: 'checks run in order: not live beats everything',
      partial: { ...local([]), live: new Set(['node-a', 'node-b', 'node-c']), nodes: NODES.map((n) => (n.name === 'node-d' ? node('node-d', { [ExcludeLabel]: '' }, true) : n)) },
      want: { 'node-a': 'no-local-endpoint', 'node-b': 'no-local-endpoint', 'node-c': 'no-local-endpoint', 'node-d': 'speaker-not-live' },
      candidates: [],
    },
    {
      name: 'checks run in order: advertisement before label, label before network, network before endpoint',
      partial: {
        ...local(['node-a']),
        advertisements: [ad('not-c', { nodeSelectors: [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['c'] }] }] })],
        nodes: [node('node-a', { zone: 'a' }), node('node-b', { zone: 'b', [ExcludeLabel]: '' }, true), node('node-c', { zone: 'c', [ExcludeLabel]: '' }), node('node-d', { zone: 'a' }, true)],
      },
      want: { 'node-b': 'excluded-label', 'node-c': 'no-advertisement', 'node-d': 'network-unavailable' },
      candidates: ['node-a'],
    },
  ];
  it.each(cases)('$name', ({ partial, want, candidates }) => {
    const d = decisionOf(base(partial));
    expect(Object.fromEntries(d.excluded.map((x) => [x.node, x.reason]))).toEqual(want);
    expect([...d.candidates].sort()).toEqual(candidates);
    expect(d.candidates).toEqual(electionOrder(candidates, IP));
    expect(d.owner).toBe(d.candidates[0]);
    // Every known node is either a candidate or excluded, never both.
    expect([...d.candidates, ...d.excluded.map((x) => x.node)].sort()).toEqual(NAMES);
  });
});

describe('electServices: why a Service has no owner', () => {
  const cases: { name: string; partial: Partial<ElectionInput>; noOwner: ServiceDecision['noOwner']; pool?: string; excluded?: Record<string, string> }[] = [
    { name: 'no IPs yet', partial: { services: [svc('web', [])] }, noOwner: 'no-ips', excluded: {} },
    {
      name: 'IP outside every pool',
      partial: { services: [svc('web', ['203.0.113.9'])] },
      noOwner: 'unknown-pool',
      excluded: { 'node-a': 'no-advertisement', 'node-b': 'no-advertisement', 'node-c': 'no-advertisement', 'node-d': 'no-advertisement' },
    },
    { name: 'annotated pool deleted, IP outside the others', partial: { services: [svc('web', ['203.0.113.9'], { pool: 'gone' })] }, noOwner: 'unknown-pool' },
    { name: 'garbled IP', partial: { services: [svc('web', ['not-an-ip'])] }, noOwner: 'unknown-pool' },
    { name: 'no advertisement at all', partial: { advertisements: [] }, noOwner: 'no-advertisement', pool: 'default' },
    { name: 'advertisement for another pool only', partial: { advertisements: [ad('gold', { ipAddressPools: ['other'] })] }, noOwner: 'no-advertisement', pool: 'default' },
    {
      name: 'advertisement pool selector matching another pool',
      partial: { advertisements: [ad('gold', { ipAddressPoolSelectors: [{ matchLabels: { tier: 'gold' } }] })] },
      noOwner: 'no-advertisement',
      pool: 'default',
    },
    {
      name: 'service selector not matching the Service',
      partial: { advertisements: [ad('picky', { serviceSelectors: [{ matchLabels: { app: 'db' } }] })] },
      noOwner: 'no-advertisement',
      pool: 'default',
    },
    {
      name: 'node selector matching no node',
      partial: { advertisements: [ad('nowhere', { nodeSelectors: [{ matchLabels: { zone: 'mars' } }] })] },
      noOwner: 'no-advertisement',
      pool: 'default',
    },
    {
      name: 'Local and no endpoint anywhere',
      partial: { services: [svc('web', [IP], { trafficPolicy: 'Local' })], endpoints: new Map([['default/web', new Set<string>()]]) },
      noOwner: 'no-local-endpoints',
      pool: 'default',
    },
    { name: 'Local and no EndpointSlice entry', partial: { services: [svc('web', [IP], { trafficPolicy: 'Local' })] }, noOwner: 'no-local-endpoints', pool: 'default' },
    {
      name: 'Local, endpoints only on dead nodes',
      partial: { services: [svc('web', [IP], { trafficPolicy: 'Local' })], endpoints: new Map([['default/web', new Set(['node-a'])]]), live: new Set(['node-b']) },
      noOwner: 'no-candidates',
      pool: 'default',
    },
    { name: 'every speaker down', partial: { live: new Set() }, noOwner: 'no-candidates', pool: 'default' },
    { name: 'no Node objects known yet', partial: { nodes: [] }, noOwner: 'no-candidates', pool: 'default', excluded: {} },
    {
      name: 'every node excluded',
      partial: { nodes: NODES.map((n) => node(n.name, { ...n.labels, [ExcludeLabel]: '' })) },
      noOwner: 'no-candidates',
      pool: 'default',
      excluded: { 'node-a': 'excluded-label', 'node-b': 'excluded-label', 'node-c': 'excluded-label', 'node-d': 'excluded-label' },
    },
  ];
  it.each(cases)('$name → $noOwner', ({ partial, noOwner, pool: poolName, excluded }) => {
    const d = decisionOf(base(partial));
    expect(d.noOwner).toBe(noOwner);
    expect(d.owner).toBeUndefined();
    expect(d.candidates).toEqual([]);
    if (poolName !== undefined) expect(d.pool).toBe(poolName);
    if (excluded !== undefined) expect(Object.fromEntries(d.excluded.map((x) => [x.node, x.reason]))).toEqual(excluded);
  });
});

describe('electServices: pools and advertisements', () => {
  it('uses the pool annotation when that pool exists, even if another holds the IP', () => {
    expect(decisionOf(base({ services: [svc('web', [IP], { pool: 'other' })] })).pool).toBe('other');
  });

  it('falls back to the pool holding the IP when the annotated pool is gone', () => {
    expect(decisionOf(base({ services: [svc('web', ['198.51.100.20'], { pool: 'gone' })] })).pool).toBe('other');
  });

  it('finds IPv6 and range members', () => {
    expect(decisionOf(base({ services: [svc('web', ['2001:db8::ff'])] })).pool).toBe('default');
    expect(decisionOf(base({ services: [svc('web', ['198.51.100.21'])] })).noOwner).toBe('unknown-pool');
  });

  it('resolves overlapping pools to the same one whatever their order', () => {
    const pools = [pool('zeta', ['192.168.10.0/25']), pool('alpha', ['192.168.10.0/24'])];
    expect(decisionOf(base({ pools })).pool).toBe('alpha');
    expect(decisionOf(base({ pools: [...pools].reverse() })).pool).toBe('alpha');
  });

  it('announces a pool under the union of the advertisements selecting it', () => {
    const d = decisionOf(
      base({
        services: [svc('web', ['198.51.100.7'], { labels: { app: 'web' } })],
        advertisements: [
          ad('by-name', { ipAddressPools: ['other'], nodeSelectors: [{ matchLabels: { zone: 'a' } }] }),
          ad('by-label', { ipAddressPoolSelectors: [{ matchLabels: { tier: 'gold' } }], nodeSelectors: [{ matchLabels: { zone: 'b' } }] }),
          ad('by-service', { ipAddressPools: ['default'], serviceSelectors: [{ matchLabels: { app: 'web' } }] }),
          ad('wrong-service', { serviceSelectors: [{ matchLabels: { app: 'db' } }] }),
        ],
      }),
    );
    expect(d.pool).toBe('other');
    expect([...d.candidates].sort()).toEqual(['node-a', 'node-b', 'node-d']);
    expect(d.excluded).toEqual([{ node: 'node-c', reason: 'no-advertisement' }]);
  });

  it('an advertisement with both pool lists empty selects every pool', () => {
    const d = decisionOf(base({ services: [svc('web', ['198.51.100.7'])], advertisements: [ad('any', { ipAddressPools: [], ipAddressPoolSelectors: [] })] }));
    expect(d.owner).toBeDefined();
  });

  it('serviceSelectors are ORed', () => {
    const sel = [{ matchLabels: { app: 'db' } }, { matchLabels: { app: 'web' } }];
    const d = decisionOf(base({ services: [svc('web', [IP], { labels: { app: 'web' } })], advertisements: [ad('either', { serviceSelectors: sel })] }));
    expect(d.owner).toBeDefined();
  });
});

describe('electServices: interfaces', () => {
  const owner = electionOrder(NAMES, IP)[0] as string; // node-d, zone a
  it.each([
    { name: 'one advertisement without interfaces → all', ads: [ad('x')], want: 'all', names: ['x'] },
    { name: 'interfaces: [] is all', ads: [ad('x', { interfaces: [] })], want: 'all', names: ['x'] },
    { name: 'union, sorted and deduped', ads: [ad('x', { interfaces: ['eth1', 'bond0'] }), ad('y', { interfaces: ['eth1', 'eth0'] })], want: ['bond0', 'eth0', 'eth1'], names: ['x', 'y'] },
    { name: 'any covering advertisement without interfaces → all', ads: [ad('x', { interfaces: ['eth1'] }), ad('y')], want: 'all', names: ['x', 'y'] },
    {
      name: 'advertisements not covering the owner do not count',
      ads: [ad('here', { interfaces: ['eth1'], nodeSelectors: [{ matchLabels: { zone: 'a' } }] }), ad('elsewhere', { nodeSelectors: [{ matchLabels: { zone: 'b' } }] })],
      want: ['eth1'],
      names: ['here'],
    },
    {
      name: 'advertisements for another Service do not count',
      ads: [ad('mine', { interfaces: ['eth1'] }), ad('theirs', { interfaces: ['eth9'], serviceSelectors: [{ matchLabels: { app: 'db' } }] })],
      want: ['eth1'],
      names: ['mine'],
    },
  ])('$name', ({ ads, want, names }) => {
    const d = decisionOf(base({ advertisements: ads }));
    expect(d.owner).toBe(owner);
    expect(d.interfaces).toEqual(want);
    expect(d.advertisements).toEqual(names);
  });

  it('without an owner, computes them over any node', () => {
    const d = decisionOf(
      base({ live: new Set(), advertisements: [ad('x', { interfaces: ['eth1'], nodeSelectors: [{ matchLabels: { zone: 'b' } }] }), ad('nowhere', { interfaces: ['eth7'], nodeSelectors: [{ matchLabels: { zone: 'mars' } }] })] }),
    );
    expect(d).toMatchObject({ noOwner: 'no-candidates', interfaces: ['eth1'], advertisements: ['x'] });
    expect(decisionOf(base({ advertisements: [] }))).toMatchObject({ interfaces: [], advertisements: [] });
  });
});

describe('electServices: shared IPs', () => {
  // Two Local Services sharing one IP, endpoints on different nodes: MetalLB would order
  // each one's node set separately and could elect two nodes for one IP.
  const shared = (order: 'ab' | 'ba'): ElectionInput => {
    const a = svc('a', [IP], { trafficPolicy: 'Local' });
    const b = svc('b', [IP], { trafficPolicy: 'Local' });
    return base({
      services: order === 'ab' ? [a, b] : [b, a],
      endpoints: new Map([
        ['default/a', new Set(['node-a', 'node-b'])],
        ['default/b', new Set(['node-c'])],
      ]),
    });
  };

  it('elects one owner from the union of the members’ candidates', () => {
    const union = electionOrder(['node-a', 'node-b', 'node-c'], IP);
    const decisions = electServices(shared('ab'));
    const a = decisions.get('default/a');
    const b = decisions.get('default/b');
    expect(a?.candidates).toEqual(union);
    expect(b?.candidates).toEqual(union);
    expect(a?.owner).toBe(union[0]);
    expect(b?.owner).toBe(union[0]);
    // The union still lists, per member, the nodes that are candidates for nobody.
    expect(a?.excluded).toEqual([{ node: 'node-d', reason: 'no-local-endpoint' }]);
    expect(b?.excluded).toEqual([{ node: 'node-d', reason: 'no-local-endpoint' }]);
  });

  it('does not depend on which member comes first', () => {
    expect(electServices(shared('ba'))).toEqual(electServices(shared('ab')));
  });

  it('a member that could not be announced alone still gets the group owner', () => {
    const i = base({
      services: [svc('a', [IP]), svc('b', [IP], { trafficPolicy: 'Local' })],
      live: new Set(['node-c']),
    });
    const decisions = electServices(i);
    expect(decisions.get('default/a')?.owner).toBe('node-c');
    expect(decisions.get('default/b')).toMatchObject({ owner: 'node-c', candidates: ['node-c'] });
    expect(decisions.get('default/b')?.noOwner).toBeUndefined();
  });

  it('groups by any common IP, so a dual-stack Service sharing its second address cannot get two owners', () => {
    const v6 = '2001:db8::a';
    const decisions = electServices(base({ services: [svc('dual', [IP, v6]), svc('v6only', [v6])] }));
    const owner = decisions.get('default/dual')?.owner;
    expect(owner).toBeDefined();
    expect(decisions.get('default/v6only')?.owner).toBe(owner);
    // The sharer's order is hashed with the group's IP, not its own first IP, and says so.
    expect(decisions.get('default/v6only')?.electionIp).toBe(IP);
    expect(decisions.get('default/v6only')?.candidates).toEqual(electionOrder(NAMES, IP));
  });

  it('groups are keyed by canonical IP text', () => {
    const decisions = electServices(base({ services: [svc('a', ['2001:db8::a']), svc('b', ['2001:DB8::A'])], live: new Set(['node-b', 'node-c']) }));
    expect(decisions.get('default/a')?.owner).toBe(decisions.get('default/b')?.owner);
  });
});
