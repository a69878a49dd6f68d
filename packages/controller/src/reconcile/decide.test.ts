// decide(): one Service, its written state and the allocator in, a plan out. Tables of
// the cases the controller meets, each checked for its writes, Events and bookkeeping,
// and for the fixpoint: deciding again on what the plan wrote plans nothing.
import { describe, expect, it } from 'vitest';
import type { V1Service } from '@kubernetes/client-node';
import { Allocator } from '../allocator/index.js';
import { pool } from '../allocator/test-support/fixtures.js';
import { decide, withAnnotations, writtenOn, type DecideInput, type ServiceMemory, type ServicePlan, type Written } from './decide.js';

const blue = pool('blue', { addresses: ['198.51.100.0/30'] });
const OURS = 'metallb.io/ip-allocated-from-pool';
const LEGACY = 'metallb.universe.tf/ip-allocated-from-pool';

interface Extra {
  ingress?: string[];
  annotations?: Record<string, string>;
  deleting?: boolean;
}
function svc(name: string, spec: Partial<NonNullable<V1Service['spec']>> = {}, extra: Extra = {}): V1Service {
  return {
    metadata: { name, namespace: 'shop', uid: `uid-${name}`, annotations: extra.annotations, deletionTimestamp: extra.deleting ? new Date() : undefined },
    spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }], selector: { app: name }, ...spec },
    status: extra.ingress ? { loadBalancer: { ingress: extra.ingress.map((ip) => ({ ip })) } } : undefined,
  };
}

function input(s: V1Service | undefined, over: Partial<DecideInput> = {}): DecideInput {
  return {
    key: `shop/${s?.metadata?.name ?? 'gone'}`,
    svc: s,
    written: s ? writtenOn(s) : { ingress: [], pool: undefined, legacyPool: undefined },
    namespaceLabels: {},
    lbClass: undefined,
    memory: undefined,
    now: 10_000,
    poolsSettling: false,
    settleMs: 1_000,
    reportEveryMs: 600_000,
    ...over,
  };
}

/** The written state after applying `plan` on `w`. */
function after(w: Written, plan: ServicePlan): Written {
  const next = plan.ingress !== undefined ? { ...w, ingress: plan.ingress } : w;
  return plan.annotations !== undefined ? withAnnotations(next, plan.annotations) : next;
}

/** Decides, then decides again on the written result: the second plan must be empty. */
function decideToFixpoint(a: Allocator, i: DecideInput): ServicePlan {
  const plan = decide(i, a);
  const again = decide({ ...i, written: after(i.written, plan), memory: plan.memory, now: i.now + 1 }, a);
  expect(again.ingress, 'fixpoint: ingress').toBeUndefined();
  expect(again.annotations, 'fixpoint: annotations').toBeUndefined();
  return plan;
}

const reasons = (p: ServicePlan) => p.events.map((e) => `${e.type} ${e.reason}`);

