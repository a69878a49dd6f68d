// What a Service can ask for, and how pools choose Services: requested IPs (in a pool,
// outside every pool, in an autoAssign: false pool, of the wrong family, outside the
// requested pool), the address-pool annotation and its deprecated metallb.universe.tf/
// spelling, and serviceAllocation priority / namespaces / namespaceSelectors /
// serviceSelectors. Addresses: 203.0.113.32/27 and 2001:db8:200::2:0/112 only.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { E2eScope, installCrds } from './fixtures/controller.js';

const s = new E2eScope(inject('cluster'), 'cr');

beforeAll(async () => {
  await installCrds(s.k);
  await s.startLeader();
});
afterEach(() => s.cleanup());
afterAll(() => s.close());

describe('controller: requested IPs', () => {
  it('gives a Service the IP it asks for (annotation or spec.loadBalancerIP); others get the lowest free one', async () => {
    const ns = await s.createNamespace('req');
    const pool = await s.pool('req', { addresses: ['203.0.113.32-203.0.113.35'], serviceAllocation: { namespaces: [ns] } });
    await s.createService(ns, 'by-annotation', { annotations: { 'metallb.io/loadBalancerIPs': '203.0.113.34' } });
    expect(await s.waitAssigned(ns, 'by-annotation')).toEqual({ ips: ['203.0.113.34'], pool });
    await s.createService(ns, 'by-spec', { loadBalancerIP: '203.0.113.32' });
    expect(await s.waitIngress(ns, 'by-spec')).toEqual(['203.0.113.32']);
    await s.createService(ns, 'auto');
    expect(await s.waitIngress(ns, 'auto')).toEqual(['203.0.113.33']);
  });

  it('refuses an IP outside every pool with an AllocationFailed Warning that says why', async () => {
    const ns = await s.createNamespace('outside');
    await s.pool('outside', { addresses: ['203.0.113.36/32'], serviceAllocation: { namespaces: [ns] } });
    await s.createService(ns, 'lost', { annotations: { 'metallb.io/loadBalancerIPs': '203.0.113.62' } });
    const ev = await s.waitEvent(ns, 'lost', 'AllocationFailed');
    expect(ev.type).toBe('Warning');
    expect(ev.message).toMatch(/203\.0\.113\.62 is not in any IPAddressPool/);
    expect((await s.getService(ns, 'lost')).status?.loadBalancer?.ingress ?? []).toEqual([]);
  });

  it('gives a requested IP from an autoAssign: false pool, which never serves unrequested Services', async () => {
    const ns = await s.createNamespace('manual');
    const [manual, auto] = await Promise.all([
      s.pool('manual', { addresses: ['203.0.113.40-203.0.113.41'], autoAssign: false, serviceAllocation: { namespaces: [ns], priority: 1 } }),
      s.pool('auto', { addresses: ['203.0.113.42/32'], serviceAllocation: { namespaces: [ns], priority: 2 } }),
    ]);
    await s.createService(ns, 'asks', { annotations: { 'metallb.io/loadBalancerIPs': '203.0.113.41' } });
    expect(await s.waitAssigned(ns, 'asks')).toEqual({ ips: ['203.0.113.41'], pool: manual });
    await s.createService(ns, 'plain');
    expect(await s.waitAssigned(ns, 'plain')).toEqual({ ips: ['203.0.113.42'], pool: auto });
  });

  it('refuses a requested IP of the wrong family', async () => {
    const ns = await s.createNamespace('family');
    await s.pool('family', { addresses: ['203.0.113.44/32', '2001:db8:200::2:0/124'], serviceAllocation: { namespaces: [ns] } });
    await s.createService(ns, 'v4-asks-v6', { ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', annotations: { 'metallb.io/loadBalancerIPs': '2001:db8:200::2:5' } });
    const ev = await s.waitEvent(ns, 'v4-asks-v6', 'AllocationFailed');
    expect(ev.message).toMatch(/2001:db8:200::2:5 \(IPv6\) do not match SingleStack IPv4/);
    expect((await s.getService(ns, 'v4-asks-v6')).status?.loadBalancer?.ingress ?? []).toEqual([]);
    // The same address on an IPv6 Service is fine.
    await s.createService(ns, 'v6-asks-v6', { ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack', annotations: { 'metallb.io/loadBalancerIPs': '2001:db8:200::2:5' } });
    expect(await s.waitIngress(ns, 'v6-asks-v6')).toEqual(['2001:db8:200::2:5']);
  });

  it('refuses a requested IP that is not in the requested pool', async () => {
    const ns = await s.createNamespace('mismatch');
    const [a, b] = await Promise.all([
      s.pool('mm-a', { addresses: ['203.0.113.45/32'], serviceAllocation: { namespaces: [ns] } }),
      s.pool('mm-b', { addresses: ['203.0.113.46/32'], serviceAllocation: { namespaces: [ns] } }),
    ]);
    await s.createService(ns, 'mixed', { annotations: { 'metallb.io/loadBalancerIPs': '203.0.113.45', 'metallb.io/address-pool': b } });
    const ev = await s.waitEvent(ns, 'mixed', 'AllocationFailed');
    expect(ev.message).toContain(`203.0.113.45 is in pool ${a}, not in the requested pool ${b}`);
  });
});

describe('controller: changing a request', () => {
  it('moves a Service to its newly requested IP and gives the old one to a pending Service', async () => {
    const ns = await s.createNamespace('change');
    const [a] = await Promise.all([
      s.pool('chg-a', { addresses: ['203.0.113.60-203.0.113.61'], serviceAllocation: { namespaces: [ns] } }),
      s.pool('chg-b', { addresses: ['203.0.113.62/32'], autoAssign: false, serviceAllocation: { namespaces: [ns] } }),
    ]);
    await s.createService(ns, 'mover', { annotations: { 'metallb.io/loadBalancerIPs': '203.0.113.60' } });
    expect(await s.waitIngress(ns, 'mover')).toEqual(['203.0.113.60']);
    await s.createService(ns, 'other', { annotations: { 'metallb.io/address-pool': a } });
    expect(await s.waitIngress(ns, 'other')).toEqual(['203.0.113.61']);
    await s.createService(ns, 'waiting', { annotations: { 'metallb.io/address-pool': a } });
    await s.waitEvent(ns, 'waiting', 'AllocationFailed', /no available IPs/);

    await s.patchService(ns, 'mover', { metadata: { annotations: { 'metallb.io/loadBalancerIPs': '203.0.113.62' } } });
    expect(await s.waitIngressIs(ns, 'mover', ['203.0.113.62'])).toEqual(['203.0.113.62']);
    expect(await s.waitIngress(ns, 'waiting')).toEqual(['203.0.113.60']);
    expect(await s.waitIngress(ns, 'other')).toEqual(['203.0.113.61']);
  });
});

describe('controller: the address-pool annotation', () => {
  it('takes the IP from the named pool, and says so when the pool does not exist', async () => {
    const ns = await s.createNamespace('named');
    const [, second] = await Promise.all([
      s.pool('first', { addresses: ['203.0.113.48/32'], serviceAllocation: { namespaces: [ns], priority: 1 } }),
      s.pool('second', { addresses: ['203.0.113.49/32'], serviceAllocation: { namespaces: [ns], priority: 2 } }),
    ]);
    await s.createService(ns, 'picky', { annotations: { 'metallb.io/address-pool': second } });
    expect(await s.waitAssigned(ns, 'picky')).toEqual({ ips: ['203.0.113.49'], pool: second });
    await s.createService(ns, 'typo', { annotations: { 'metallb.io/address-pool': `${second}-nope` } });
    const ev = await s.waitEvent(ns, 'typo', 'AllocationFailed');
    expect(ev.message).toContain(`asks for pool "${second}-nope", which does not exist`);
  });

  it('still honours the deprecated metallb.universe.tf/address-pool, with a deprecatedAnnotation Warning', async () => {
    const ns = await s.createNamespace('legacy');
    const [, second] = await Promise.all([
      s.pool('l-first', { addresses: ['203.0.113.50/32'], serviceAllocation: { namespaces: [ns], priority: 1 } }),
      s.pool('l-second', { addresses: ['203.0.113.51/32'], serviceAllocation: { namespaces: [ns], priority: 2 } }),
    ]);
    await s.createService(ns, 'old', { annotations: { 'metallb.universe.tf/address-pool': second } });
    expect(await s.waitAssigned(ns, 'old')).toEqual({ ips: ['203.0.113.51'], pool: second });
    const ev = await s.waitEvent(ns, 'old', 'deprecatedAnnotation');
    expect(ev.type).toBe('Warning');
    expect(ev.message).toContain('metallb.universe.tf/address-pool');
    expect(ev.message).toContain('metallb.io/');
  });
});

describe('controller: serviceAllocation', () => {
  it('tries pools by ascending priority, unset priority last', async () => {
    const ns = await s.createNamespace('prio');
    const [p10, p5, unset] = await Promise.all([
      s.pool('p10', { addresses: ['203.0.113.52/32'], serviceAllocation: { namespaces: [ns], priority: 10 } }),
      s.pool('p5', { addresses: ['203.0.113.53/32'], serviceAllocation: { namespaces: [ns], priority: 5 } }),
      s.pool('punset', { addresses: ['203.0.113.54/32'], serviceAllocation: { namespaces: [ns] } }),
    ]);
    const got: { ips: string[]; pool: string }[] = [];
    for (const n of ['s1', 's2', 's3']) {
      await s.createService(ns, n);
      got.push(await s.waitAssigned(ns, n));
    }
    expect(got).toEqual([{ ips: ['203.0.113.53'], pool: p5 }, { ips: ['203.0.113.52'], pool: p10 }, { ips: ['203.0.113.54'], pool: unset }]);
  });

  it('selects by namespaces and namespaceSelectors (ORed), and follows namespace labels', async () => {
    const label = `team-${s.run}`;
    const nsA = await s.createNamespace('ns-a');
    const nsB = await s.createNamespace('ns-b', { [label]: 'blue' });
    const nsC = await s.createNamespace('ns-c');
    const pool = await s.pool('by-ns', {
      addresses: ['203.0.113.55-203.0.113.57'],
      serviceAllocation: { namespaces: [nsA], namespaceSelectors: [{ matchLabels: { [label]: 'blue' } }] },
    });
    await s.createService(nsA, 'a');
    await s.createService(nsB, 'b');
    const [a, b] = [await s.waitAssigned(nsA, 'a'), await s.waitAssigned(nsB, 'b')];
    expect([...a.ips, ...b.ips].sort()).toEqual(['203.0.113.55', '203.0.113.56']);
    expect([a.pool, b.pool]).toEqual([pool, pool]);
    // nsC is neither listed nor labelled: even when named, the pool refuses it.
    await s.createService(nsC, 'c', { annotations: { 'metallb.io/address-pool': pool } });
    const ev = await s.waitEvent(nsC, 'c', 'AllocationFailed');
    expect(ev.message).toContain(`pool ${pool}'s serviceAllocation does not select Service ${nsC}/c`);
    // Labelling the namespace is enough: the controller watches namespace labels.
    await s.labelNamespace(nsC, { [label]: 'blue' });
    expect(await s.waitAssigned(nsC, 'c')).toEqual({ ips: ['203.0.113.57'], pool });
    // And removing the label takes the address away again.
    await s.labelNamespace(nsC, { [label]: null });
    await s.waitIngress(nsC, 'c', (ips) => ips.length === 0);
    const cleared = await s.waitEvent(nsC, 'c', 'ClearAssignment');
    expect(cleared.message).toContain('203.0.113.57');
  });

  it('selects by serviceSelectors', async () => {
    const ns = await s.createNamespace('svcsel');
    const [gold, plain] = await Promise.all([
      s.pool('gold', { addresses: ['203.0.113.58/32'], serviceAllocation: { priority: 1, namespaces: [ns], serviceSelectors: [{ matchLabels: { tier: 'gold' } }] } }),
      s.pool('plain', { addresses: ['203.0.113.59/32'], serviceAllocation: { priority: 2, namespaces: [ns] } }),
    ]);
    await s.createService(ns, 'common');
    expect(await s.waitAssigned(ns, 'common')).toEqual({ ips: ['203.0.113.59'], pool: plain });
    await s.createService(ns, 'vip', { labels: { tier: 'gold' } });
    expect(await s.waitAssigned(ns, 'vip')).toEqual({ ips: ['203.0.113.58'], pool: gold });
  });
});

describe('controller: RBAC', () => {
  it('needed no permission beyond deploy/10-controller-rbac.yaml', () => {
    expect(s.started.length).toBeGreaterThan(0);
    expect(s.forbidden()).toEqual([]);
  });
});
