// Pool changes while Services hold addresses: a deleted pool's Services move to another
// pool or are cleared (ClearAssignment), a shrunk pool moves or clears only the Services
// that lost their address, a grown pool serves a pending Service, overlapping pools and
// host bits are reported in the pool's status conditions, and the counts are right.
// Addresses: 203.0.113.96/27, 203.0.113.128/27, 203.0.113.254/31 and 2001:db8:200::4:0/112.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from '../cluster/exec.js';
import { E2eScope, installCrds, watchIngressChanges, type PoolObject } from './fixtures/controller.js';

const s = new E2eScope(inject('cluster'), 'cp');
const condition = (p: PoolObject, type: string) => p.status?.conditions?.find((c) => c.type === type);

beforeAll(async () => {
  await installCrds(s.k);
  await s.startLeader();
});
afterEach(() => s.cleanup());
afterAll(() => s.close());

describe('controller: pool changes', () => {
  it('moves the Services of a deleted pool to another pool, and clears those that can go nowhere', async () => {
    const ns = await s.createNamespace('deleted');
    const [a, b] = await Promise.all([
      s.pool('del-a', { addresses: ['203.0.113.96-203.0.113.97'], serviceAllocation: { namespaces: [ns], priority: 1 } }),
      s.pool('del-b', { addresses: ['203.0.113.98-203.0.113.99'], serviceAllocation: { namespaces: [ns], priority: 2 } }),
    ]);
    await s.createService(ns, 'mover');
    expect(await s.waitAssigned(ns, 'mover')).toEqual({ ips: ['203.0.113.96'], pool: a });
    // Named pool: once it is gone, nothing else may serve it.
    await s.createService(ns, 'pinned', { annotations: { 'metallb.io/address-pool': a } });
    expect(await s.waitAssigned(ns, 'pinned')).toEqual({ ips: ['203.0.113.97'], pool: a });

    await s.deletePool(a);
    expect(await s.waitIngressIs(ns, 'mover', ['203.0.113.98'])).toEqual(['203.0.113.98']);
    await waitFor('mover annotated with the new pool', async () => ((await s.poolAnnotation(ns, 'mover')) === b ? true : undefined), 10_000);
    await s.waitEvent(ns, 'mover', 'IPAllocated', /203\.0\.113\.98/);

    await s.waitIngress(ns, 'pinned', (ips) => ips.length === 0);
    const cleared = await s.waitEvent(ns, 'pinned', 'ClearAssignment');
    expect(cleared.type).toBe('Warning');
    expect(cleared.message).toContain('203.0.113.97');
    expect(cleared.message).toContain(`asks for pool "${a}", which does not exist`);
    await waitFor('pinned to lose ip-allocated-from-pool', async () => ((await s.poolAnnotation(ns, 'pinned')) === undefined ? true : undefined), 10_000);
    const failed = await s.waitEvent(ns, 'pinned', 'AllocationFailed');
    expect(failed.message).toContain('does not exist');
    await s.waitPool(b, 'one address in use', (p) => p.status?.assignedIPv4 === 1);
  });

  it('moves or clears only the Services whose address a shrunk pool dropped; the others never change', async () => {
    const ns = await s.createNamespace('shrunk');
    const [c, d] = await Promise.all([
      s.pool('shr-c', { addresses: ['203.0.113.100-203.0.113.103'], serviceAllocation: { namespaces: [ns], priority: 1 } }),
      s.pool('shr-d', { addresses: ['203.0.113.104/32'], serviceAllocation: { namespaces: [ns], priority: 2 } }),
    ]);
    for (const [n, ip] of [['s1', '203.0.113.100'], ['s2', '203.0.113.101'], ['s3', '203.0.113.102']] as const) {
      await s.createService(ns, n);
      expect(await s.waitAssigned(ns, n)).toEqual({ ips: [ip], pool: c });
    }
    await s.createService(ns, 's4', { annotations: { 'metallb.io/address-pool': c } });
    expect(await s.waitAssigned(ns, 's4')).toEqual({ ips: ['203.0.113.103'], pool: c });

    const watch = await watchIngressChanges(s.kc, ns);
    try {
      await s.updatePoolSpec(c, { addresses: ['203.0.113.100-203.0.113.101'], serviceAllocation: { namespaces: [ns], priority: 1 } });
      expect(await s.waitIngressIs(ns, 's3', ['203.0.113.104'])).toEqual(['203.0.113.104']);
      await s.waitIngress(ns, 's4', (ips) => ips.length === 0);
      const ev = await s.waitEvent(ns, 's4', 'ClearAssignment');
      expect(ev.message).toMatch(/203\.0\.113\.103.*no available IPs/);
      await waitFor('s3 annotated with the new pool', async () => ((await s.poolAnnotation(ns, 's3')) === d ? true : undefined), 10_000);
      const pc = await s.waitPool(c, 'counts after shrinking', (p) => p.status?.assignedIPv4 === 2 && p.status.availableIPv4 === 0 && condition(p, 'Valid')?.observedGeneration === p.metadata.generation);
      expect(pc.metadata.generation).toBe(2);
    } finally {
      watch.stop();
    }
    // s1 and s2 kept their address the whole time.
    expect(watch.history.get('s1') ?? ['203.0.113.100']).toEqual(['203.0.113.100']);
    expect(watch.history.get('s2') ?? ['203.0.113.101']).toEqual(['203.0.113.101']);
    expect((await s.getService(ns, 's1')).status?.loadBalancer?.ingress?.map((i) => i.ip)).toEqual(['203.0.113.100']);
    expect((await s.getService(ns, 's2')).status?.loadBalancer?.ingress?.map((i) => i.ip)).toEqual(['203.0.113.101']);
  });

  it('serves a pending Service once its pool grows', async () => {
    const ns = await s.createNamespace('grown');
    const pool = await s.pool('grow', { addresses: ['203.0.113.140/32'], serviceAllocation: { namespaces: [ns] } });
    const annotations = { 'metallb.io/address-pool': pool };
    await s.createService(ns, 'first', { annotations });
    expect(await s.waitIngress(ns, 'first')).toEqual(['203.0.113.140']);
    await s.createService(ns, 'waiting', { annotations });
    await s.waitEvent(ns, 'waiting', 'AllocationFailed', /no available IPs/);
    await s.updatePoolSpec(pool, { addresses: ['203.0.113.140-203.0.113.141'], serviceAllocation: { namespaces: [ns] } });
    expect(await s.waitIngress(ns, 'waiting')).toEqual(['203.0.113.141']);
    expect(await s.waitIngress(ns, 'first')).toEqual(['203.0.113.140']);
  });
});

