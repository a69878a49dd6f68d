// Sharing one IP between Services (metallb.io/allow-shared-ip) and dual-stack Services
// on a dual-stack API server (service CIDRs 10.96.0.0/16 and fd00:10:96::/108).
// Addresses: 203.0.113.64/27 and 2001:db8:200::3:0/112 only.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { E2eScope, installCrds } from './fixtures/controller.js';

const s = new E2eScope(inject('cluster'), 'csd');
const share = (key: string) => ({ 'metallb.io/allow-shared-ip': key });

beforeAll(async () => {
  await installCrds(s.k);
  await s.startLeader();
});
afterEach(() => s.cleanup());
afterAll(() => s.close());

describe('controller: sharing an IP', () => {
  it('gives Services with the same key and different ports the same IP, counted once, until the last one goes', async () => {
    const ns = await s.createNamespace('share');
    const pool = await s.pool('share', { addresses: ['203.0.113.64-203.0.113.65'], serviceAllocation: { namespaces: [ns] } });
    await s.createService(ns, 'http', { annotations: share('web'), ports: [{ port: 80 }] });
    const [ip] = await s.waitIngress(ns, 'http');
    await s.createService(ns, 'https', { annotations: share('web'), ports: [{ port: 443 }] });
    // UDP 80 does not clash with TCP 80.
    await s.createService(ns, 'dns', { annotations: share('web'), ports: [{ port: 80, protocol: 'UDP' }] });
    expect(await s.waitIngress(ns, 'https')).toEqual([ip]);
    expect(await s.waitIngress(ns, 'dns')).toEqual([ip]);
    await s.waitPool(pool, 'one address in use', (p) => p.status?.assignedIPv4 === 1 && p.status.availableIPv4 === 1);

    // Deleting one sharer keeps the IP with the others; a newcomer without the key gets the other address.
    await s.deleteService(ns, 'http');
    await s.createService(ns, 'loner');
    expect(await s.waitIngress(ns, 'loner')).not.toEqual([ip]);
    expect(await s.waitIngress(ns, 'https')).toEqual([ip]);
  });

  it('refuses to share when ports clash: a requested shared IP fails, an unrequested one gets another IP', async () => {
    const ns = await s.createNamespace('clash');
    await s.pool('clash', { addresses: ['203.0.113.68-203.0.113.69'], serviceAllocation: { namespaces: [ns] } });
    await s.createService(ns, 'first', { annotations: share('k'), ports: [{ port: 80 }] });
    expect(await s.waitIngress(ns, 'first')).toEqual(['203.0.113.68']);
    await s.createService(ns, 'asks', { annotations: { ...share('k'), 'metallb.io/loadBalancerIPs': '203.0.113.68' }, ports: [{ port: 80 }] });
    const ev = await s.waitEvent(ns, 'asks', 'AllocationFailed');
    expect(ev.message).toContain(`port TCP/80 on 203.0.113.68 is already used by ${ns}/first`);
    expect((await s.getService(ns, 'asks')).status?.loadBalancer?.ingress ?? []).toEqual([]);
    await s.createService(ns, 'auto', { annotations: share('k'), ports: [{ port: 80 }] });
    expect(await s.waitIngress(ns, 'auto')).toEqual(['203.0.113.69']);
  });

  it('refuses to share between different keys', async () => {
    const ns = await s.createNamespace('keys');
    await s.pool('keys', { addresses: ['203.0.113.72-203.0.113.73'], serviceAllocation: { namespaces: [ns] } });
    await s.createService(ns, 'a', { annotations: share('alpha'), ports: [{ port: 80 }] });
    expect(await s.waitIngress(ns, 'a')).toEqual(['203.0.113.72']);
    await s.createService(ns, 'b', { annotations: { ...share('beta'), 'metallb.io/loadBalancerIPs': '203.0.113.72' }, ports: [{ port: 81 }] });
    const ev = await s.waitEvent(ns, 'b', 'AllocationFailed');
    expect(ev.message).toContain(`203.0.113.72 is used by ${ns}/a with sharing key "alpha", not "beta"`);
    // And a Service with no key never joins a shared IP.
    await s.createService(ns, 'c', { annotations: { 'metallb.io/loadBalancerIPs': '203.0.113.72' }, ports: [{ port: 82 }] });
    const noKey = await s.waitEvent(ns, 'c', 'AllocationFailed');
    expect(noKey.message).toContain('has no metallb.io/allow-shared-ip key');
    for (const n of ['b', 'c']) expect((await s.getService(ns, n)).status?.loadBalancer?.ingress ?? [], n).toEqual([]);
  });

  it('shares between externalTrafficPolicy: Local Services only when their selectors are the same', async () => {
    const ns = await s.createNamespace('local');
    await s.pool('local', { addresses: ['203.0.113.76-203.0.113.77'], serviceAllocation: { namespaces: [ns] } });
    const local = { externalTrafficPolicy: 'Local' as const };
    await s.createService(ns, 'l1', { ...local, annotations: share('l'), selector: { app: 'one' }, ports: [{ port: 80 }] });
    expect(await s.waitIngress(ns, 'l1')).toEqual(['203.0.113.76']);
    await s.createService(ns, 'same-pods', { ...local, annotations: share('l'), selector: { app: 'one' }, ports: [{ port: 81 }] });
    expect(await s.waitIngress(ns, 'same-pods')).toEqual(['203.0.113.76']);
    await s.createService(ns, 'other-pods', { ...local, annotations: { ...share('l'), 'metallb.io/loadBalancerIPs': '203.0.113.76' }, selector: { app: 'two' }, ports: [{ port: 82 }] });
    const ev = await s.waitEvent(ns, 'other-pods', 'AllocationFailed');
    expect(ev.message).toMatch(/203\.0\.113\.76.*Local Services must share only with Services that have the same selector/);
    await s.createService(ns, 'other-auto', { ...local, annotations: share('l'), selector: { app: 'two' }, ports: [{ port: 83 }] });
    expect(await s.waitIngress(ns, 'other-auto')).toEqual(['203.0.113.77']);
  });
});

