// Restart stability: 300 Services on a pool of 250 addresses (so 50 stay pending), then
// ten controller restarts, some with SIGTERM (the lease is released) and some with
// SIGKILL (the next replica waits for the 3 s lease to expire). Not one IP may change,
// not even for a moment (a watch records every ingress each Service ever shows), and
// the pending Services stay pending. Then a restart with a Service whose annotations
// became unreadable (issue 8). Addresses: 2001:db8:200::7:0/112, 203.0.113.192/29 and
// 203.0.113.190-191.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from '../cluster/exec.js';
import { E2eScope, ingressOf, inParallel, installCrds, watchIngressChanges, type ControllerHandle, type ServiceOptions } from './fixtures/controller.js';

const s = new E2eScope(inject('cluster'), 'crs');
const SERVICES = 300;
const POOL_SIZE = 250;
const RESTARTS = 10;
const KILLED = new Set([2, 5, 8, 10]); // the other restarts use SIGTERM

beforeAll(async () => {
  await installCrds(s.k);
});
afterAll(() => s.close());

async function assignments(ns: string): Promise<Map<string, string>> {
  const list = await s.core.listNamespacedService({ namespace: ns });
  return new Map(list.items.map((x) => [x.metadata?.name ?? '', ingressOf(x).join(',')]));
}

async function pendingWithEvent(ns: string): Promise<Set<string>> {
  const evs = await s.core.listNamespacedEvent({ namespace: ns, fieldSelector: 'reason=AllocationFailed,involvedObject.kind=Service' });
  return new Set(evs.items.map((e) => e.involvedObject.name ?? ''));
}