describe('controller: avoidBuggyIPs', () => {
  it('never hands out .255 (or .0) from a pool that avoids buggy IPs, not even on request', async () => {
    const ns = await s.createNamespace('buggy');
    const pool = await s.pool('buggy', { addresses: ['203.0.113.254-203.0.113.255'], avoidBuggyIPs: true, serviceAllocation: { namespaces: [ns] } });
    const annotations = { 'metallb.io/address-pool': pool };
    await s.createService(ns, 'first', { annotations });
    expect(await s.waitIngress(ns, 'first')).toEqual(['203.0.113.254']);
    await s.createService(ns, 'second', { annotations });
    await s.waitEvent(ns, 'second', 'AllocationFailed', /no available IPs/);
    await s.createService(ns, 'asks', { annotations: { 'metallb.io/loadBalancerIPs': '203.0.113.255' } });
    const ev = await s.waitEvent(ns, 'asks', 'AllocationFailed');
    expect(ev.message).toContain(`203.0.113.255 ends in .0 or .255 and pool ${pool} sets avoidBuggyIPs`);
    // .255 is not usable, so it is not counted as available either.
    const p = await s.waitPool(pool, 'one address in use', (x) => x.status?.assignedIPv4 === 1);
    expect(p.status).toMatchObject({ assignedIPv4: 1, availableIPv4: 0 });
  });
});

