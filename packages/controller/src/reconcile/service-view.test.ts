import { describe, expect, it } from 'vitest';
import type { V1Service } from '@kubernetes/client-node';
import { classifyService, heldAssignments, ingressIPs } from './service-view.js';

const svc = (spec: V1Service['spec'], annotations: Record<string, string> = {}, extra: Partial<V1Service['metadata']> = {}): V1Service => ({
  metadata: { name: 'web', namespace: 'shop', annotations, labels: { app: 'web' }, ...extra },
  spec,
});

describe('classifyService', () => {
  it.each([
    { name: 'ClusterIP is not ours', s: svc({ type: 'ClusterIP' }), lbClass: undefined, want: { kind: 'ignored', reason: 'not-load-balancer' } },
    { name: 'another class is not ours', s: svc({ type: 'LoadBalancer', loadBalancerClass: 'other.io/lb' }), lbClass: undefined, want: { kind: 'ignored', reason: 'other-class' } },
    { name: 'no class is not ours when --lb-class is set', s: svc({ type: 'LoadBalancer' }), lbClass: 'ironlb.io/l2', want: { kind: 'ignored', reason: 'other-class' } },
    { name: 'being deleted', s: svc({ type: 'LoadBalancer' }, {}, { deletionTimestamp: new Date() }), lbClass: undefined, want: { kind: 'ignored', reason: 'deleting' } },
  ])('$name', ({ s, lbClass, want }) => {
    expect(classifyService(s, {}, lbClass)).toEqual(want);
  });

  it('builds the allocator view from spec and annotations', () => {
    const c = classifyService(
      svc(
        { type: 'LoadBalancer', ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack', externalTrafficPolicy: 'Local', selector: { app: 'web' }, ports: [{ port: 443, protocol: 'TCP' }] },
        { 'metallb.io/address-pool': 'blue', 'metallb.universe.tf/allow-shared-ip': 'k1' },
      ),
      { team: 'a' },
      undefined,
    );
    expect(c).toMatchObject({
      kind: 'handled',
      legacyAnnotations: ['metallb.universe.tf/allow-shared-ip'],
      view: {
        key: 'shop/web', namespace: 'shop', namespaceLabels: { team: 'a' }, ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack',
        requestedIPs: [], requestedPool: 'blue', sharingKey: 'k1', externalTrafficPolicy: 'Local', selector: { app: 'web' }, ports: [{ port: 443, protocol: 'TCP' }],
      },
    });
  });

  it('handles the configured class only when --lb-class is set', () => {
    expect(classifyService(svc({ type: 'LoadBalancer', loadBalancerClass: 'ironlb.io/l2' }), {}, 'ironlb.io/l2').kind).toBe('handled');
  });

  it('reports an unreadable request as invalid, naming the fields', () => {
    const c = classifyService(svc({ type: 'LoadBalancer', loadBalancerIP: '198.51.100.5' }, { 'metallb.io/loadBalancerIPs': '198.51.100.6' }), {}, undefined);
    expect(c.kind).toBe('invalid');
    expect(c.kind === 'invalid' && c.message).toMatch(/spec\.loadBalancerIP.*loadBalancerIPs/);
  });
});

describe('ingressIPs', () => {
  it('reads IPs in order and skips hostname-only entries', () => {
    expect(ingressIPs({ status: { loadBalancer: { ingress: [{ ip: '198.51.100.1' }, { hostname: 'x' }, { ip: '2001:db8::1' }] } } })).toEqual(['198.51.100.1', '2001:db8::1']);
    expect(ingressIPs(undefined)).toEqual([]);
  });
});

describe('heldAssignments', () => {
  const withIngress = (name: string, spec: V1Service['spec'], ips: string[], annotations: Record<string, string> = {}): V1Service => ({
    metadata: { name, namespace: 'shop', annotations },
    spec,
    status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } },
  });

  it('lists what our Services hold, with their namespace labels, and nothing else', () => {
    const held = heldAssignments(
      [
        withIngress('holds', { type: 'LoadBalancer' }, ['198.51.100.1']),
        withIngress('pending', { type: 'LoadBalancer' }, []),
        withIngress('other-class', { type: 'LoadBalancer', loadBalancerClass: 'example.com/lb' }, ['198.51.100.2']),
        withIngress('cluster-ip', { type: 'ClusterIP' }, ['198.51.100.3']),
        withIngress('unreadable', { type: 'LoadBalancer', loadBalancerIP: '198.51.100.4' }, ['198.51.100.4'], { 'metallb.io/loadBalancerIPs': '198.51.100.5' }),
      ],
      (ns): Record<string, string> => (ns === 'shop' ? { team: 'a' } : {}),
      undefined,
    );
    expect(held).toHaveLength(2);
    expect(held[0]).toMatchObject({ ips: ['198.51.100.1'], service: { key: 'shop/holds', namespaceLabels: { team: 'a' } } });
    // Unreadable (loadBalancerIP and the annotation both set) but holding: still held, and
    // with no request or sharing key, so nothing else can be given its IP.
    expect(held[1]).toMatchObject({ ips: ['198.51.100.4'], service: { key: 'shop/unreadable', requestedIPs: [] } });
    expect(held[1]?.service.sharingKey).toBeUndefined();
  });
});
