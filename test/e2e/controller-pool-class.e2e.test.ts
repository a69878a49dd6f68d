// One --lb-class per namespace (issue 8). Two controllers with different classes reading
// the same namespace's pools would each hand the same free address to their own Services
// and overwrite each other's pool status. As MetalLB does (one installation per
// namespace, each with its own pools), a namespace is served by one class: the acting
// leader holds the Lease ironlb-controller-class, and a leader of another class refuses to
// act (not ready, error log lbClassConflict, Warning LBClassConflict on that Lease) until
// the claim is released or expires. Addresses: 203.0.113.184/30 only.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from '../cluster/exec.js';
import { E2eScope, PoolNamespace, ingressOf, installCrds, type PoolObject } from './fixtures/controller.js';

const s = new E2eScope(inject('cluster'), 'cpcl');
const classA = `ironlb.io/e2e-a-${s.run}`;
const classB = `ironlb.io/e2e-b-${s.run}`;

beforeAll(async () => {
  await installCrds(s.k);
});
afterEach(() => s.cleanup());
afterAll(() => s.close());

describe('controller: one lb-class per namespace', () => {
  it('a second class in the same namespace refuses to act while the first one serves; it takes over once the first stops', async () => {
    const a = await s.startLeader({ identity: s.name('ctl-a'), args: ['--lb-class', classA] });
    const ns = await s.createNamespace('classes');
    const pool = await s.pool('shared', { addresses: ['203.0.113.184-203.0.113.185'], serviceAllocation: { namespaces: [ns] } });
    await s.createService(ns, 'svc-a', { loadBalancerClass: classA });
    expect(await s.waitAssigned(ns, 'svc-a')).toEqual({ ips: ['203.0.113.184'], pool });
    await s.waitPool(pool, 'one address in use', (p) => p.status?.assignedIPv4 === 1);

    // Its own leader lease, so only the class claim can stop it.
    const b = await s.startController({ identity: s.name('ctl-b'), args: ['--lb-class', classB, '--lease-name', `${s.leaseName}-b`] });
    const conflict = await waitFor('ctl-b to refuse', async () => b.linesWith('lbClassConflict')[0], 30_000, 100);
    expect(String(conflict.msg)).toContain(`served by the controller with lb-class "${classA}" (${a.identity})`);
    expect(await b.readyzStatus()).not.toBe(200);
    const ev = await s.waitEvent(PoolNamespace, 'ironlb-controller-class', 'LBClassConflict', undefined, 'Lease');
    expect(ev.type).toBe('Warning');

    // b's Service gets nothing, where it would otherwise get a's address (a's allocator and
    // b's each see .184 free for their own class); the pool status stays a's.
    await s.createService(ns, 'svc-b', { loadBalancerClass: classB });
    const statuses: (PoolObject['status'] | undefined)[] = [];
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 300));
      statuses.push((await s.getPool(pool)).status);
    }
    expect(ingressOf(await s.getService(ns, 'svc-b'))).toEqual([]);
    expect(statuses.every((st) => st?.assignedIPv4 === 1)).toBe(true);
    expect(b.linesWith('ipAllocated')).toEqual([]);

    // The first class leaves (its Service first, so nothing of class A holds an address).
    await s.deleteService(ns, 'svc-a');
    await s.waitPool(pool, 'no address in use', (p) => p.status?.assignedIPv4 === 0);
    await a.stop();
    await b.waitInitialSync(30_000);
    expect(await s.waitIngress(ns, 'svc-b')).toEqual(['203.0.113.184']);
    await b.waitReady();
  });
});

describe('controller: RBAC', () => {
  it('needed no permission beyond deploy/10-controller-rbac.yaml', () => {
    expect(s.started.length).toBeGreaterThan(0);
    expect(s.forbidden()).toEqual([]);
  });
});