describe('controller: pool status', () => {
  it('marks the later of two overlapping pools Overlapping=True, naming both pools and the range', async () => {
    const ns = await s.createNamespace('overlap');
    const older = await s.pool('ov-a', { addresses: ['203.0.113.112/29'], serviceAllocation: { namespaces: [ns] } });
    const newer = await s.pool('ov-b', { addresses: ['203.0.113.117-203.0.113.122'], serviceAllocation: { namespaces: [ns] } });
    const p = await s.waitPool(newer, 'Overlapping=True', (x) => condition(x, 'Overlapping')?.status === 'True');
    const msg = condition(p, 'Overlapping')!.message;
    expect(msg).toContain(older);
    expect(msg).toContain(newer);
    expect(msg).toContain('203.0.113.117-203.0.113.119');
    expect(condition(p, 'Valid')?.status).toBe('True');
    // The newer pool does not hand out the shared part: its first address is .120.
    expect(p.status).toMatchObject({ availableIPv4: 3 });
    await s.createService(ns, 'from-newer', { annotations: { 'metallb.io/address-pool': newer } });
    expect(await s.waitIngress(ns, 'from-newer')).toEqual(['203.0.113.120']);
    const ev = await s.waitEvent('metallb-system', newer, 'PoolOverlap', undefined, 'IPAddressPool');
    expect(ev.type).toBe('Warning');
    // Removing the older pool ends the overlap.
    await s.deletePool(older);
    await s.waitPool(newer, 'Overlapping=False', (x) => condition(x, 'Overlapping')?.status === 'False');
  });

  it('accepts a CIDR with host bits set, uses the whole network and says so with HostBitsSet=True', async () => {
    const ns = await s.createNamespace('hostbits');
    const pool = await s.pool('hb', { addresses: ['203.0.113.131/29'], serviceAllocation: { namespaces: [ns] } });
    const p = await s.waitPool(pool, 'HostBitsSet=True', (x) => condition(x, 'HostBitsSet')?.status === 'True');
    expect(condition(p, 'HostBitsSet')!.message).toContain('203.0.113.128/29');
    expect(condition(p, 'Valid')?.status).toBe('True');
    expect(p.spec.addresses).toEqual(['203.0.113.131/29']);
    expect(p.status).toMatchObject({ assignedIPv4: 0, availableIPv4: 8 });
    await s.createService(ns, 'net', { annotations: { 'metallb.io/address-pool': pool } });
    expect(await s.waitIngress(ns, 'net')).toEqual(['203.0.113.128']);
    const ev = await s.waitEvent('metallb-system', pool, 'PoolWarning', /host bits/, 'IPAddressPool');
    expect(ev.type).toBe('Warning');
  });

  it('counts assigned and available addresses per family, a dual-stack Service in both', async () => {
    const ns = await s.createNamespace('counts');
    const pool = await s.pool('counts', { addresses: ['203.0.113.136-203.0.113.139', '2001:db8:200::4:0/120'], serviceAllocation: { namespaces: [ns] } });
    expect((await s.getPool(pool)).status).toMatchObject({ assignedIPv4: 0, assignedIPv6: 0, availableIPv4: 4, availableIPv6: 256 });
    await s.createService(ns, 'dual', { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' });
    await s.createService(ns, 'four');
    await s.createService(ns, 'six', { ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack' });
    for (const n of ['dual', 'four', 'six']) await s.waitIngress(ns, n);
    const p = await s.waitPool(pool, '2 IPv4 and 2 IPv6 in use', (x) => x.status?.assignedIPv4 === 2 && x.status.assignedIPv6 === 2);
    expect(p.status).toMatchObject({ assignedIPv4: 2, assignedIPv6: 2, availableIPv4: 2, availableIPv6: 254 });
  });
});

describe('controller: RBAC', () => {
  it('needed no permission beyond deploy/10-controller-rbac.yaml', () => {
    expect(s.started.length).toBeGreaterThan(0);
    expect(s.forbidden()).toEqual([]);
  });
});
