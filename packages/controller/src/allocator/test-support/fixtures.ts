// Builders shared by the allocator's tests: pools go through the real validatePool, so a
// test can never feed the allocator a pool the controller would not.
import { validatePool, type PoolView } from '@ironlb/core';
import type { ServiceView } from '../service-view.js';

export interface PoolSpecLite {
  addresses: string[];
  autoAssign?: boolean;
  avoidBuggyIPs?: boolean;
  serviceAllocation?: { priority?: number; namespaces?: string[]; namespaceSelectors?: object[]; serviceSelectors?: object[] };
  createdAt?: string;
}

export function pool(name: string, spec: PoolSpecLite): PoolView {
  const { createdAt, ...rest } = spec;
  const r = validatePool({ metadata: { name, namespace: 'metallb-system', creationTimestamp: createdAt ?? '2024-01-01T00:00:00Z' }, spec: rest as never });
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join('; '));
  return r.pool;
}

/** A Service view with single-stack IPv4 defaults; `key` is "ns/name". */
export function svc(key: string, over: Partial<ServiceView> = {}): ServiceView {
  return {
    key,
    namespace: key.split('/')[0] ?? 'default',
    labels: {},
    namespaceLabels: {},
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    requestedIPs: [],
    ports: [{ protocol: 'TCP', port: 80 }],
    externalTrafficPolicy: 'Cluster',
    selector: { app: key },
    ...over,
  };
}
