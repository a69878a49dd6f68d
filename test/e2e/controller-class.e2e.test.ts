// --lb-class: a controller started with a class handles exactly the Services of that
// spec.loadBalancerClass, and never touches class-less Services or those of another
// class. Addresses: 203.0.113.176/28 only.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { E2eScope, installCrds, type ControllerHandle } from './fixtures/controller.js';

const s = new E2eScope(inject('cluster'), 'ccl');
const ourClass = `ironlb.io/e2e-${s.run}`;
let ctl: ControllerHandle;

beforeAll(async () => {
  await installCrds(s.k);
  ctl = await s.startLeader({ args: ['--lb-class', ourClass] });
});
afterEach(() => s.cleanup());
afterAll(() => s.close());

describe('controller: --lb-class', () => {
  it('handles only Services of its class', async () => {
    const ns = await s.createNamespace('class');
    const pool = await s.pool('class', { addresses: ['203.0.113.176-203.0.113.179'], serviceAllocation: { namespaces: [ns] } });
    // The ones to leave alone first, so they are surely handled before ours gets its IP.
    await s.createService(ns, 'classless');
    await s.createService(ns, 'other', { loadBalancerClass: 'example.com/other-lb' });
    await s.createService(ns, 'mine', { loadBalancerClass: ourClass });
    expect(await s.waitAssigned(ns, 'mine')).toEqual({ ips: ['203.0.113.176'], pool });
    await s.waitEvent(ns, 'mine', 'IPAllocated');
    for (const n of ['classless', 'other']) {
      const svc = await s.getService(ns, n);
      expect(svc.status?.loadBalancer?.ingress ?? [], n).toEqual([]);
      expect(svc.metadata?.annotations?.['metallb.io/ip-allocated-from-pool'], n).toBeUndefined();
      expect(await s.events(ns, n), n).toEqual([]);
    }
    expect(ctl.lines().filter((l) => /\/(classless|other)$/.test(String(l.service ?? '')))).toEqual([]);
    await s.waitPool(pool, 'one address in use', (p) => p.status?.assignedIPv4 === 1);
  });
});

describe('controller: RBAC', () => {
  it('needed no permission beyond deploy/10-controller-rbac.yaml', () => {
    expect(s.started.length).toBeGreaterThan(0);
    expect(s.forbidden()).toEqual([]);
  });
});