describe('controller: dual-stack Services', () => {
  it('gives a SingleStack IPv6 Service one IPv6 address', async () => {
    const ns = await s.createNamespace('v6');
    await s.pool('v6', { addresses: ['203.0.113.80/32', '2001:db8:200::3:0/124'], serviceAllocation: { namespaces: [ns] } });
    await s.createService(ns, 'six', { ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack' });
    expect(await s.waitIngress(ns, 'six')).toEqual(['2001:db8:200::3:0']);
  });

  it('gives RequireDualStack one IPv4 and one IPv6 from the same pool, in ipFamilies order', async () => {
    const ns = await s.createNamespace('dual');
    const [, both] = await Promise.all([
      // Tried first, but has no IPv6: the dual-stack Services skip it.
      s.pool('v4only', { addresses: ['203.0.113.81/32'], serviceAllocation: { namespaces: [ns], priority: 1 } }),
      s.pool('both', { addresses: ['203.0.113.82-203.0.113.83', '2001:db8:200::3:10/124'], serviceAllocation: { namespaces: [ns], priority: 2 } }),
    ]);
    await s.createService(ns, 'd46', { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' });
    expect(await s.waitAssigned(ns, 'd46')).toEqual({ ips: ['203.0.113.82', '2001:db8:200::3:10'], pool: both });
    await s.createService(ns, 'd64', { ipFamilies: ['IPv6', 'IPv4'], ipFamilyPolicy: 'RequireDualStack' });
    expect(await s.waitAssigned(ns, 'd64')).toEqual({ ips: ['2001:db8:200::3:11', '203.0.113.83'], pool: both });
    // Requested dual-stack addresses, one per family, through loadBalancerIPs.
    await s.createService(ns, 'asks', { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack', annotations: { 'metallb.io/loadBalancerIPs': '2001:db8:200::3:1f,203.0.113.82' }, ports: [{ port: 81 }] });
    await s.waitEvent(ns, 'asks', 'AllocationFailed'); // 203.0.113.82 is taken and not shared
  });

  it('fails RequireDualStack when no single pool has both families', async () => {
    const ns = await s.createNamespace('split');
    await Promise.all([
      s.pool('split4', { addresses: ['203.0.113.84/32'], serviceAllocation: { namespaces: [ns] } }),
      s.pool('split6', { addresses: ['2001:db8:200::3:20/128'], serviceAllocation: { namespaces: [ns] } }),
    ]);
    // Named pool, so no other pool in the cluster can serve it.
    await s.createService(ns, 'needs-both', { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack', annotations: { 'metallb.io/address-pool': s.name('split4') } });
    const ev = await s.waitEvent(ns, 'needs-both', 'AllocationFailed');
    expect(ev.message).toMatch(/IPv4 and IPv6 from one pool/);
    expect((await s.getService(ns, 'needs-both')).status?.loadBalancer?.ingress ?? []).toEqual([]);
  });

  it('adds the second family from the same pool when a SingleStack Service becomes PreferDualStack', async () => {
    const ns = await s.createNamespace('upgrade');
    const pool = await s.pool('upgrade', { addresses: ['203.0.113.89/32', '2001:db8:200::3:30/124'], serviceAllocation: { namespaces: [ns] } });
    await s.createService(ns, 'grows', { ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', annotations: { 'metallb.io/address-pool': pool } });
    expect(await s.waitIngress(ns, 'grows')).toEqual(['203.0.113.89']);
    await s.patchService(ns, 'grows', { spec: { ipFamilyPolicy: 'PreferDualStack' } });
    expect(await s.waitIngressIs(ns, 'grows', ['203.0.113.89', '2001:db8:200::3:30'])).toHaveLength(2);
    await s.waitPool(pool, 'one address of each family in use', (p) => p.status?.assignedIPv4 === 1 && p.status.assignedIPv6 === 1);
  });

  it('gives PreferDualStack one IP when its pool has only IPv4', async () => {
    const ns = await s.createNamespace('prefer');
    const pool = await s.pool('prefer', { addresses: ['203.0.113.88/32'], serviceAllocation: { namespaces: [ns] } });
    await s.createService(ns, 'pref', { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack', annotations: { 'metallb.io/address-pool': pool } });
    expect(await s.waitAssigned(ns, 'pref')).toEqual({ ips: ['203.0.113.88'], pool });
    const svc = await s.getService(ns, 'pref');
    expect(svc.spec?.ipFamilies).toEqual(['IPv4', 'IPv6']);
  });
});

describe('controller: RBAC', () => {
  it('needed no permission beyond deploy/10-controller-rbac.yaml', () => {
    expect(s.started.length).toBeGreaterThan(0);
    expect(s.forbidden()).toEqual([]);
  });
});
