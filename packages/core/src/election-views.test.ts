import { describe, expect, it } from 'vitest';
import type { V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import { endpointNodes, nodeView, serviceView } from './election-views.js';

const svc = (over: Partial<V1Service['spec']> = {}, ingress = ['198.51.100.10'], annotations: Record<string, string> = {}): V1Service => ({
  metadata: { namespace: 'shop', name: 'web', labels: { app: 'web' }, annotations },
  spec: { type: 'LoadBalancer', ...over },
  status: { loadBalancer: { ingress: ingress.map((ip) => ({ ip })) } },
});

describe('serviceView', () => {
  it.each([
    ['a ClusterIP Service', svc({ type: 'ClusterIP' }), undefined],
    ['another class', svc({ loadBalancerClass: 'other' }), undefined],
    ['no ingress yet', svc({}, []), undefined],
  ])('ignores %s', (_what, s, expected) => {
    expect(serviceView(s, undefined)).toEqual(expected);
  });

  it('reads IPs in order, the pool annotation (or the legacy one) and the traffic policy', () => {
    expect(serviceView(svc({ externalTrafficPolicy: 'Local' }, ['198.51.100.10', '2001:db8::10'], { 'metallb.universe.tf/ip-allocated-from-pool': 'old' }), undefined)).toEqual({
      key: 'shop/web', namespace: 'shop', name: 'web', labels: { app: 'web' }, ips: ['198.51.100.10', '2001:db8::10'], pool: 'old', trafficPolicy: 'Local',
    });
    expect(serviceView(svc({}, ['198.51.100.10'], { 'metallb.io/ip-allocated-from-pool': 'p' }), undefined)?.pool).toBe('p');
  });

  it('takes only its own class when --lb-class is set', () => {
    expect(serviceView(svc({ loadBalancerClass: 'x' }), 'x')?.key).toBe('shop/web');
    expect(serviceView(svc(), 'x')).toBeUndefined();
  });
});

describe('nodeView', () => {
  it('reads NetworkUnavailable=True only', () => {
    const n = (status?: string): V1Node => ({ metadata: { name: 'n1', labels: { a: 'b' } }, status: { conditions: status ? [{ type: 'NetworkUnavailable', status }] : [] } });
    expect(nodeView(n('True')).networkUnavailable).toBe(true);
    expect(nodeView(n('False')).networkUnavailable).toBe(false);
    expect(nodeView(n()).networkUnavailable).toBe(false);
  });
});

describe('endpointNodes', () => {
  it('counts ready, serving, non-terminating endpoints with a node, per Service', () => {
    const slice = (svcName: string, eps: V1EndpointSlice['endpoints']): V1EndpointSlice => ({
      addressType: 'IPv4', metadata: { namespace: 'shop', labels: { 'kubernetes.io/service-name': svcName } }, endpoints: eps,
    });
    const m = endpointNodes([
      slice('web', [
        { addresses: ['10.0.0.1'], nodeName: 'a', conditions: { ready: true } },
        { addresses: ['10.0.0.2'], nodeName: 'b', conditions: { ready: false } },
        { addresses: ['10.0.0.3'], nodeName: 'c', conditions: { ready: true, serving: true, terminating: true } },
        { addresses: ['10.0.0.4'], nodeName: 'd', conditions: {} },
        { addresses: ['10.0.0.5'], conditions: { ready: true } },
      ]),
      slice('web', [{ addresses: ['10.0.0.6'], nodeName: 'e', conditions: { serving: false } }]),
      slice('api', [{ addresses: ['10.0.0.7'], nodeName: 'a' }]),
    ]);
    expect([...(m.get('shop/web') ?? [])].sort()).toEqual(['a', 'd']);
    expect([...(m.get('shop/api') ?? [])]).toEqual(['a']);
  });
});
