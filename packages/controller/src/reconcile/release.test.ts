import { describe, expect, it } from 'vitest';
import type { V1Service } from '@kubernetes/client-node';
import { cleanupAfterRelease, servicesAwaitingAddresses } from './release.js';

const svc = (name: string, spec: V1Service['spec'], extra: { ingress?: string[]; annotations?: Record<string, string>; deleting?: boolean } = {}): V1Service => ({
  metadata: { name, namespace: 'shop', annotations: extra.annotations, deletionTimestamp: extra.deleting ? new Date() : undefined },
  spec,
  status: extra.ingress ? { loadBalancer: { ingress: extra.ingress.map((ip) => ({ ip })) } } : undefined,
});

describe('servicesAwaitingAddresses', () => {
  const all = [
    svc('held', { type: 'LoadBalancer' }),
    svc('pending', { type: 'LoadBalancer' }),
    svc('cluster-ip', { type: 'ClusterIP' }),
    svc('other-class', { type: 'LoadBalancer', loadBalancerClass: 'example.com/lb' }),
    svc('mine-class', { type: 'LoadBalancer', loadBalancerClass: 'ironlb.io/l2' }),
    svc('going', { type: 'LoadBalancer' }, { deleting: true }),
    svc('freer', { type: 'LoadBalancer' }),
  ];
  const holds = (k: string) => k === 'shop/held';

  it('lists our LoadBalancer Services that hold nothing, except the one that freed the addresses', () => {
    expect(servicesAwaitingAddresses(all, holds, undefined, 'shop/freer')).toEqual(['shop/pending']);
  });

  it('follows --lb-class', () => {
    expect(servicesAwaitingAddresses(all, holds, 'ironlb.io/l2')).toEqual(['shop/mine-class']);
  });
});

describe('cleanupAfterRelease', () => {
  const ann = { 'metallb.io/ip-allocated-from-pool': 'blue' };
  it.each([
    {
      name: 'type changed to ClusterIP: the API server emptied ingress, our annotation stays behind',
      s: svc('a', { type: 'ClusterIP' }, { annotations: ann }),
      reason: 'not-load-balancer',
      want: { clearIngress: false, clearAnnotation: true },
    },
    {
      name: 'ingress still lists what we released',
      s: svc('a', { type: 'LoadBalancer', loadBalancerClass: 'x' }, { annotations: ann, ingress: ['198.51.100.1'] }),
      reason: 'other-class',
      want: { clearIngress: true, clearAnnotation: true },
    },
    {
      name: 'ingress someone else wrote is left alone',
      s: svc('a', { type: 'LoadBalancer', loadBalancerClass: 'x' }, { ingress: ['192.0.2.1'] }),
      reason: 'other-class',
      want: { clearIngress: false, clearAnnotation: false },
    },
    {
      name: 'a Service being deleted needs nothing',
      s: svc('a', { type: 'LoadBalancer' }, { annotations: ann, ingress: ['198.51.100.1'], deleting: true }),
      reason: 'deleting',
      want: { clearIngress: false, clearAnnotation: false },
    },
  ])('$name', ({ s, reason, want }) => {
    expect(cleanupAfterRelease(s, ['198.51.100.1'], reason)).toEqual(want);
  });
});
