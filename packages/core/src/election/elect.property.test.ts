// Properties every speaker relies on: all nodes compute the same answer from the same
// view whatever order the informers list things in; the election never edits its input;
// an IP only moves when its owner goes; one owner per IP. The oracle below re-derives the
// owner from the rules in the brief with naive code, independently of elect.ts.
import fc from 'fast-check';
import { ExcludeFromExternalLoadBalancersLabel, matchAnyLabelSelector, parseAddress, parseAddressEntry, rangeContains, type LabelSelector } from '../index.js';
import { describe, expect, it } from 'vitest';
import { desiredAnnouncements } from './desired.js';
import { electServices } from './elect.js';
import { canonicalIp, electionOrder } from './order.js';
import type { ElectionAdvertisement, ElectionInput, ElectionNode, ElectionPool, ElectionService } from './types.js';

const NODE_NAMES = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5'];
const IPS = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.1.4', 'fd00::1', 'fd00::2', '203.0.113.1'];
const POOL_DEFS: { name: string; addresses: string[] }[] = [
  { name: 'p0', addresses: ['10.0.0.0/30'] },
  { name: 'p1', addresses: ['10.0.0.3-10.0.1.7'] }, // overlaps p0 on 10.0.0.3
  { name: 'p2', addresses: ['fd00::/126', 'bogus'] },
];

const selectorArb: fc.Arbitrary<LabelSelector> = fc.oneof(
  fc.record({ matchLabels: fc.dictionary(fc.constantFrom('zone', 'app', 'tier'), fc.constantFrom('a', 'b', 'web', 'db', 'gold')) }),
  fc.record({
    matchExpressions: fc.array(
      fc.oneof(
        fc.record({ key: fc.constantFrom('zone', 'app', 'tier'), operator: fc.constantFrom('In' as const, 'NotIn' as const), values: fc.uniqueArray(fc.constantFrom('a', 'b', 'web', 'db', 'gold'), { minLength: 1, maxLength: 2 }) }),
        fc.record({ key: fc.constantFrom('zone', 'app', 'tier'), operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) }),
      ),
      { maxLength: 2 },
    ),
  }),
);
/** Mostly absent, so that many generated inputs elect someone; sometimes [] (also "all"). */
const selectorsArb = fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: fc.array(selectorArb, { maxLength: 2 }), weight: 2 });
/** true about one time in `n`. */
const rarely = (n: number): fc.Arbitrary<boolean> => fc.integer({ min: 1, max: n }).map((x) => x === 1);

const nodeArb = (name: string): fc.Arbitrary<ElectionNode> =>
  fc.record({
    name: fc.constant(name),
    labels: fc.record({ zone: fc.constantFrom('a', 'b') }, { requiredKeys: [] }).chain((l) =>
      rarely(5).map((excluded) => (excluded ? { ...l, [ExcludeFromExternalLoadBalancersLabel]: '' } : l)),
    ),
    networkUnavailable: rarely(6),
  });

const inputArb: fc.Arbitrary<ElectionInput> = fc
  .record({
    nodeNames: fc.subarray(NODE_NAMES, { minLength: 1 }),
    pools: fc.subarray(POOL_DEFS, { minLength: 2 }).chain((defs) => fc.tuple(...defs.map((d) => fc.record({ name: fc.constant(d.name), addresses: fc.constant(d.addresses), labels: fc.record({ tier: fc.constantFrom('gold', 'silver') }, { requiredKeys: [] }) })))),
    advertisements: fc.array(
      fc.record(
        {
          name: fc.constantFrom('l2a', 'l2b', 'l2c', 'l2d'),
          ipAddressPools: fc.oneof(fc.constant([]), fc.subarray(['p0', 'p1', 'p2', 'gone'])),
          ipAddressPoolSelectors: selectorsArb,
          nodeSelectors: selectorsArb,
          serviceSelectors: selectorsArb,
          interfaces: fc.subarray(['eth0', 'eth1', 'bond0']),
        },
        { requiredKeys: ['name'] },
      ),
      { minLength: 1, maxLength: 4 },
    ),
    services: fc.uniqueArray(
      fc.record({
        name: fc.constantFrom('s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7'),
        ips: fc.oneof({ arbitrary: fc.uniqueArray(fc.constantFrom(...IPS), { minLength: 1, maxLength: 2 }), weight: 6 }, { arbitrary: fc.constant([]), weight: 1 }),
        pool: fc.option(fc.constantFrom('p0', 'p1', 'p2', 'gone'), { nil: undefined }),
        labels: fc.record({ app: fc.constantFrom('web', 'db') }, { requiredKeys: [] }),
        trafficPolicy: fc.constantFrom('Cluster' as const, 'Local' as const),
      }),
      { selector: (s) => s.name, maxLength: 8 },
    ),
    ignoreExcludeLb: fc.boolean(),
  })
  .chain((r) =>
    fc
      .record({
        nodes: fc.tuple(...r.nodeNames.map(nodeArb)),
        live: fc.tuple(...[...r.nodeNames, 'ghost'].map((n) => rarely(5).map((dead) => (dead ? [] : [n])))).map((l) => l.flat()),
        endpoints: fc.tuple(...r.services.map(() => fc.option(fc.subarray([...NODE_NAMES, 'elsewhere']), { nil: undefined }))),
      })
      .map(
        ({ nodes, live, endpoints }): ElectionInput => ({
          nodes,
          pools: r.pools as ElectionPool[],
          advertisements: r.advertisements.map(({ name, ...rest }) => ({ name, ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) }) as ElectionAdvertisement),
          services: r.services.map((s): ElectionService => {
            const { pool, ...rest } = s;
            return { key: `default/${s.name}`, namespace: 'default', ...rest, ...(pool === undefined ? {} : { pool }) };
          }),
          live: new Set(live),
          endpoints: new Map(r.services.flatMap((s, i) => (endpoints[i] === undefined ? [] : [[`default/${s.name}`, new Set(endpoints[i])] as const]))),
          ignoreExcludeLb: r.ignoreExcludeLb,
        }),
      ),
  );

