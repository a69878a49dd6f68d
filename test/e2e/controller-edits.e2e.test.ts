// Issue 8, inputs 2 and 3 and their siblings, plus the kinds behind them: pending Services
// are retried when anything that decides sharing changes (not only on a release); an
// edit of a Service keeps the IPs that stay valid; a pool and its Services applied in
// one `kubectl apply` make no Warning; what is written converges to the spec at start-up
// whatever was missed while the controller was down.
// Addresses: 198.51.100.121-124, 203.0.113.200-219, 2001:db8:20::10-1b (the issue's own
// addresses, each pool restricted to its test's namespace).
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from '../cluster/exec.js';
import { E2eScope, PoolNamespace, ingressOf, installCrds, type ControllerHandle } from './fixtures/controller.js';

const s = new E2eScope(inject('cluster'), 'ced');
const share = (key: string) => ({ 'metallb.io/allow-shared-ip': key });
let ctl: ControllerHandle;

beforeAll(async () => {
  await installCrds(s.k);
  ctl = await s.startLeader();
});
afterEach(() => s.cleanup());
afterAll(() => s.close());

/** Waits for the Service to have no IP; it lost it and waits. */
async function waitPending(ns: string, name: string): Promise<void> {
  await s.waitIngress(ns, name, (ips) => ips.length === 0);
}

describe('controller: sharing is re-evaluated (issue 8, input 2)', () => {
  it("the issue's input: UDP 53 and TCP 53 share; UDP turns Local and loses the IP; TCP turns Local too: UDP gets it back", async () => {
    const ns = await s.createNamespace('in2');
    await s.pool('in2', { addresses: ['198.51.100.121/32'], serviceAllocation: { namespaces: [ns] } });
    const common = { annotations: share('dns'), selector: { app: 'dns' } };
    await s.createService(ns, 'dns-udp', { ...common, ports: [{ port: 53, protocol: 'UDP' }] });
    await s.createService(ns, 'dns-tcp', { ...common, ports: [{ port: 53, protocol: 'TCP' }] });
    expect(await s.waitIngress(ns, 'dns-udp')).toEqual(['198.51.100.121']);
    expect(await s.waitIngress(ns, 'dns-tcp')).toEqual(['198.51.100.121']);
    // Local cannot share with Cluster: the UDP one loses the IP (correct).
    await s.patchService(ns, 'dns-udp', { spec: { externalTrafficPolicy: 'Local' } });
    await waitPending(ns, 'dns-udp');
    await s.waitEvent(ns, 'dns-udp', 'AllocationFailed');
    // The controller is done with it (annotation removed, its writes seen back), as when a
    // user makes the second change minutes later.
    await waitFor('the pool annotation removed from dns-udp', async () => ((await s.poolAnnotation(ns, 'dns-udp')) === undefined ? true : undefined), 10_000, 100);
    await new Promise((r) => setTimeout(r, 1_500));
    // Both Local with the same selector: compatible again, with no address released.
    await s.patchService(ns, 'dns-tcp', { spec: { externalTrafficPolicy: 'Local' } });
    expect(await s.waitIngress(ns, 'dns-udp', undefined, 10_000)).toEqual(['198.51.100.121']);
    expect(ingressOf(await s.getService(ns, 'dns-tcp'))).toEqual(['198.51.100.121']);
  });

  it('sibling: the holder takes the selector of the pending Local Service', async () => {
    const ns = await s.createNamespace('in2sel');
    await s.pool('in2sel', { addresses: ['198.51.100.122/32'], serviceAllocation: { namespaces: [ns] } });
    await s.createService(ns, 'a', { annotations: share('k'), selector: { app: 'x' }, externalTrafficPolicy: 'Local', ports: [{ port: 80 }] });
    expect(await s.waitIngress(ns, 'a')).toEqual(['198.51.100.122']);
    await s.createService(ns, 'b', { annotations: share('k'), selector: { app: 'y' }, externalTrafficPolicy: 'Local', ports: [{ port: 81 }] });
    await s.waitEvent(ns, 'b', 'AllocationFailed');
    await s.patchService(ns, 'a', { spec: { selector: { app: 'y' } } });
    expect(await s.waitIngress(ns, 'b', undefined, 10_000)).toEqual(['198.51.100.122']);
  });

  it('sibling: the holder moves off the clashing port', async () => {
    const ns = await s.createNamespace('in2port');
    await s.pool('in2port', { addresses: ['198.51.100.123/32'], serviceAllocation: { namespaces: [ns] } });
    await s.createService(ns, 'a', { annotations: share('k'), ports: [{ port: 80 }] });
    expect(await s.waitIngress(ns, 'a')).toEqual(['198.51.100.123']);
    await s.createService(ns, 'b', { annotations: share('k'), ports: [{ port: 80 }] });
    await s.waitEvent(ns, 'b', 'AllocationFailed', /port/);
    await s.patchService(ns, 'a', { spec: { ports: [{ name: 'p0', port: 8080, protocol: 'TCP' }] } });
    expect(await s.waitIngress(ns, 'b', undefined, 10_000)).toEqual(['198.51.100.123']);
  });

  it('sibling: the holder takes the sharing key of the pending Service', async () => {
    const ns = await s.createNamespace('in2key');
    await s.pool('in2key', { addresses: ['198.51.100.124/32'], serviceAllocation: { namespaces: [ns] } });
    await s.createService(ns, 'a', { annotations: share('one'), ports: [{ port: 80 }] });
    expect(await s.waitIngress(ns, 'a')).toEqual(['198.51.100.124']);
    await s.createService(ns, 'b', { annotations: share('two'), ports: [{ port: 81 }] });
    await s.waitEvent(ns, 'b', 'AllocationFailed');
    await s.patchService(ns, 'a', { metadata: { annotations: share('two') } });
    expect(await s.waitIngress(ns, 'b', undefined, 10_000)).toEqual(['198.51.100.124']);
  });

  it("sibling: a pool's spec change (serviceAllocation) lets a pending Service in", async () => {
    const ns = await s.createNamespace('in2pool');
    const other = await s.createNamespace('in2none');
    const pool = await s.pool('in2pool', { addresses: ['203.0.113.218/32'], serviceAllocation: { namespaces: [other] } });
    await s.createService(ns, 'a');
    await s.waitEvent(ns, 'a', 'AllocationFailed');
    await s.updatePoolSpec(pool, { addresses: ['203.0.113.218/32'], serviceAllocation: { namespaces: [other, ns] } });
    expect(await s.waitIngress(ns, 'a', undefined, 10_000)).toEqual(['203.0.113.218']);
  });
});

