// What follows when a Service gives addresses back. Pure: the reconciler passes the
// Service objects and asks the allocator who holds what.
import type { V1Service } from '@kubernetes/client-node';
import { Annotations, keyOf } from '@ironlb/core';
import { ingressIPs, isOurs } from './service-view.js';

/**
 * Services that may be waiting for an address: ours and holding nothing. When addresses
 * come free (a Service deleted, changed type, moved or cleared) these get another try,
 * so a pending Service does not wait for an unrelated change (MetalLB reprocesses all
 * Services for the same reason). Returned in the cache's order; `except` is skipped.
 */
export function servicesAwaitingAddresses(
  services: readonly V1Service[],
  holds: (key: string) => boolean,
  lbClass: string | undefined,
  except?: string,
): string[] {
  const keys: string[] = [];
  for (const svc of services) {
    if (isOurs(svc, lbClass) !== undefined) continue;
    const key = keyOf(svc.metadata?.namespace ?? '', svc.metadata?.name ?? '');
    if (key === except || holds(key)) continue;
    keys.push(key);
  }
  return keys;
}

export interface ReleaseCleanup {
  /** status.loadBalancer.ingress still lists addresses we just released: empty it. */
  clearIngress: boolean;
  /** Our metallb.io/ip-allocated-from-pool annotation is still there: remove it. */
  clearAnnotation: boolean;
}

/**
 * What to undo on a Service we released because it is no longer ours (type changed,
 * class changed). The API server empties ingress itself when the type leaves
 * LoadBalancer, but our annotation stays behind unless we remove it. A Service being
 * deleted needs nothing. Only what we wrote is touched: ingress is cleared only when it
 * lists addresses we held.
 */
export function cleanupAfterRelease(svc: V1Service, released: readonly string[], reason: string): ReleaseCleanup {
  if (reason === 'deleting') return { clearIngress: false, clearAnnotation: false };
  const current = ingressIPs(svc);
  return {
    clearIngress: current.some((ip) => released.includes(ip)),
    clearAnnotation: svc.metadata?.annotations?.[Annotations.ipAllocatedFromPool] !== undefined,
  };
}
