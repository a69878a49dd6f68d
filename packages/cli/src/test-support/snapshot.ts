// Small builders for Snapshots in unit tests: API objects as the server returns them.
import type { CoreV1Event, V1ConfigMap, V1EndpointSlice, V1Lease, V1Node, V1Service } from '@kubernetes/client-node';
import type { IPAddressPool, L2Advertisement, ServiceL2Status } from '@ironlb/core';
import { MetallbCrds, type Snapshot } from '../snapshot.js';

export const NOW = Date.parse('2026-12-01T12:00:00Z');
export const SYS = 'metallb-system';
const iso = (msAgo: number) => new Date(NOW - msAgo);

export function snapshot(over: Partial<Snapshot> = {}): Snapshot {
  return {
    now: NOW,
    systemNamespace: SYS,
    lbClass: undefined,
    services: [],
    namespaces: [{ metadata: { name: 'demo', labels: {} } }],
    endpointSlices: [],
    nodes: ['node-1', 'node-2', 'node-3'].map((n) => node(n)),
    pools: [],
    advertisements: [],
    l2Statuses: [],
    leases: ['node-1', 'node-2', 'node-3'].map((n) => lease(n)),
    events: [],
    kubeProxy: kubeProxy('ipvs', true),
    heartbeatSecret: true,
    crds: [...MetallbCrds],
    ...over,
  };
}

export function node(name: string, labels: Record<string, string> = {}, networkUnavailable = false): V1Node {
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    status: { conditions: networkUnavailable ? [{ type: 'NetworkUnavailable', status: 'True' }] : [] },
  };
}

/** A speaker Lease renewed `agoMs` before NOW. */
export function lease(nodeName: string, agoMs = 1_000, durationSeconds = 15): V1Lease {
  return {
    metadata: { name: `ironlb-speaker-${nodeName}`, namespace: SYS, labels: { 'app.kubernetes.io/component': 'speaker-lease' } },
    spec: { holderIdentity: nodeName, leaseDurationSeconds: durationSeconds, renewTime: iso(agoMs) as NonNullable<V1Lease['spec']>['renewTime'] },
  };
}

export function pool(name: string, addresses: string[], createdMsAgo = 3_600_000, extra: Partial<IPAddressPool['spec']> = {}): IPAddressPool {
  return { metadata: { name, namespace: SYS, creationTimestamp: iso(createdMsAgo).toISOString() }, spec: { addresses, ...extra } };
}

export function advertisement(name: string, spec: L2Advertisement['spec'] = {}): L2Advertisement {
  return { metadata: { name, namespace: SYS }, spec };
}

export interface SvcOptions {
  ips?: string[];
  pool?: string;
  annotations?: Record<string, string>;
  local?: boolean;
  type?: string;
  lbClass?: string;
  labels?: Record<string, string>;
  ipFamilies?: string[];
}

export function service(name: string, o: SvcOptions = {}, namespace = 'demo'): V1Service {
  return {
    metadata: {
      name,
      namespace,
      labels: o.labels ?? { app: name },
      annotations: { ...(o.pool ? { 'metallb.io/ip-allocated-from-pool': o.pool } : {}), ...(o.annotations ?? {}) },
    },
    spec: {
      type: o.type ?? 'LoadBalancer',
      ports: [{ port: 80, protocol: 'TCP' }],
      selector: { app: name },
      ipFamilies: o.ipFamilies ?? ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      externalTrafficPolicy: o.local ? 'Local' : 'Cluster',
      ...(o.lbClass ? { loadBalancerClass: o.lbClass } : {}),
    },
    status: { loadBalancer: { ingress: (o.ips ?? []).map((ip) => ({ ip })) } },
  };
}

export function l2Status(nodeName: string, svc: string, interfaces = ['eth0'], createdMsAgo = 60_000, namespace = 'demo'): ServiceL2Status {
  return {
    metadata: {
      name: `l2-${svc}-${nodeName}`,
      namespace: SYS,
      creationTimestamp: iso(createdMsAgo).toISOString(),
      labels: { 'metallb.io/node': nodeName, 'metallb.io/service-name': svc, 'metallb.io/service-namespace': namespace },
    },
    status: { node: nodeName, serviceName: svc, serviceNamespace: namespace, interfaces: interfaces.map((n) => ({ name: n })) },
  };
}

export function event(svc: string, reason: string, message: string, agoMs: number, namespace = 'demo', instance = ''): CoreV1Event {
  return {
    metadata: { name: `${svc}.${reason}.${agoMs}`, namespace },
    involvedObject: { kind: 'Service', namespace, name: svc },
    reason,
    message,
    type: reason === 'nodeAssigned' ? 'Normal' : 'Warning',
    lastTimestamp: iso(agoMs),
    firstTimestamp: iso(agoMs),
    reportingInstance: instance,
  };
}

export function endpoints(svc: string, nodes: string[], namespace = 'demo'): V1EndpointSlice {
  return {
    addressType: 'IPv4',
    metadata: { name: `${svc}-abc`, namespace, labels: { 'kubernetes.io/service-name': svc } },
    endpoints: nodes.map((n, i) => ({ addresses: [`10.0.0.${i + 1}`], nodeName: n, conditions: { ready: true } })),
  };
}

export function kubeProxy(mode: string, strictARP: boolean): V1ConfigMap {
  return { metadata: { name: 'kube-proxy', namespace: 'kube-system' }, data: { 'config.conf': `apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ${mode}\nipvs:\n  strictARP: ${strictARP}\n` } };
}
