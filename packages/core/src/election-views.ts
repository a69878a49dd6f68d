// From API objects (as the informers cache them) to the plain views the election reads.
// Pure: no clients, no clock. One function per resource so each rule is testable alone.
import type { V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import { Annotations, LegacyAnnotations } from './metallb-names.js';
import { keyOf } from './object-key.js';
import type { IPAddressPool, L2Advertisement } from './metallb-types.js';
import type { ElectionAdvertisement, ElectionNode, ElectionPool, ElectionService } from './election/types.js';

/**
 * A LoadBalancer Service of our class (none, or `lbClass`) that holds ingress IPs, as the
 * election sees it; undefined for everything else (nothing to announce).
 */
export function serviceView(svc: V1Service, lbClass: string | undefined): ElectionService | undefined {
  const spec = svc.spec;
  if (spec?.type !== 'LoadBalancer') return undefined;
  if ((spec.loadBalancerClass ?? undefined) !== lbClass) return undefined;
  const ips = (svc.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
  if (ips.length === 0) return undefined;
  const namespace = svc.metadata?.namespace ?? '';
  const name = svc.metadata?.name ?? '';
  const annotations = svc.metadata?.annotations ?? {};
  const pool = annotations[Annotations.ipAllocatedFromPool] ?? annotations[LegacyAnnotations.ipAllocatedFromPool];
  return {
    key: keyOf(namespace, name),
    namespace,
    name,
    labels: svc.metadata?.labels ?? {},
    ips,
    ...(pool ? { pool } : {}),
    trafficPolicy: spec.externalTrafficPolicy === 'Local' ? 'Local' : 'Cluster',
  };
}

export function poolView(p: IPAddressPool): ElectionPool {
  return { name: p.metadata.name ?? '', labels: p.metadata.labels ?? {}, addresses: p.spec?.addresses ?? [] };
}

export function advertisementView(a: L2Advertisement): ElectionAdvertisement {
  const s = a.spec ?? {};
  return {
    name: a.metadata.name ?? '',
    ...(s.ipAddressPools ? { ipAddressPools: s.ipAddressPools } : {}),
    ...(s.ipAddressPoolSelectors ? { ipAddressPoolSelectors: s.ipAddressPoolSelectors } : {}),
    ...(s.nodeSelectors ? { nodeSelectors: s.nodeSelectors } : {}),
    ...(s.interfaces ? { interfaces: s.interfaces } : {}),
    ...(s.serviceSelectors ? { serviceSelectors: s.serviceSelectors } : {}),
  };
}

export function nodeView(n: V1Node): ElectionNode {
  const cond = (n.status?.conditions ?? []).find((c) => c.type === 'NetworkUnavailable');
  return { name: n.metadata?.name ?? '', labels: n.metadata?.labels ?? {}, networkUnavailable: cond?.status === 'True' };
}

/**
 * Service key → nodes with at least one ready, serving endpoint of it. An endpoint whose
 * `ready` or `serving` condition is explicitly false does not count; unset means true
 * (discovery/v1 semantics). Terminating endpoints do not count: traffic to them drains.
 */
export function endpointNodes(slices: Iterable<V1EndpointSlice>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const s of slices) {
    const svc = s.metadata?.labels?.['kubernetes.io/service-name'];
    if (!svc) continue;
    const key = keyOf(s.metadata?.namespace ?? '', svc);
    for (const e of s.endpoints ?? []) {
      const c = e.conditions ?? {};
      if (c.ready === false || c.serving === false || c.terminating === true || !e.nodeName) continue;
      let set = out.get(key);
      if (!set) out.set(key, (set = new Set()));
      set.add(e.nodeName);
    }
  }
  return out;
}
