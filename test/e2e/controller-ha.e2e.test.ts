// Two controller replicas on one Lease, both running as ServiceAccount ironlb-controller:
// the standby keeps warm caches and writes nothing while the leader lives; when the
// leader dies (SIGKILL: the lease must expire) or stops (SIGTERM: it releases the lease)
// the standby takes over, assigns new Services, re-writes nothing, and the two replicas'
// write intervals never overlap. Addresses: 203.0.113.160/28 only.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { E2eScope, installCrds, inParallel, timeOf, type ControllerHandle, type LogLine } from './fixtures/controller.js';

const s = new E2eScope(inject('cluster'), 'cha');

beforeAll(async () => {
  await installCrds(s.k);
});
afterEach(async () => {
  await s.close();
});
afterAll(() => s.close());

/** [first, last] time of this replica's ingress writes, or undefined when it wrote none. */
function writeInterval(lines: LogLine[]): [number, number] | undefined {
  const times = lines.filter((l) => l.event === 'ipAllocated').map(timeOf);
  return times.length === 0 ? undefined : [Math.min(...times), Math.max(...times)];
}

function expectOwnIdentity(c: ControllerHandle): void {
  const lines = c.lines();
  expect(lines.length).toBeGreaterThan(0);
  const foreign = lines.filter((l) => l.identity !== c.identity);
  expect(foreign, `log lines of ${c.identity} without its identity`).toEqual([]);
}

async function snapshot(ns: string, names: string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const n of names) out[n] = (await s.getService(ns, n)).status?.loadBalancer?.ingress?.map((i) => i.ip ?? '') ?? [];
  return out;
}

describe('controller: two replicas', () => {
  it('the standby writes nothing while the leader lives, and takes over after the leader is SIGKILLed and its lease expires', async () => {
    const ns = await s.createNamespace('kill');
    // No controller runs yet: the leader picks the pool up during its initial sync.
    await s.createPool('kill', { addresses: ['203.0.113.160-203.0.113.167'], serviceAllocation: { namespaces: [ns] } });
    const a = await s.startLeader({ identity: s.name('a') });
    const b = await s.startController({ identity: s.name('b') });
    // A standby is ready as soon as it could take over.
    await b.waitReady();
    const first = ['s1', 's2', 's3', 's4'];
    await inParallel(first, 4, (n) => s.createService(ns, n).then(() => undefined));
    for (const n of first) await s.waitIngress(ns, n);
    const before = await snapshot(ns, first);

    // The standby wrote nothing: no ingress, no clear, no Event (Events name their writer).
    expect(b.linesWith('ipAllocated')).toEqual([]);
    expect(b.linesWith('ipCleared')).toEqual([]);
    const eventsBy = async (who: string) =>
      (await s.core.listNamespacedEvent({ namespace: ns })).items.filter((e) => e.reportingInstance === who).map((e) => `${e.involvedObject.name}:${e.reason}`);
    expect(await eventsBy(b.identity)).toEqual([]);
    // (This pool has no L2Advertisement, so a NotAdvertised Warning may follow each IPAllocated a second later.)
    expect((await eventsBy(a.identity)).filter((e) => !e.endsWith(':NotAdvertised')).sort()).toEqual(first.map((n) => `${n}:IPAllocated`).sort());
    expect(b.linesWith('leaderElected')).toEqual([]);
    expect(b.linesWith('initialSyncDone')).toEqual([]);
    expect(a.linesWith('ipAllocated').map((l) => l.service).sort()).toEqual(first.map((n) => `${ns}/${n}`));
    expect(await b.metric('ironlb_controller_is_leader')).not.toBe(1);
    expect(await a.metric('ironlb_controller_is_leader')).toBe(1);

    await a.stop('SIGKILL');
    const killedAt = Date.now();
    const later = ['s5', 's6'];
    for (const n of later) await s.createService(ns, n);
    const took = await b.waitInitialSync(30_000);
    // The lease (3 s) had to expire: nobody released it.
    expect(timeOf(took) - killedAt).toBeGreaterThanOrEqual(2_000);
    for (const n of later) await s.waitIngress(ns, n);
    expect(await snapshot(ns, first)).toEqual(before);
    expect(b.linesWith('ipAllocated').map((l) => l.service).sort()).toEqual(later.map((n) => `${ns}/${n}`));
    await s.waitEvent(ns, 's6', 'IPAllocated');
    expect((await eventsBy(b.identity)).filter((e) => e.endsWith(':IPAllocated')).sort()).toEqual(later.map((n) => `${n}:IPAllocated`));

    const ia = writeInterval(a.lines())!;
    const ib = writeInterval(b.lines())!;
    expect(ia[1]).toBeLessThan(killedAt);
    expect(ib[0]).toBeGreaterThan(ia[1]);
    expectOwnIdentity(a);
    expectOwnIdentity(b);
    await b.waitReady();
  });

  it('a SIGTERMed leader releases the lease: the standby takes over well before it would expire, with no overlapping writes', async () => {
    const ns = await s.createNamespace('term');
    await s.createPool('term', { addresses: ['203.0.113.168-203.0.113.175'], serviceAllocation: { namespaces: [ns] } });
    // A long lease: a take-over faster than 15 s proves the lease was released.
    const a = await s.startController({ identity: s.name('ta'), leaseDurationSeconds: 15 });
    await a.waitInitialSync();
    const b = await s.startController({ identity: s.name('tb'), leaseDurationSeconds: 15 });
    await b.waitReady();

    // Stop the leader while it is busy writing, the moment a handover is most likely to overlap.
    const burst = ['b1', 'b2', 'b3', 'b4', 'b5', 'b6'];
    const creating = inParallel(burst, 6, (n) => s.createService(ns, n).then(() => undefined));
    await s.waitIngress(ns, 'b1', undefined, 20_000).catch(() => undefined);
    const stoppedAt = Date.now();
    expect(await a.stop('SIGTERM')).toBe(0);
    expect(a.linesWith('leaseReleased')).toHaveLength(1);
    await creating;
    const took = await b.waitInitialSync(20_000);
    expect(timeOf(took) - stoppedAt).toBeLessThan(8_000);
    const ips = new Set<string>();
    for (const n of burst) for (const ip of await s.waitIngress(ns, n)) ips.add(ip);
    expect(ips.size).toBe(burst.length);

    const ia = writeInterval(a.lines());
    const ib = writeInterval(b.lines());
    if (ia && ib) expect(ib[0], `standby wrote at ${ib[0]}, before the old leader's last write at ${ia[1]}`).toBeGreaterThan(ia[1]);
    // Every Service was written by the old leader or the new one, and never given two IPs
    // across the hand-over.
    const written = new Map<string, Set<string>>();
    for (const l of [...a.linesWith('ipAllocated'), ...b.linesWith('ipAllocated')]) {
      const set = written.get(String(l.service)) ?? new Set<string>();
      set.add(JSON.stringify(l.ip));
      written.set(String(l.service), set);
    }
    expect([...written.keys()].sort()).toEqual(burst.map((n) => `${ns}/${n}`).sort());
    for (const [svc, ipsWritten] of written) expect(ipsWritten.size, `${svc} written with ${[...ipsWritten].join(' and ')}`).toBe(1);
    expectOwnIdentity(a);
    expectOwnIdentity(b);
  });
});

describe('controller: RBAC', () => {
  it('needed no permission beyond deploy/10-controller-rbac.yaml', () => {
    expect(s.started.length).toBeGreaterThan(0);
    expect(s.forbidden()).toEqual([]);
  });
});