describe('controller: an IP-family policy edit keeps the valid IPs (issue 8, input 3)', () => {
  const dual = ['IPv4', 'IPv6'] as ('IPv4' | 'IPv6')[];

  /** A Service `name` holding the pool's second IPv4 (the first is free again). */
  async function atSecond(ns: string, pool: string, name: string, o: Parameters<E2eScope['createService']>[2] = {}): Promise<string[]> {
    await s.createService(ns, 'filler');
    await s.waitIngress(ns, 'filler');
    await s.createService(ns, name, o);
    const ips = await s.waitIngress(ns, name);
    await s.deleteService(ns, 'filler');
    await s.waitPool(pool, 'the filler released', (p) => p.status?.assignedIPv4 === 1);
    return ips;
  }

  it("the issue's input: SingleStack IPv4 at .201 -> RequireDualStack keeps .201 and gains an IPv6 from the same pool", async () => {
    const ns = await s.createNamespace('in3');
    const pool = await s.pool('in3', { addresses: ['203.0.113.200-203.0.113.203', '2001:db8:20::10-2001:db8:20::13'], serviceAllocation: { namespaces: [ns] } });
    expect(await atSecond(ns, pool, 'svc', { ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' })).toEqual(['203.0.113.201']);
    await s.patchService(ns, 'svc', { spec: { ipFamilyPolicy: 'RequireDualStack', ipFamilies: dual } });
    expect(await s.waitIngress(ns, 'svc', (ips) => ips.length === 2)).toEqual(['203.0.113.201', '2001:db8:20::10']);
    expect(await s.poolAnnotation(ns, 'svc')).toBe(pool);
    // And back: dual -> SingleStack keeps the IPv4.
    await s.patchService(ns, 'svc', { spec: { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] } });
    expect(await s.waitIngress(ns, 'svc', (ips) => ips.length === 1)).toEqual(['203.0.113.201']);
  });

  it('sibling: RequireDualStack -> SingleStack keeps the IPv4', async () => {
    const ns = await s.createNamespace('in3down');
    const pool = await s.pool('in3down', { addresses: ['203.0.113.204-203.0.113.207', '2001:db8:20::14-2001:db8:20::17'], serviceAllocation: { namespaces: [ns] } });
    expect(await atSecond(ns, pool, 'svc', { ipFamilies: dual, ipFamilyPolicy: 'RequireDualStack' })).toEqual(['203.0.113.205', '2001:db8:20::14']);
    await s.patchService(ns, 'svc', { spec: { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] } });
    expect(await s.waitIngress(ns, 'svc', (ips) => ips.length === 1)).toEqual(['203.0.113.205']);
  });

  it('sibling: SingleStack -> PreferDualStack -> SingleStack keeps the IPv4 throughout', async () => {
    const ns = await s.createNamespace('in3pref');
    const pool = await s.pool('in3pref', { addresses: ['203.0.113.208-203.0.113.211', '2001:db8:20::18-2001:db8:20::1b'], serviceAllocation: { namespaces: [ns] } });
    expect(await atSecond(ns, pool, 'svc', { ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' })).toEqual(['203.0.113.209']);
    await s.patchService(ns, 'svc', { spec: { ipFamilyPolicy: 'PreferDualStack', ipFamilies: dual } });
    expect(await s.waitIngress(ns, 'svc', (ips) => ips.length === 2)).toEqual(['203.0.113.209', '2001:db8:20::18']);
    await s.patchService(ns, 'svc', { spec: { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] } });
    expect(await s.waitIngress(ns, 'svc', (ips) => ips.length === 1)).toEqual(['203.0.113.209']);
  });

  it('sibling: requesting the IP it already holds changes nothing; a pool annotation naming its pool neither', async () => {
    const ns = await s.createNamespace('in3req');
    const pool = await s.pool('in3req', { addresses: ['203.0.113.212-203.0.113.213'], serviceAllocation: { namespaces: [ns] } });
    expect(await atSecond(ns, pool, 'svc')).toEqual(['203.0.113.213']);
    await s.patchService(ns, 'svc', { metadata: { annotations: { 'metallb.io/loadBalancerIPs': '203.0.113.213', 'metallb.io/address-pool': pool } } });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(ingressOf(await s.getService(ns, 'svc'))).toEqual(['203.0.113.213']);
    expect(ctl.linesWith('ipAllocated').filter((l) => l.service === `${ns}/svc`)).toHaveLength(1);
  });
});

describe('controller: no Warning for what resolves itself (issue 8, noise)', () => {
  it('one `kubectl apply` of Services, their pool and its advertisement makes no Warning (AllocationFailed, NotAdvertised)', async () => {
    const ns = await s.createNamespace('apply');
    const pool = s.name('apply');
    const svc = (name: string) => `---
apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${ns} }
spec: { type: LoadBalancer, selector: { app: ${name} }, ports: [{ port: 80 }] }
`;
    // Services first, as a kustomization may order them: the pool arrives a moment later.
    const manifest = `${svc('one')}${svc('two')}${svc('three')}---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: ${pool}, namespace: ${PoolNamespace} }
spec: { addresses: [203.0.113.214-203.0.113.217], serviceAllocation: { namespaces: [${ns}] } }
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: ${pool}, namespace: ${PoolNamespace} }
spec: { ipAddressPools: [${pool}] }
`;
    try {
      await s.k.ok(['apply', '-f', '-'], { input: manifest });
      for (const n of ['one', 'two', 'three']) await s.waitIngress(ns, n);
      // Past the settle time: a Warning would have been posted by now.
      await new Promise((r) => setTimeout(r, 2_500));
      const warnings = (await s.core.listNamespacedEvent({ namespace: ns })).items.filter((e) => e.type === 'Warning');
      expect(warnings.map((e) => `${e.involvedObject.name}: ${e.reason}: ${e.message}`)).toEqual([]);
    } finally {
      await s.k(['delete', 'l2advertisement', pool, '-n', PoolNamespace, '--ignore-not-found']);
      await s.deletePool(pool);
    }
  });
});

describe('controller: cleanup never depends on seeing the transition (issue 8, level-triggered)', () => {
  it('a Service that left LoadBalancer while the controller was down loses our annotation at start; a MetalLB-era one goes too', async () => {
    const ns = await s.createNamespace('down');
    await s.pool('down', { addresses: ['203.0.113.219/32'], serviceAllocation: { namespaces: [ns] } });
    await s.createService(ns, 'gone');
    await s.waitAssigned(ns, 'gone');
    await s.createService(ns, 'migrated', { annotations: { 'metallb.universe.tf/ip-allocated-from-pool': 'metallb-era' } });
    await s.waitEvent(ns, 'migrated', 'AllocationFailed');
    await ctl.stop('SIGKILL');
    await s.patchService(ns, 'gone', { spec: { type: 'ClusterIP' } });
    expect(ingressOf(await s.getService(ns, 'gone'))).toEqual([]); // the API server emptied it
    ctl = await s.startLeader({ identity: s.name('after-down') });
    await waitFor('our annotation removed from the ClusterIP Service', async () => ((await s.poolAnnotation(ns, 'gone')) === undefined ? true : undefined), 15_000, 100);
    // The freed address goes to the pending Service, with our annotation replacing MetalLB's.
    const got = await s.waitAssigned(ns, 'migrated');
    expect(got.ips).toEqual(['203.0.113.219']);
    const ann = (await s.getService(ns, 'migrated')).metadata?.annotations ?? {};
    expect(ann['metallb.universe.tf/ip-allocated-from-pool']).toBeUndefined();
  });
});

describe('controller: RBAC', () => {
  it('needed no permission beyond deploy/10-controller-rbac.yaml', () => {
    expect(s.forbidden()).toEqual([]);
  });
});
