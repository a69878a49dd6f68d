// From a Service API object to what the allocator needs, or to why we leave it alone.
// Pure: the reconciler passes the object and its namespace's labels.
import type { V1Service } from '@kubernetes/client-node';
import { Annotations, LegacyAnnotations, keyOf, readServiceRequest, type IPFamilyName } from '@ironlb/core';
import type { HeldAssignment, IPFamilyPolicy, ServiceView } from '../allocator/index.js';

export type ServiceClassification =
  | { kind: 'handled'; view: ServiceView; legacyAnnotations: string[]; warnings: string[] }
  /**
   * Ours, but its request cannot be read: keep what it holds and say why. `holding` is its
   * view without any request (no IPs or pool asked for; its sharing key if that alone can
   * be read), so a re-claim after a restart still holds its IPs — held but unreadable is
   * never free (issue 8).
   */
  | { kind: 'invalid'; message: string; legacyAnnotations: string[]; holding: ServiceView }
  /** Not ours (not a LoadBalancer, another class, being deleted): hold nothing for it. */
  | { kind: 'ignored'; reason: 'not-load-balancer' | 'other-class' | 'deleting' };


/** `lbClass` undefined: we handle Services without spec.loadBalancerClass only (MetalLB). */
export function isOurs(svc: V1Service, lbClass: string | undefined): ServiceClassification | undefined {
  if (svc.spec?.type !== 'LoadBalancer') return { kind: 'ignored', reason: 'not-load-balancer' };
  if ((svc.spec.loadBalancerClass ?? undefined) !== lbClass) return { kind: 'ignored', reason: 'other-class' };
  if (svc.metadata?.deletionTimestamp) return { kind: 'ignored', reason: 'deleting' };
  return undefined;
}

export function classifyService(svc: V1Service, namespaceLabels: Readonly<Record<string, string>>, lbClass: string | undefined): ServiceClassification {
  const notOurs = isOurs(svc, lbClass);
  if (notOurs) return notOurs;
  const namespace = svc.metadata?.namespace ?? '';
  const name = svc.metadata?.name ?? '';
  const req = readServiceRequest({ annotations: svc.metadata?.annotations, loadBalancerIP: svc.spec?.loadBalancerIP });
  const spec = svc.spec!;
  const base: ServiceView = {
    key: keyOf(namespace, name),
    namespace,
    labels: svc.metadata?.labels ?? {},
    namespaceLabels,
    ipFamilies: (spec.ipFamilies ?? ['IPv4']) as IPFamilyName[],
    ipFamilyPolicy: (spec.ipFamilyPolicy ?? 'SingleStack') as IPFamilyPolicy,
    requestedIPs: [],
    ports: (spec.ports ?? []).map((p) => ({ protocol: p.protocol, port: p.port })),
    externalTrafficPolicy: spec.externalTrafficPolicy === 'Local' ? 'Local' : 'Cluster',
    selector: spec.selector ?? {},
  };
  if (!req.ok) {
    // Its sharing key alone may still be readable: a Service that shared its IP keeps
    // sharing it (without the key, a restart would re-claim it for one of the two only).
    const sharing = readServiceRequest({ annotations: pickSharingKey(svc.metadata?.annotations) });
    const sharingKey = sharing.ok ? sharing.request.sharingKey : undefined;
    return { kind: 'invalid', message: req.message, legacyAnnotations: req.legacyAnnotations, holding: sharingKey === undefined ? base : { ...base, sharingKey } };
  }
  const view: ServiceView = {
    ...base,
    requestedIPs: req.request.requestedIPs,
    requestedPool: req.request.requestedPool,
    sharingKey: req.request.sharingKey,
  };

  return { kind: 'handled', view, legacyAnnotations: req.request.legacyAnnotations, warnings: req.request.warnings };
}

function pickSharingKey(annotations: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [Annotations.allowSharedIP, LegacyAnnotations.allowSharedIP]) {
    const v = annotations?.[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** The IPs status.loadBalancer.ingress holds, in order. */
export function ingressIPs(svc: V1Service | undefined): string[] {
  return (svc?.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
}

/**
 * What our Services already hold according to their status.loadBalancer.ingress, for
 * the allocator to re-claim before anything new is allocated. Services that are not ours
 * (another class, not a LoadBalancer, being deleted) are left out, and so are Services
 * that hold nothing. A Service whose request cannot be read still holds its IPs (as if
 * it requested nothing): an IP that is held is never free, readable or not.
 */
export function heldAssignments(
  services: readonly V1Service[],
  namespaceLabels: (namespace: string) => Readonly<Record<string, string>>,
  lbClass: string | undefined,
): HeldAssignment[] {
  const held: HeldAssignment[] = [];
  for (const svc of services) {
    const ips = ingressIPs(svc);
    if (ips.length === 0) continue;
    const c = classifyService(svc, namespaceLabels(svc.metadata?.namespace ?? ''), lbClass);
    if (c.kind === 'handled') held.push({ service: c.view, ips });
    else if (c.kind === 'invalid') held.push({ service: c.holding, ips });
  }
  return held;
}