describe('controller: restarts', () => {
  it(`keeps every IP of ${SERVICES} Services through ${RESTARTS} restarts (SIGTERM and SIGKILL); pending ones stay pending`, async () => {
    const ns = await s.createNamespace('restart');
    const pool = await s.createPool('restart', {
      addresses: ['2001:db8:200::7:1-2001:db8:200::7:fa'],
      serviceAllocation: { namespaces: [ns] },
    });
    // The harder cases to re-claim, in a pool of their own: shared IPs (Cluster and Local),
    // dual-stack in both family orders, PreferDualStack, a requested IP.
    const mixed = await s.createPool('mixed', {
      addresses: ['203.0.113.192-203.0.113.199', '2001:db8:200::7:100-2001:db8:200::7:107'],
      serviceAllocation: { namespaces: [ns] },
    });
    let ctl: ControllerHandle = await s.startLeader({ identity: s.name('r0') });
    const names = Array.from({ length: SERVICES }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
    const inMixed = { 'metallb.io/address-pool': mixed };
    const extras: [string, ServiceOptions][] = [
      ...[80, 81, 82].map((port): [string, ServiceOptions] => [`shared-${port}`, { annotations: { ...inMixed, 'metallb.io/allow-shared-ip': 'web' }, ports: [{ port }] }]),
      ...[90, 91].map((port): [string, ServiceOptions] => [
        `local-${port}`,
        { annotations: { ...inMixed, 'metallb.io/allow-shared-ip': 'loc' }, ports: [{ port }], externalTrafficPolicy: 'Local', selector: { app: 'shared-pods' } },
      ]),
      ['dual-46', { annotations: inMixed, ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' }],
      ['dual-64', { annotations: inMixed, ipFamilies: ['IPv6', 'IPv4'], ipFamilyPolicy: 'RequireDualStack' }],
      ['prefer', { annotations: inMixed, ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack' }],
      ['requested', { annotations: { ...inMixed, 'metallb.io/loadBalancerIPs': '203.0.113.199' } }],
    ];
    const t0 = Date.now();
    for (const [n, o] of extras) await s.createService(ns, n, o);
    // Named pool: no other pool in the cluster may serve the 50 that do not fit.
    await inParallel(names, 16, async (n) => {
      await s.createService(ns, n, { ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack', annotations: { 'metallb.io/address-pool': pool } });
    });
    const expected = POOL_SIZE + extras.length;
    const before = await waitFor(`${expected} Services with an IP`, async () => {
      const m = await assignments(ns);
      return [...m.values()].filter((v) => v !== '').length === expected ? m : undefined;
    }, 90_000, 250);
    const pending = names.filter((n) => before.get(n) === '');
    expect(pending).toHaveLength(SERVICES - POOL_SIZE);
    const ext = (n: string) => before.get(n)?.split(',') ?? [];
    expect(new Set(['shared-80', 'shared-81', 'shared-82'].map((n) => before.get(n))).size).toBe(1);
    expect(ext('local-90')).toEqual(ext('local-91'));
    expect(ext('dual-46').map((ip) => ip.includes(':'))).toEqual([false, true]);
    expect(ext('dual-64').map((ip) => ip.includes(':'))).toEqual([true, false]);
    expect(ext('prefer')).toHaveLength(2);
    expect(ext('requested')).toEqual(['203.0.113.199']);
    const all = [...before.keys()];
    await waitFor('an AllocationFailed Event on every pending Service', async () => {
      const seen = await pendingWithEvent(ns);
      return pending.every((n) => seen.has(n)) ? true : undefined;
    }, 60_000, 250);
    await s.waitPool(pool, `${POOL_SIZE} IPv6 in use, none free`, (p) => p.status?.assignedIPv6 === POOL_SIZE && p.status.availableIPv6 === 0, 20_000);
    const assignedIn = Date.now() - t0;
    const distinct = new Set(names.map((n) => before.get(n)).filter((v) => v !== ''));
    expect(distinct.size).toBe(POOL_SIZE);

    const watch = await watchIngressChanges(s.kc, ns);
    const restarts: { n: number; signal: string; readyMs: number }[] = [];
    try {
      for (let r = 1; r <= RESTARTS; r++) {
        const signal = KILLED.has(r) ? 'SIGKILL' : 'SIGTERM';
        await ctl.stop(signal);
        const t = Date.now();
        // A new pod name, as after a real restart: after SIGKILL it must wait for the lease.
        ctl = await s.startController({ identity: s.name(`r${r}`) });
        const done = await ctl.waitInitialSync(60_000);
        restarts.push({ n: r, signal, readyMs: Date.now() - t });
        expect(done).toMatchObject({ reclaimed: expected, reclaimFailed: 0 });
        await ctl.waitReady();
        // Nothing was (re)written: no ingress, no clears.
        expect(ctl.linesWith('ipAllocated'), `restart ${r}`).toEqual([]);
        expect(ctl.linesWith('ipCleared'), `restart ${r}`).toEqual([]);
        const now = await assignments(ns);
        const changed = all.filter((n) => now.get(n) !== before.get(n));
        expect(changed, `IPs changed by restart ${r} (${signal})`).toEqual([]);
      }
      const last = ctl;
      await waitFor(`metallb_allocator_addresses_in_use_total{pool} = ${POOL_SIZE}`, async () =>
        ((await last.metric('metallb_allocator_addresses_in_use_total', { pool })) === POOL_SIZE ? true : undefined), 10_000);
    } finally {
      watch.stop();
    }
    // The watch saw every Service, each with exactly one ingress value over all restarts.
    const flapped = all.filter((n) => (watch.history.get(n) ?? []).length !== 1);
    expect(flapped.map((n) => `${n}: ${JSON.stringify(watch.history.get(n))}`)).toEqual([]);
    for (const n of pending) expect(watch.history.get(n)).toEqual(['']);
    process.stderr.write(`controller-restart: ${POOL_SIZE}/${SERVICES} assigned in ${assignedIn} ms; restarts ${JSON.stringify(restarts)}\n`);
    // SIGKILLed leaders never released the lease: the next one waited for it to expire.
    for (const r of restarts.filter((x) => x.signal === 'SIGKILL')) expect(r.readyMs).toBeGreaterThanOrEqual(2_500);
  });
});

describe('controller: restart with unreadable Services (issue 8, input 1)', () => {
  it('never gives a pending Service the IP of a Service whose annotations became unreadable', async () => {
    for (const c of s.started) await c.stop(); // the lease must be free for this test's leader
    const ns = await s.createNamespace('unread');
    await s.createPool('unread', { addresses: ['203.0.113.190-203.0.113.191'], serviceAllocation: { namespaces: [ns] } });
    let ctl: ControllerHandle = await s.startLeader({ identity: s.name('u0') });
    await s.createService(ns, 'a');
    expect(await s.waitIngress(ns, 'a')).toEqual(['203.0.113.190']);
    await s.createService(ns, 'b', { loadBalancerIP: '203.0.113.191' });
    expect(await s.waitIngress(ns, 'b')).toEqual(['203.0.113.191']);
    // Both spec.loadBalancerIP and the annotation: unreadable, b keeps .191 with a Warning.
    await s.patchService(ns, 'b', { metadata: { annotations: { 'metallb.io/loadBalancerIPs': '203.0.113.191' } } });
    await s.waitEvent(ns, 'b', 'AllocationFailed', /loadBalancerIP/);
    await s.createService(ns, 'c');
    await s.waitEvent(ns, 'c', 'AllocationFailed');
    await ctl.stop('SIGKILL');
    ctl = await s.startController({ identity: s.name('u1') });
    const done = await ctl.waitInitialSync(60_000);
    expect(done).toMatchObject({ reclaimFailed: 0 });
    await ctl.waitReady();
    // c stays pending; b still holds .191; nobody shares it.
    expect(ingressOf(await s.getService(ns, 'b'))).toEqual(['203.0.113.191']);
    expect(ingressOf(await s.getService(ns, 'c'))).toEqual([]);
    expect(ctl.linesWith('ipAllocated')).toEqual([]);
    // The sibling: deleting b really frees .191 for c.
    await s.deleteService(ns, 'b');
    expect(await s.waitIngress(ns, 'c')).toEqual(['203.0.113.191']);
    await ctl.stop();
  });
});

describe('controller: RBAC', () => {
  it('needed no permission beyond deploy/10-controller-rbac.yaml', () => {
    expect(s.started.length).toBeGreaterThan(0);
    expect(s.forbidden()).toEqual([]);
  });
});
