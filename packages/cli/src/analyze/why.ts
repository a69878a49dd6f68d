// Why a Service has the IPs it has, or none: the controller's classification (class,
// annotations) and the allocator's own answer, in plain sentences.
import type { V1Service } from '@kubernetes/client-node';
import { Annotations, LegacyAnnotations } from '@ironlb/core';
import { serviceKey, type ClusterModel } from './model.js';

export interface AllocationExplanation {
  /** assigned: holds IPs; pending: ours, no IPs; not-ours: another class / not a LoadBalancer. */
  readonly state: 'assigned' | 'pending' | 'not-ours';
  /**
   * assigned: 'held' (re-claimed as the controller would) or the allocator's failure reason
   * when it would not let the Service keep them; pending: the allocator's reason
   * ('exhausted', 'no-matching-pool', 'wrong-family', 'pool-not-found', …), 'invalid-request'
   * for a bad annotation, or 'would-allocate' when the allocator has an address for it
   * (the controller has not acted: is it running?); not-ours: 'other-class' etc.
   */
  readonly reason: string;
  readonly message: string;
  /** The controller's latest AllocationFailed / ClearAssignment Event about it, if any. */
  readonly controllerSaid?: string;
}

/** The reason code alone, for the status table. */
export function pendingReason(m: ClusterModel, key: string): string {
  const c = m.classified.get(key);
  if (c?.kind === 'invalid') return 'invalid-request';
  const r = m.dryRun.get(key);
  if (r === undefined) return 'unknown';
  return r.ok ? 'would-allocate' : r.reason;
}

export function explainAllocation(m: ClusterModel, s: V1Service): AllocationExplanation {
  const key = serviceKey(s);
  const c = m.classified.get(key);
  const ips = (s.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
  const said = [...(m.eventsByService.get(key) ?? [])].reverse().find((e) => e.reason === 'AllocationFailed' || e.reason === 'ClearAssignment')?.message;
  const withSaid = (e: Omit<AllocationExplanation, 'controllerSaid'>): AllocationExplanation => (said ? { ...e, controllerSaid: said } : e);
  if (c === undefined || c.kind === 'ignored') {
    const cls = s.spec?.loadBalancerClass;
    const reason = c?.kind === 'ignored' ? c.reason : 'not-load-balancer';
    const message =
      reason === 'other-class'
        ? `spec.loadBalancerClass is ${JSON.stringify(cls ?? '')}; ironlb handles ${m.snapshot.lbClass === undefined ? 'only Services without a loadBalancerClass' : `loadBalancerClass ${JSON.stringify(m.snapshot.lbClass)}`}, so another load balancer must serve it`
        : reason === 'deleting'
          ? 'the Service is being deleted; its IPs are released'
          : `the Service is of type ${s.spec?.type ?? 'ClusterIP'}, not LoadBalancer`;
    return withSaid({ state: 'not-ours', reason, message });
  }
  const annotations = s.metadata?.annotations ?? {};
  const fromPool = annotations[Annotations.ipAllocatedFromPool] ?? annotations[LegacyAnnotations.ipAllocatedFromPool];
  if (ips.length > 0) {
    const restored = m.restored.get(key);
    if (restored && !restored.ok) {
      return withSaid({ state: 'assigned', reason: restored.reason, message: `it holds ${ips.join(', ')}, but the allocator would not let it keep them: ${restored.message}` });
    }
    const pool = restored?.ok ? restored.pool : fromPool;
    const asked = c.kind === 'handled' && c.view.requestedIPs.length > 0 ? ` (it asked for ${c.view.requestedIPs.join(', ')})` : c.kind === 'handled' && c.view.requestedPool ? ` (it asked for pool ${c.view.requestedPool})` : '';
    return withSaid({ state: 'assigned', reason: 'held', message: `it holds ${ips.join(', ')} from pool ${pool ?? '<unknown>'}${asked}` });
  }
  if (c.kind === 'invalid') return withSaid({ state: 'pending', reason: 'invalid-request', message: `its request cannot be read (bad annotation): ${c.message}` });
  const r = m.dryRun.get(key);
  if (r === undefined) return withSaid({ state: 'pending', reason: 'unknown', message: 'no IPs yet' });
  if (r.ok) {
    return withSaid({
      state: 'pending',
      reason: 'would-allocate',
      message: `the allocator has ${r.ips.join(', ')} from pool ${r.pool} for it, but the controller has not assigned them: is the controller running and leading?`,
    });
  }
  return withSaid({ state: 'pending', reason: r.reason, message: `no IPs: ${REASON_TEXT[r.reason] ?? r.reason} — ${r.message}` });
}

const REASON_TEXT: Record<string, string> = {
  exhausted: 'the pools it may use are exhausted',
  'no-matching-pool': 'no pool may serve it',
  'ip-in-use': 'the IP it asks for is used by another Service',
  'ip-not-in-pool': 'the IP it asks for is in no pool it may use',
  'wrong-family': 'IP family mismatch',
  'pool-not-found': 'the pool it asks for does not exist',
  'pool-not-allowed': "the pool's serviceAllocation does not select it",
  'sharing-conflict': 'it cannot share the IP it asks for',
  'request-changed': 'its request changed',
  'invalid-request': 'its request is invalid',
};
