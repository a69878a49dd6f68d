import { describe, expect, it } from 'vitest';
import { readServiceRequest, type ServiceRequestInput } from './service-request.js';

describe('readServiceRequest', () => {
  it.each<[string, ServiceRequestInput, object]>([
    ['nothing asked', {}, { requestedIPs: [], legacyAnnotations: [], warnings: [] }],
    ['spec.loadBalancerIP', { loadBalancerIP: ' 10.0.0.5 ' }, { requestedIPs: ['10.0.0.5'] }],
    ['dual-stack annotation, canonical text', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.5, 2001:DB8::0:5' } }, { requestedIPs: ['10.0.0.5', '2001:db8::5'] }],
    ['pool and sharing key', { annotations: { 'metallb.io/address-pool': 'blue', 'metallb.io/allow-shared-ip': 'dns' } }, { requestedPool: 'blue', sharingKey: 'dns', legacyAnnotations: [] }],
    [
      'legacy prefix still honoured, and reported',
      { annotations: { 'metallb.universe.tf/address-pool': 'blue', 'metallb.universe.tf/allow-shared-ip': 'k', 'metallb.universe.tf/loadBalancerIPs': '10.0.0.1' } },
      { requestedPool: 'blue', sharingKey: 'k', requestedIPs: ['10.0.0.1'], legacyAnnotations: ['metallb.universe.tf/address-pool', 'metallb.universe.tf/allow-shared-ip', 'metallb.universe.tf/loadBalancerIPs'] },
    ],
    [
      'new prefix wins over a different legacy value',
      { annotations: { 'metallb.io/address-pool': 'blue', 'metallb.universe.tf/address-pool': 'red' } },
      { requestedPool: 'blue', legacyAnnotations: [], warnings: [expect.stringContaining('metallb.universe.tf/address-pool="red" is ignored')] },
    ],
    ['empty values mean unset', { annotations: { 'metallb.io/address-pool': ' ', 'metallb.io/allow-shared-ip': '' } }, { requestedIPs: [] }],
  ])('%s', (_n, input, want) => {
    const r = readServiceRequest(input);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.request).toMatchObject(want);
  });

  it('empty values leave the keys out', () => {
    const r = readServiceRequest({ annotations: { 'metallb.io/address-pool': ' ', 'metallb.io/allow-shared-ip': '' } });
    expect(r.ok && 'requestedPool' in r.request).toBe(false);
    expect(r.ok && 'sharingKey' in r.request).toBe(false);
  });

  it.each<[string, ServiceRequestInput, string]>([
    ['both spec and annotation', { loadBalancerIP: '10.0.0.1', annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.2' } }, 'mutually exclusive'],
    ['bad IP in annotation', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.1,nope' } }, '"nope"'],
    ['bad spec IP', { loadBalancerIP: '10.0.0.0/24' }, 'CIDR'],
    ['two of one family', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.1,10.0.0.2' } }, 'two IPv4 addresses (10.0.0.1, 10.0.0.2)'],
    ['trailing comma', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.1,' } }, 'empty'],
  ])('rejects %s', (_n, input, text) => {
    const r = readServiceRequest(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe('IRONLB_INVALID_SERVICE_REQUEST');
      expect(r.message).toContain(text);
    }
  });
});