describe('decide: a Service we handle', () => {
  it('a new Service gets an address: ingress, then our annotation, one Event', () => {
    const a = new Allocator([blue]);
    const p = decideToFixpoint(a, input(svc('web')));
    expect(p).toMatchObject({ ingress: ['198.51.100.0'], annotations: { [OURS]: 'blue' }, usageChanged: true, metrics: { result: 'assigned' } });
    expect(reasons(p)).toEqual(['Normal IPAllocated']);
    expect(p.logs.map((l) => l.fields.event)).toEqual(['ipAllocated']);
    expect(p.waiting).toBeUndefined();
  });

  it('what is already written is not written again (restart: the allocator re-claimed it)', () => {
    const a = new Allocator([blue]);
    const s = svc('web', {}, { ingress: ['198.51.100.1'], annotations: { [OURS]: 'blue' } });
    a.restore([{ service: { key: 'shop/web', namespace: 'shop', labels: {}, namespaceLabels: {}, ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', requestedIPs: [], ports: [{ protocol: 'TCP', port: 80 }], externalTrafficPolicy: 'Cluster', selector: { app: 'web' } }, ips: ['198.51.100.1'] }]);
    const p = decide(input(s), a);
    expect(p).toMatchObject({ ingress: undefined, annotations: undefined, events: [], logs: [], usageChanged: false });
  });

  it('a missing annotation alone is written (the ingress write landed, the annotation write did not)', () => {
    const a = new Allocator([blue]);
    decide(input(svc('web')), a);
    const p = decideToFixpoint(a, input(svc('web', {}, { ingress: ['198.51.100.0'] })));
    expect(p).toMatchObject({ ingress: undefined, annotations: { [OURS]: 'blue' }, events: [] });
  });

  it('a MetalLB-era ip-allocated-from-pool is removed in the same patch that writes ours', () => {
    const a = new Allocator([blue]);
    const p = decideToFixpoint(a, input(svc('web', {}, { annotations: { [LEGACY]: 'old-pool' } })));
    expect(p.annotations).toEqual({ [OURS]: 'blue', [LEGACY]: null });
  });

  it('a deprecated-prefix request is honoured and warned about once', () => {
    const a = new Allocator([blue]);
    const s = svc('web', {}, { annotations: { 'metallb.universe.tf/loadBalancerIPs': '198.51.100.2' } });
    const p = decide(input(s), a);
    expect(p.ingress).toEqual(['198.51.100.2']);
    expect(reasons(p)).toEqual(['Warning deprecatedAnnotation', 'Normal IPAllocated']);
    const again = decide(input(s, { written: after(writtenOn(s), p), memory: p.memory }), a);
    expect(again.events).toEqual([]);
  });

  it('records the sharing identity of a Service with a sharing key', () => {
    const a = new Allocator([blue]);
    const p = decide(input(svc('dns', { externalTrafficPolicy: 'Local', ports: [{ port: 53, protocol: 'UDP' }] }, { annotations: { 'metallb.io/allow-shared-ip': 'k' } })), a);
    expect(p.sharing).toEqual({ sharingKey: 'k', identity: 'app=dns|UDP/53' });
  });
});

describe('decide: failures', () => {
  const full = () => {
    const a = new Allocator([pool('one', { addresses: ['198.51.100.9/32'] })]);
    decide(input(svc('first')), a);
    return a;
  };

  it('a failure is not an Event until it has lasted settleMs, and never while pools are settling', () => {
    const a = full();
    const s = svc('late');
    const p1 = decide(input(s), a);
    expect(p1).toMatchObject({ events: [], recheckInMs: 1_000, waiting: { sharingKey: '' }, metrics: { result: 'failed' } });
    expect(p1.metrics.failure).toBeUndefined();
    const p2 = decide(input(s, { memory: p1.memory, now: 11_000, poolsSettling: true }), a);
    expect(p2.events).toEqual([]);
    const p3 = decide(input(s, { memory: p2.memory, now: 11_000 }), a);
    expect(reasons(p3)).toEqual(['Warning AllocationFailed']);
    expect(p3.metrics.failure).toBe('exhausted');
    // Reported once; again only after reportEveryMs, or when the message changes.
    expect(decide(input(s, { memory: p3.memory, now: 12_000 }), a).events).toEqual([]);
    expect(reasons(decide(input(s, { memory: p3.memory, now: 11_000 + 600_000 }), a))).toEqual(['Warning AllocationFailed']);
  });

  it('a failure that resolves within the settle time leaves no trace', () => {
    const a = new Allocator([]);
    const s = svc('web');
    const p1 = decide(input(s), a);
    expect(p1.events).toEqual([]);
    a.setPools([blue]);
    const p2 = decide(input(s, { memory: p1.memory, now: 10_200 }), a);
    expect(reasons(p2)).toEqual(['Normal IPAllocated']);
    expect(p2.memory?.failure).toBeUndefined();
  });

  it('an address the Service may no longer hold is cleared at once, annotation too', () => {
    const a = new Allocator([blue]);
    const s = svc('web');
    const p = decide(input(s), a);
    const w = after(writtenOn(s), p);
    a.setPools([pool('green', { addresses: ['203.0.113.0/30'] })].concat([]));
    // The Service now asks for a pool that does not exist.
    const moved = svc('web', {}, { annotations: { 'metallb.io/address-pool': 'nope' } });
    const q = decideToFixpoint(a, input(moved, { written: w }));
    expect(q).toMatchObject({ ingress: [], annotations: { [OURS]: null }, waiting: { sharingKey: '' } });
    expect(reasons(q)).toEqual(['Warning ClearAssignment']);
    expect(q.logs.map((l) => l.fields.event)).toEqual(['ipCleared']);
  });

  it('an unreadable request keeps what the Service holds and is reported at once', () => {
    const a = new Allocator([blue]);
    decide(input(svc('b', { loadBalancerIP: '198.51.100.3' })), a);
    const s = svc('b', { loadBalancerIP: '198.51.100.3' }, { ingress: ['198.51.100.3'], annotations: { [OURS]: 'blue', 'metallb.io/loadBalancerIPs': '198.51.100.3' } });
    const p = decideToFixpoint(a, input(s));
    expect(p).toMatchObject({ ingress: undefined, annotations: undefined });
    expect(p.waiting).toBeUndefined();
    expect(reasons(p)).toEqual(['Warning AllocationFailed']);
    expect(a.assignment('shop/b')?.ips).toEqual(['198.51.100.3']);
  });

  it('an unreadable Service showing an address it does not hold (re-claim failed) is cleared', () => {
    const a = new Allocator([blue]);
    const s = svc('b', { loadBalancerIP: '198.51.100.3' }, { ingress: ['198.51.100.3'], annotations: { 'metallb.io/loadBalancerIPs': '198.51.100.3' } });
    const p = decideToFixpoint(a, input(s));
    expect(p.ingress).toEqual([]);
  });
});

describe('decide: Services that are not ours (cleanup never depends on seeing the transition)', () => {
  const ann = { [OURS]: 'blue' };
  it.each([
    {
      name: 'type changed to ClusterIP while we were down: our annotation goes, ingress (emptied by the API server) is left alone',
      s: svc('a', { type: 'ClusterIP' }, { annotations: { ...ann, [LEGACY]: 'x' } }), held: false,
      want: { ingress: undefined, annotations: { [OURS]: null, [LEGACY]: null } }, events: ['Normal ClearAssignment'],
    },
    {
      name: 'another class, seen: ingress we held and our annotation go',
      s: svc('a', { loadBalancerClass: 'example.com/lb' }, { annotations: ann, ingress: ['198.51.100.0'] }), held: true,
      want: { ingress: [], annotations: { [OURS]: null } }, events: ['Normal ClearAssignment'],
    },
    {
      name: "another class: its controller's ingress and the MetalLB-era annotation are left alone",
      s: svc('a', { loadBalancerClass: 'example.com/lb' }, { ingress: ['192.0.2.1'], annotations: { [LEGACY]: 'x' } }), held: false,
      want: { ingress: undefined, annotations: undefined }, events: [],
    },
    {
      name: 'being deleted: nothing to write',
      s: svc('a', {}, { annotations: ann, ingress: ['198.51.100.0'], deleting: true }), held: true,
      want: { ingress: undefined, annotations: undefined }, events: [],
    },
  ])('$name', ({ s, held, want, events }) => {
    const a = new Allocator([blue]);
    if (held) decide(input(svc('a')), a);
    const p = decideToFixpoint(a, input(s));
    expect(p).toMatchObject(want);
    expect(reasons(p)).toEqual(events);
    expect(a.assignment('shop/a')).toBeUndefined();
    expect(p.usageChanged).toBe(held);
    expect(p.memory).toBeUndefined();
  });

  it('a deleted Service gives its addresses back', () => {
    const a = new Allocator([blue]);
    decide(input(svc('a')), a);
    const p = decide(input(undefined, { key: 'shop/a' }), a);
    expect(p).toMatchObject({ usageChanged: true, released: ['198.51.100.0'], ingress: undefined });
    expect(p.logs.map((l) => l.fields.event)).toEqual(['ipReleased']);
  });

  it('--lb-class: only Services of that class are ours', () => {
    const a = new Allocator([blue]);
    expect(decide(input(svc('a'), { lbClass: 'ironlb.io/l2' }), a).ingress).toBeUndefined();
    expect(decide(input(svc('b', { loadBalancerClass: 'ironlb.io/l2' }), { lbClass: 'ironlb.io/l2' }), a).ingress).toEqual(['198.51.100.0']);
  });
});

describe('decide: memory', () => {
  it('forgets a Service that is gone', () => {
    const a = new Allocator([blue]);
    const m: ServiceMemory = { failure: { message: 'x', since: 1 } };
    expect(decide(input(undefined, { key: 'shop/a', memory: m }), a).memory).toBeUndefined();
  });
});
