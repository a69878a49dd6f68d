// The controller reads L2Advertisements (issue 8): an IP in a pool that no advertisement
// selects is assigned but answered by no node, which MetalLB leaves silent. We say so:
// a Warning Event NotAdvertised on the Service, once per state, and the pool condition
// Advertised=False (reason NoL2Advertisement), which turns True, naming the
// advertisements, once one selects the pool (by name, by pool selector, or by listing
// neither). Advertisements whose serviceSelectors skip a Service are named in its Event.
// Addresses: 203.0.113.156/30 only.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { E2eScope, PoolNamespace, installCrds, isNotFound, type PoolObject } from './fixtures/controller.js';

const s = new E2eScope(inject('cluster'), 'cpad');
const condition = (p: PoolObject, type: string) => p.status?.conditions?.find((c) => c.type === type);
const ads = new Set<string>();

async function createAdvertisement(suffix: string, spec: Record<string, unknown>): Promise<string> {
  const name = s.name(suffix);
  ads.add(name);
  await s.custom.createNamespacedCustomObject({
    group: 'metallb.io', version: 'v1beta1', plural: 'l2advertisements', namespace: PoolNamespace,
    body: { apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: { name }, spec },
  });
  return name;
}

async function deleteAdvertisements(): Promise<void> {
  for (const name of [...ads]) {
    try {
      await s.custom.deleteNamespacedCustomObject({ group: 'metallb.io', version: 'v1beta1', plural: 'l2advertisements', namespace: PoolNamespace, name });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    ads.delete(name);
  }
}

beforeAll(async () => {
  await installCrds(s.k);
  // Another suite's leftover advertisement selecting every pool would hide what we test.
  const existing = (await s.custom.listNamespacedCustomObject({ group: 'metallb.io', version: 'v1beta1', plural: 'l2advertisements', namespace: PoolNamespace })) as { items: unknown[] };
  expect(existing.items).toEqual([]);
  await s.startLeader();
});
afterEach(async () => {
  await deleteAdvertisements();
  await s.cleanup();
});
afterAll(async () => {
  await deleteAdvertisements();
  await s.close();
});

describe('controller: L2Advertisement coverage', () => {
  it('warns on a Service whose pool no advertisement selects, and marks the pool Advertised=False until one does', async () => {
    const ns = await s.createNamespace('uncovered');
    const pool = await s.pool('lonely', { addresses: ['203.0.113.156-203.0.113.157'], serviceAllocation: { namespaces: [ns] } });
    await s.k.ok(['label', 'ipaddresspool', pool, '-n', PoolNamespace, `e2e-run=${s.run}`]);
    const p = await s.waitPool(pool, 'Advertised=False', (x) => condition(x, 'Advertised')?.status === 'False');
    expect(condition(p, 'Advertised')?.reason).toBe('NoL2Advertisement');

    await s.createService(ns, 'web');
    expect(await s.waitIngress(ns, 'web')).toEqual(['203.0.113.156']);
    const ev = await s.waitEvent(ns, 'web', 'NotAdvertised');
    expect(ev.type).toBe('Warning');
    expect(ev.message).toContain(`203.0.113.156 from pool ${pool} is assigned but not announced by any node: no L2Advertisement selects pool ${pool}`);

    // An advertisement for another pool changes nothing; one selecting ours by label does.
    await createAdvertisement('other', { ipAddressPools: ['some-other-pool'] });
    const byLabel = await createAdvertisement('bylabel', { ipAddressPoolSelectors: [{ matchLabels: { 'e2e-run': s.run } }] });
    const covered = await s.waitPool(pool, 'Advertised=True', (x) => condition(x, 'Advertised')?.status === 'True');
    expect(condition(covered, 'Advertised')?.message).toBe(`announced in layer 2 under L2Advertisement ${byLabel}`);
    // Told once: the Warning was not repeated while uncovered.
    expect((await s.events(ns, 'web')).filter((e) => e.reason === 'NotAdvertised').map((e) => e.count ?? 1)).toEqual([1]);

    // Gone again: the pool says so at once.
    await s.custom.deleteNamespacedCustomObject({ group: 'metallb.io', version: 'v1beta1', plural: 'l2advertisements', namespace: PoolNamespace, name: byLabel });
    ads.delete(byLabel);
    await s.waitPool(pool, 'Advertised=False again', (x) => condition(x, 'Advertised')?.status === 'False');

    // Labelling the pool alone (no spec change) is enough to be selected.
    const gold = await createAdvertisement('gold', { ipAddressPoolSelectors: [{ matchLabels: { tier: `gold-${s.run}` } }] });
    await s.k.ok(['label', 'ipaddresspool', pool, '-n', PoolNamespace, `tier=gold-${s.run}`]);
    const relabelled = await s.waitPool(pool, 'Advertised=True after a label change', (x) => condition(x, 'Advertised')?.status === 'True');
    expect(condition(relabelled, 'Advertised')?.message).toContain(gold);
  });

  it('names the advertisements whose serviceSelectors skip the Service; an advertisement listing no pools covers all', async () => {
    const ns = await s.createNamespace('skipped');
    const pool = await s.pool('sel', { addresses: ['203.0.113.158-203.0.113.159'], serviceAllocation: { namespaces: [ns] } });
    const onlyDb = await createAdvertisement('only-db', { ipAddressPools: [pool], serviceSelectors: [{ matchLabels: { role: 'db' } }] });
    await s.waitPool(pool, 'Advertised=True', (x) => condition(x, 'Advertised')?.status === 'True');
    await s.createService(ns, 'web', { labels: { role: 'web' } });
    await s.createService(ns, 'db', { labels: { role: 'db' } });
    await s.waitIngress(ns, 'web');
    await s.waitIngress(ns, 'db');
    const ev = await s.waitEvent(ns, 'web', 'NotAdvertised');
    expect(ev.message).toContain(`the L2Advertisements selecting pool ${pool} (${onlyDb}) do not select this Service by their serviceSelectors`);
    // An advertisement with neither ipAddressPools nor selectors covers every pool.
    const all = await createAdvertisement('all', {});
    const p = await s.waitPool(pool, 'advertised by both', (x) => (condition(x, 'Advertised')?.message ?? '').includes(all));
    expect(condition(p, 'Advertised')?.message).toContain(onlyDb);
    // db was covered throughout: never warned.
    expect((await s.events(ns, 'db')).filter((e) => e.reason === 'NotAdvertised')).toEqual([]);
  });
});

describe('controller: RBAC', () => {
  it('needed no permission beyond deploy/10-controller-rbac.yaml', () => {
    expect(s.started.length).toBeGreaterThan(0);
    expect(s.forbidden()).toEqual([]);
  });
});