/** Deterministic Fisher–Yates from a seed, so a failing case replays. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function shuffleInput(i: ElectionInput, seed: number): ElectionInput {
  return {
    ...i,
    services: shuffle(i.services, seed),
    pools: shuffle(i.pools, seed + 1),
    advertisements: shuffle(i.advertisements, seed + 2),
    nodes: shuffle(i.nodes, seed + 3),
    live: new Set(shuffle([...i.live], seed + 4)),
    endpoints: new Map(shuffle([...i.endpoints], seed + 5).map(([k, v]) => [k, new Set(shuffle([...v], seed + 6))])),
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !(value instanceof Set) && !(value instanceof Map)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

// --- oracle: the brief's rules, written the naive way -------------------------------------

function oraclePool(i: ElectionInput, s: ElectionService): ElectionPool | undefined {
  const named = i.pools.find((p) => p.name === s.pool);
  if (named) return named;
  const ip = s.ips[0] === undefined ? undefined : parseAddress(s.ips[0]);
  if (!ip?.ok) return undefined;
  const holders = i.pools.filter((p) =>
    p.addresses.some((a) => {
      const r = parseAddressEntry(a);
      return r.ok && rangeContains(r.range, ip.address.family, ip.address.value);
    }),
  );
  return holders.sort((a, b) => (a.name < b.name ? -1 : 1))[0];
}

const empty = (l: readonly unknown[] | undefined): boolean => !l || l.length === 0;

function oracleCovers(ad: ElectionAdvertisement, p: ElectionPool, n: ElectionNode, s: ElectionService): boolean {
  const poolOk = (empty(ad.ipAddressPools) && empty(ad.ipAddressPoolSelectors)) || !!ad.ipAddressPools?.includes(p.name) || matchAnyLabelSelector(ad.ipAddressPoolSelectors ?? [], p.labels);
  const nodeOk = empty(ad.nodeSelectors) || matchAnyLabelSelector(ad.nodeSelectors ?? [], n.labels);
  const svcOk = empty(ad.serviceSelectors) || matchAnyLabelSelector(ad.serviceSelectors ?? [], s.labels);
  return poolOk && nodeOk && svcOk;
}

function oraclePasses(i: ElectionInput, s: ElectionService, n: ElectionNode): boolean {
  const p = oraclePool(i, s);
  return (
    s.ips.length > 0 &&
    i.live.has(n.name) &&
    p !== undefined &&
    i.advertisements.some((ad) => oracleCovers(ad, p, n, s)) &&
    (i.ignoreExcludeLb || !(ExcludeFromExternalLoadBalancersLabel in n.labels)) &&
    !n.networkUnavailable &&
    (s.trafficPolicy === 'Cluster' || !!i.endpoints.get(s.key)?.has(n.name))
  );
}

/** Services connected to `s` through shared IPs (transitively). */
function oracleGroup(i: ElectionInput, s: ElectionService): ElectionService[] {
  const group = new Set([s]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const t of i.services) {
      if (group.has(t)) continue;
      const tips = t.ips.map(canonicalIp);
      if ([...group].some((g) => g.ips.map(canonicalIp).some((ip) => tips.includes(ip)))) {
        group.add(t);
        grew = true;
      }
    }
  }
  return [...group];
}

