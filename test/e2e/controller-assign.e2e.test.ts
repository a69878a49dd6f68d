// The controller assigning IPs on a real API server, running as its ServiceAccount:
// range and CIDR pools, first-fit order, the ip-allocated-from-pool annotation, Events,
// exhaustion and the IP a deleted Service (or one that stops being a LoadBalancer)
// gives back to a pending Service, loadBalancerClass, pool status counts, /metrics and
// /readyz. Addresses: 203.0.113.0/27 and 2001:db8:200::1:0/112 only.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from '../cluster/exec.js';
import { E2eScope, installCrds, type ControllerHandle } from './fixtures/controller.js';

const s = new E2eScope(inject('cluster'), 'ca');
let ctl: ControllerHandle;
const poolAnn = 'metallb.io/address-pool';

beforeAll(async () => {
  await installCrds(s.k);
  ctl = await s.startLeader();
});
afterEach(() => s.cleanup());
afterAll(() => s.close());

describe('controller: assigning', () => {
  it('is ready once it leads and has synced', async () => {
    await ctl.waitReady();
    expect(await ctl.readyzStatus()).toBe(200);
  });

  it('assigns first-fit from a range pool, writes the pool annotation and an IPAllocated Event', async () => {
    const ns = await s.createNamespace('range');
    const pool = await s.pool('range', { addresses: ['203.0.113.1-203.0.113.3'], serviceAllocation: { namespaces: [ns] } });
    await s.createService(ns, 'one');
    expect(await s.waitAssigned(ns, 'one')).toEqual({ ips: ['203.0.113.1'], pool });
    await s.createService(ns, 'two');
    expect(await s.waitAssigned(ns, 'two')).toEqual({ ips: ['203.0.113.2'], pool });
    const ev = await s.waitEvent(ns, 'two', 'IPAllocated');
    expect(ev.type).toBe('Normal');
    expect(ev.message).toContain('203.0.113.2');
    // The ingress entry carries ipMode VIP (the LB IP is bound on nodes, as kube-proxy expects).
    expect((await s.getService(ns, 'one')).status?.loadBalancer?.ingress).toEqual([{ ip: '203.0.113.1', ipMode: 'VIP' }]);
  });

  it('assigns from IPv4 and IPv6 CIDR pools, network address included', async () => {
    const ns = await s.createNamespace('cidr');
    await s.pool('cidr', { addresses: ['203.0.113.8/30', '2001:db8:200::1:0/124'], serviceAllocation: { namespaces: [ns] } });
    await s.createService(ns, 'v4');
    expect(await s.waitIngress(ns, 'v4')).toEqual(['203.0.113.8']);
    await s.createService(ns, 'v6', { ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack' });
    expect(await s.waitIngress(ns, 'v6')).toEqual(['2001:db8:200::1:0']);
  });

  it('leaves a Service pending with AllocationFailed when the pool is exhausted, and gives it the IP a deleted Service frees', async () => {
    const ns = await s.createNamespace('exhaust');
    // Pinned by annotation, so no other pool in the cluster can serve these Services.
    const pool = await s.pool('exhaust', { addresses: ['203.0.113.12-203.0.113.13'], serviceAllocation: { namespaces: [ns] } });
    const annotations = { [poolAnn]: pool };
    await s.createService(ns, 'a', { annotations });
    const ipA = await s.waitIngress(ns, 'a');
    await s.createService(ns, 'b', { annotations });
    const ipB = await s.waitIngress(ns, 'b');
    expect([...ipA, ...ipB].sort()).toEqual(['203.0.113.12', '203.0.113.13']);

    await s.createService(ns, 'pending', { annotations });
    const failed = await s.waitEvent(ns, 'pending', 'AllocationFailed');
    expect(failed.type).toBe('Warning');
    expect(failed.message).toMatch(/no available IPs/);
    expect(failed.message).toContain(pool);
    expect((await s.getService(ns, 'pending')).status?.loadBalancer?.ingress ?? []).toEqual([]);
    await s.waitPool(pool, 'assignedIPv4 2, availableIPv4 0', (p) => p.status?.assignedIPv4 === 2 && p.status.availableIPv4 === 0);

    await s.deleteService(ns, 'a');
    expect(await s.waitIngress(ns, 'pending')).toEqual(ipA);
    expect(await s.waitIngress(ns, 'b')).toEqual(ipB);
    await s.waitEvent(ns, 'pending', 'IPAllocated', new RegExp(ipA[0]!.replaceAll('.', '\\.')));
  });

  it('frees the IP of a Service changed from LoadBalancer to ClusterIP for a pending Service', async () => {
    const ns = await s.createNamespace('type');
    const pool = await s.pool('type', { addresses: ['203.0.113.14/32'], serviceAllocation: { namespaces: [ns] } });
    const annotations = { [poolAnn]: pool };
    await s.createService(ns, 'x', { annotations });
    expect(await s.waitIngress(ns, 'x')).toEqual(['203.0.113.14']);
    await s.createService(ns, 'y', { annotations });
    await s.waitEvent(ns, 'y', 'AllocationFailed', /no available IPs/);

    await s.patchService(ns, 'x', { spec: { type: 'ClusterIP' } });
    expect(await s.waitIngress(ns, 'y')).toEqual(['203.0.113.14']);
    const x = await s.getService(ns, 'x');
    expect(x.spec?.type).toBe('ClusterIP');
    expect(x.status?.loadBalancer?.ingress ?? []).toEqual([]);
    // Our annotation goes with the IP: a ClusterIP Service holds nothing from a pool.
    await waitFor('x to lose ip-allocated-from-pool', async () => ((await s.poolAnnotation(ns, 'x')) === undefined ? true : undefined), 10_000);
  });

  it('never touches a Service of another loadBalancerClass', async () => {
    const ns = await s.createNamespace('class');
    await s.pool('class', { addresses: ['203.0.113.16-203.0.113.17'], serviceAllocation: { namespaces: [ns] } });
    await s.createService(ns, 'theirs', { loadBalancerClass: 'example.com/other-lb' });
    await s.createService(ns, 'ours');
    expect(await s.waitIngress(ns, 'ours')).toEqual(['203.0.113.16']);
    // Both were reconciled by now (the later one has its IP); the other class got nothing.
    await s.waitEvent(ns, 'ours', 'IPAllocated');
    const theirs = await s.getService(ns, 'theirs');
    expect(theirs.status?.loadBalancer?.ingress ?? []).toEqual([]);
    expect(theirs.metadata?.annotations?.['metallb.io/ip-allocated-from-pool']).toBeUndefined();
    expect(await s.events(ns, 'theirs')).toEqual([]);
    expect(ctl.lines().filter((l) => String(l.service ?? '').endsWith('/theirs'))).toEqual([]);
  });

  it('keeps IPAddressPool.status counts and metallb_allocator_* metrics right', async () => {
    const ns = await s.createNamespace('counts');
    const pool = await s.pool('counts', { addresses: ['203.0.113.20-203.0.113.23', '2001:db8:200::1:10-2001:db8:200::1:13'], serviceAllocation: { namespaces: [ns] } });
    let p = await s.getPool(pool);
    expect(p.status).toMatchObject({ assignedIPv4: 0, assignedIPv6: 0, availableIPv4: 4, availableIPv6: 4 });
    for (const n of ['a', 'b', 'c']) await s.createService(ns, n);
    await s.createService(ns, 'six', { ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack' });
    for (const n of ['a', 'b', 'c', 'six']) await s.waitIngress(ns, n);
    p = await s.waitPool(pool, 'assignedIPv4 3, assignedIPv6 1', (x) => x.status?.assignedIPv4 === 3 && x.status.assignedIPv6 === 1);
    expect(p.status).toMatchObject({ assignedIPv4: 3, assignedIPv6: 1, availableIPv4: 1, availableIPv6: 3 });
    await waitFor('metallb_allocator_addresses_in_use_total to say 4', async () =>
      ((await ctl.metric('metallb_allocator_addresses_in_use_total', { pool })) === 4 ? true : undefined), 10_000);
    const text = await ctl.metrics();
    const m = (name: string) => expect(text, name).toMatch(new RegExp(`^${name}\\{pool="${pool}"\\} `, 'm'));
    for (const name of ['metallb_allocator_addresses_total', 'metallb_allocator_ipv4_addresses_in_use_total', 'metallb_allocator_ipv6_addresses_in_use_total']) m(name);
    expect(await ctl.metric('metallb_allocator_addresses_total', { pool })).toBe(8);
    expect(await ctl.metric('metallb_allocator_ipv4_addresses_in_use_total', { pool })).toBe(3);
    expect(await ctl.metric('metallb_allocator_ipv6_addresses_in_use_total', { pool })).toBe(1);
    expect(await ctl.metric('metallb_k8s_client_config_loaded_bool')).toBe(1);

    await s.deleteService(ns, 'b');
    await s.waitPool(pool, 'assignedIPv4 2 after a delete', (x) => x.status?.assignedIPv4 === 2 && x.status.availableIPv4 === 2);
    await waitFor('in-use metric to drop to 3', async () =>
      ((await ctl.metric('metallb_allocator_addresses_in_use_total', { pool })) === 3 ? true : undefined), 10_000);

    // A deleted pool's series go away instead of freezing on dashboards.
    await s.deletePool(pool);
    await waitFor(`the series of deleted pool ${pool} to disappear`, async () => ((await ctl.metrics()).includes(`pool="${pool}"`) ? undefined : true), 10_000);
  });
});

describe('controller: RBAC', () => {
  it('needed no permission beyond deploy/10-controller-rbac.yaml', () => {
    expect(s.started.length).toBeGreaterThan(0);
    expect(s.forbidden()).toEqual([]);
  });
});