function ownersOf(decisions: Map<string, { owner: string | undefined }>): Record<string, string | undefined> {
  return Object.fromEntries([...decisions].map(([k, d]) => [k, d.owner]));
}

describe('electServices properties', () => {
  it('does not depend on the order of any input', () => {
    fc.assert(
      fc.property(inputArb, fc.integer(), (i, seed) => {
        const a = electServices(i);
        const b = electServices(shuffleInput(i, seed));
        expect([...b]).toEqual([...a]);
      }),
      { numRuns: 300 },
    );
  });

  it('never mutates its input', () => {
    fc.assert(
      fc.property(inputArb, (i) => {
        const before = structuredClone(i);
        electServices(deepFreeze(i));
        expect(i).toEqual(before);
      }),
      { numRuns: 200 },
    );
  });

  it('agrees with the naive oracle: owner = first by hash among nodes passing for any member of the IP group', () => {
    fc.assert(
      fc.property(inputArb, (i) => {
        const decisions = electServices(i);
        expect([...decisions.keys()].sort()).toEqual(i.services.map((s) => s.key).sort());
        for (const s of i.services) {
          const d = decisions.get(s.key);
          const group = oracleGroup(i, s).filter((g) => g.ips.length > 0);
          const passing = i.nodes.filter((n) => group.some((g) => oraclePasses(i, g, n))).map((n) => n.name);
          const ip = group.map((g) => canonicalIp(g.ips[0] as string)).sort()[0];
          const want = ip === undefined ? undefined : electionOrder(passing, ip)[0];
          expect(d?.owner).toBe(want);
          expect(d?.candidates).toEqual(ip === undefined ? [] : electionOrder(passing, ip));
          if (d?.owner !== undefined) {
            expect(i.live.has(d.owner)).toBe(true);
            expect(d.noOwner).toBeUndefined();
            // A Service alone on its IP: the owner passes every check for it.
            if (group.length === 1) expect(oraclePasses(i, s, i.nodes.find((n) => n.name === d.owner) as ElectionNode)).toBe(true);
          } else {
            expect(d?.noOwner).toBeDefined();
          }
          // Candidates and excluded never overlap, and together cover every known node.
          const excluded = d?.excluded.map((x) => x.node) ?? [];
          expect(excluded.filter((n) => d?.candidates.includes(n))).toEqual([]);
          if (s.ips.length > 0) expect([...excluded, ...(d?.candidates ?? [])].sort()).toEqual(i.nodes.map((n) => n.name).sort());
        }
      }),
      { numRuns: 500 },
    );
  });

  it('gives each IP at most one owner, and each owned IP to exactly one node’s announcements', () => {
    fc.assert(
      fc.property(inputArb, (i) => {
        const decisions = electServices(i);
        const ownerOfIp = new Map<string, Set<string>>();
        for (const d of decisions.values()) {
          if (d.owner === undefined) continue;
          for (const ip of d.ips) ownerOfIp.set(ip, (ownerOfIp.get(ip) ?? new Set()).add(d.owner));
        }
        for (const owners of ownerOfIp.values()) expect(owners.size).toBe(1);
        const announced = NODE_NAMES.flatMap((n) => desiredAnnouncements(n, decisions.values()).flatMap((a) => a.ips.map((ip) => [ip, n] as const)));
        expect(announced.map(([ip]) => ip).sort()).toEqual([...ownerOfIp.keys()].sort());
        for (const [ip, n] of announced) expect(ownerOfIp.get(ip)?.has(n)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('removing a live node that owns nothing never moves an IP', () => {
    fc.assert(
      fc.property(inputArb, fc.nat(), (i, pick) => {
        const before = electServices(i);
        const owners = new Set([...before.values()].map((d) => d.owner));
        const idle = [...i.live].filter((n) => !owners.has(n)).sort();
        fc.pre(idle.length > 0);
        const gone = idle[pick % idle.length] as string;
        const after = electServices({ ...i, live: new Set([...i.live].filter((n) => n !== gone)) });
        expect(ownersOf(after)).toEqual(ownersOf(before));
      }),
      { numRuns: 300 },
    );
  });

  it('removing the owner moves its IPs to the next candidate', () => {
    fc.assert(
      fc.property(inputArb, (i) => {
        const before = electServices(i);
        for (const d of before.values()) {
          if (d.owner === undefined) continue;
          const after = electServices({ ...i, live: new Set([...i.live].filter((n) => n !== d.owner)) }).get(d.service);
          expect(after?.owner).toBe(d.candidates[1]);
        }
      }),
      { numRuns: 100 },
    );
  });
});
