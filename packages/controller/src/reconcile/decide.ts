// The controller's decision for one Service, as a plan the adapter applies. No I/O: it
// reads the Service (as the cache has it), what is written on it, its namespace's
// labels and what it remembers of earlier reconciles, asks the allocator (in-memory
// state, the one thing it changes), and answers with the writes, Events, logs and
// metrics that bring the Service to what its current spec implies.
//
// Level-triggered: the wanted written state is derived from the allocator's answer
// alone (ingress = the Service's assignment, metallb.io/ip-allocated-from-pool = its
// pool, the MetalLB-era metallb.universe.tf/ip-allocated-from-pool gone), then compared
// with what is written. Nothing depends on having seen a transition, so a missed event,
// a restart or a resync converges to the same writes; a second decide on an unchanged
// input plans no write (a fixpoint).
import type { V1Service } from '@kubernetes/client-node';
import { Annotations, LegacyAnnotations, keyOf, type EventType, type Labels } from '@ironlb/core';
import type { AllocationFailureReason, Allocator } from '../allocator/index.js';
import { shareIdentityOf } from '../allocator/index.js';
import { classifyService, ingressIPs } from './service-view.js';

/** What is written on a Service: our fields only. */
export interface Written {
  /** status.loadBalancer.ingress IPs, in order. */
  ingress: readonly string[];
  /** metallb.io/ip-allocated-from-pool. */
  pool: string | undefined;
  /** metallb.universe.tf/ip-allocated-from-pool, left by a MetalLB that predates metallb.io/. */
  legacyPool: string | undefined;
}

export function writtenOn(svc: V1Service): Written {
  const a = svc.metadata?.annotations;
  return { ingress: ingressIPs(svc), pool: a?.[Annotations.ipAllocatedFromPool], legacyPool: a?.[LegacyAnnotations.ipAllocatedFromPool] };
}

/** What the controller remembers of one Service between reconciles (kept by the adapter). */
export interface ServiceMemory {
  /** The Warning texts about its annotations already posted (deprecated prefix, ignored values). */
  annotationWarnings?: string;
  /**
   * An allocation failure: `since` (monotonic ms) it first failed, and when it was last
   * reported as an Event. Unreported until the pools have settled and it has lasted
   * `settleMs`, so a state that resolves itself within one sync makes no Warning.
   */
  failure?: { message: string; since: number; reportedAt?: number };
}

export interface DecideInput {
  /** "namespace/name". */
  key: string;
  /** The Service as the cache has it; undefined once deleted. */
  svc: V1Service | undefined;
  /** What is written on it: the cache's, or what we wrote last while the cache lags behind. */
  written: Written;
  namespaceLabels: Readonly<Labels>;
  /** --lb-class; undefined: Services without spec.loadBalancerClass (MetalLB's default). */
  lbClass: string | undefined;
  memory: ServiceMemory | undefined;
  /** Monotonic ms. */
  now: number;
  /** A pool change is seen but not applied yet: failures wait for it. */
  poolsSettling: boolean;
  /** How long a failure must last before it is an Event (ms). */
  settleMs: number;
  /** A lasting failure is reported again this often (ms). */
  reportEveryMs: number;
}

export interface PlannedEvent {
  type: EventType;
  reason: 'IPAllocated' | 'AllocationFailed' | 'ClearAssignment' | 'deprecatedAnnotation' | 'AnnotationIgnored';
  message: string;
}

export interface PlannedLog {
  level: 'info' | 'warn';
  fields: Record<string, unknown>;
  msg: string;
}

export interface ServicePlan {
  key: string;
  /** The new status.loadBalancer.ingress, when it must change ([] clears it). */
  ingress?: string[];
  /** A merge patch of metadata.annotations (null removes a key), when one must change. */
  annotations?: Record<string, string | null>;
  events: PlannedEvent[];
  logs: PlannedLog[];
  /** The allocator's state changed for this Service (pool status must be refreshed). */
  usageChanged: boolean;
  /** Addresses the Service gave up: pending Services get another try. */
  released: string[];
  /** Counted into ironlb_controller_reconciles_total / _allocation_failures_total. */
  metrics: { result?: 'assigned' | 'failed'; failure?: AllocationFailureReason };
  /** Ours and holding nothing (or PreferDualStack holding one family): retried when space or compatibility changes. */
  waiting?: { sharingKey: string };
  /** Its sharing identity (sharing key, backend key, ports) when it has a sharing key. */
  sharing?: { sharingKey: string; identity: string };
  /** Reconcile again after this many ms: a failure waiting to be reported. */
  recheckInMs?: number;
  /** What to remember for the next reconcile; undefined: forget the Service. */
  memory: ServiceMemory | undefined;
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Failures that can come and go with pools and other Services (a user's typo cannot). */
const settles = (reason: AllocationFailureReason) => reason !== 'invalid-request';

/**
 * Decides one Service. Changes only the allocator (claims and releases, in memory); the
 * plan says everything else. Never throws for expected conditions.
 */
export function decide(input: DecideInput, allocator: Allocator): ServicePlan {
  const { key, svc, written } = input;
  const plan: ServicePlan = { key, ingress: undefined, annotations: undefined, events: [], logs: [], usageChanged: false, released: [], metrics: {}, memory: input.memory };
  if (svc === undefined) {
    const r = allocator.release(key);
    plan.memory = undefined;
    if (r.held) {
      plan.usageChanged = true;
      plan.released = r.freed;
      plan.logs.push({ level: 'info', fields: { event: 'ipReleased', service: key, ip: r.freed, reason: 'service-deleted' }, msg: 'released IPs of a deleted Service' });
    }
    return plan;
  }

  const c = classifyService(svc, input.namespaceLabels, input.lbClass);
  if (c.kind === 'ignored') {
    const r = allocator.release(key);
    plan.memory = undefined;
    if (r.held) {
      plan.usageChanged = true;
      plan.released = r.freed;
      plan.logs.push({ level: 'info', fields: { event: 'ipReleased', service: key, ip: r.freed, reason: c.reason }, msg: 'released IPs of a Service that is no longer ours' });
    }
    if (c.reason === 'deleting') return plan;
    // Only what we wrote is undone. Ingress: only addresses we held (the API server empties
    // ingress itself when the type leaves LoadBalancer, and loadBalancerClass cannot change
    // on a LoadBalancer, so ingress we did not hold is another controller's). Our
    // annotation: whenever it is there, seen or not. The MetalLB-era one: unless another
    // class handles the Service (it may be that controller's).
    if (r.held && written.ingress.some((ip) => r.ips.includes(ip))) plan.ingress = [];
    const patch: Record<string, string | null> = {};
    if (written.pool !== undefined) patch[Annotations.ipAllocatedFromPool] = null;
    if (written.legacyPool !== undefined && c.reason !== 'other-class') patch[LegacyAnnotations.ipAllocatedFromPool] = null;
    if (Object.keys(patch).length > 0) plan.annotations = patch;
    if (plan.ingress !== undefined || plan.annotations !== undefined) {
      plan.events.push({ type: 'Normal', reason: 'ClearAssignment', message: `Service is no longer a LoadBalancer handled by ironlb (${c.reason}); released ${JSON.stringify(r.ips)}` });
    }
    return plan;
  }

  const memory: ServiceMemory = { ...input.memory };
  plan.memory = memory;
  warnAboutAnnotations(plan, memory, c.legacyAnnotations, c.kind === 'handled' ? c.warnings : []);

  let failed: { reason: AllocationFailureReason; message: string } | undefined;
  if (c.kind === 'invalid') {
    // Keep whatever it holds while that stays valid: a typo must not take a working IP
    // away. (Held under the same rules a restart re-claims by, so both agree.)
    failed = { reason: 'invalid-request', message: c.message };
    const r = allocator.hold(c.holding);
    if (r !== undefined) {
      plan.released = r.released;
      if (!r.ok || r.change !== 'kept' || r.released.length > 0) plan.usageChanged = true;
    }
  } else {
    const r = allocator.allocate(c.view);
    plan.released = r.released;
    if (r.ok) {
      if (r.change !== 'kept' || r.released.length > 0) plan.usageChanged = true;
    } else {
      if (r.released.length > 0) plan.usageChanged = true;
      failed = { reason: r.reason, message: r.message };
    }
    const who = shareIdentityOf(c.view);
    if (who.sharingKey !== '') plan.sharing = { sharingKey: who.sharingKey, identity: `${who.backendKey}|${who.ports.join(' ')}` };
  }

  // The wanted written state follows from the allocator's state alone.
  const held = allocator.assignment(key);
  const want: Written = { ingress: held?.ips ?? [], pool: held?.pool, legacyPool: undefined };
  if (!sameList(written.ingress, want.ingress)) plan.ingress = [...want.ingress];
  const patch: Record<string, string | null> = {};
  if (written.pool !== want.pool) patch[Annotations.ipAllocatedFromPool] = want.pool ?? null;
  if (written.legacyPool !== undefined) patch[LegacyAnnotations.ipAllocatedFromPool] = null;
  if (Object.keys(patch).length > 0) plan.annotations = patch;

  if (plan.ingress !== undefined && held !== undefined) {
    plan.logs.push({ level: 'info', fields: { event: 'ipAllocated', service: key, ip: held.ips, pool: held.pool }, msg: 'assigned IPs' });
    plan.events.push({ type: 'Normal', reason: 'IPAllocated', message: `Assigned IP ${JSON.stringify(held.ips)}` });
  }
  if (plan.ingress !== undefined && held === undefined && written.ingress.length > 0) {
    const why = failed?.message ?? 'the Service holds no address';
    plan.logs.push({ level: 'info', fields: { event: 'ipCleared', service: key, ip: written.ingress, reason: failed?.reason }, msg: 'cleared IPs the Service may no longer hold' });
    plan.events.push({ type: 'Warning', reason: 'ClearAssignment', message: `current IPs ${JSON.stringify(written.ingress)} for "${key}" are not allowed by the configuration, clearing: ${why}` });
  }

  if (failed === undefined) {
    delete memory.failure;
    plan.metrics.result = 'assigned';
    // PreferDualStack with one family still wants the other: it waits for space too.
    const v = c.kind === 'handled' ? c.view : undefined;
    if (v?.ipFamilyPolicy === 'PreferDualStack' && v.ipFamilies.length === 2 && v.requestedIPs.length === 0 && held?.ips.length === 1) plan.waiting = { sharingKey: plan.sharing?.sharingKey ?? '' };
    return plan;
  }
  plan.metrics.result = 'failed';
  if (held === undefined) plan.waiting = { sharingKey: plan.sharing?.sharingKey ?? '' };
  reportFailure(plan, memory, input, failed);
  return plan;
}

/** Posts AllocationFailed once the failure has lasted and the pools have settled, then every `reportEveryMs`. */
function reportFailure(plan: ServicePlan, memory: ServiceMemory, input: DecideInput, failed: { reason: AllocationFailureReason; message: string }): void {
  const prev = memory.failure;
  const since = prev?.since ?? input.now;
  const due = since + (settles(failed.reason) ? input.settleMs : 0);
  memory.failure = { message: failed.message, since, reportedAt: prev?.message === failed.message ? prev.reportedAt : undefined };
  if (settles(failed.reason) && (input.poolsSettling || input.now < due)) {
    plan.recheckInMs = Math.max(1, due - input.now);
    return;
  }
  const last = memory.failure.reportedAt;
  if (last !== undefined && input.now - last < input.reportEveryMs) return;
  memory.failure.reportedAt = input.now;
  plan.metrics.failure = failed.reason;
  plan.logs.push({ level: 'info', fields: { event: 'allocationFailed', service: plan.key, reason: failed.reason }, msg: failed.message });
  plan.events.push({ type: 'Warning', reason: 'AllocationFailed', message: `Failed to allocate IP for "${plan.key}": ${failed.message}` });
}

/** Warns once per distinct set of annotation problems (deprecated prefix, ignored legacy values). */
function warnAboutAnnotations(plan: ServicePlan, memory: ServiceMemory, legacy: readonly string[], warnings: readonly string[]): void {
  const text = [...legacy, ...warnings].join('\n');
  if (text === (memory.annotationWarnings ?? '')) return;
  if (text === '') {
    delete memory.annotationWarnings;
    return;
  }
  memory.annotationWarnings = text;
  if (legacy.length > 0) {
    plan.events.push({ type: 'Warning', reason: 'deprecatedAnnotation', message: `annotations ${legacy.join(', ')} use the deprecated metallb.universe.tf/ prefix; use metallb.io/ instead` });
  }
  for (const w of warnings) plan.events.push({ type: 'Warning', reason: 'AnnotationIgnored', message: w });
}

/** The key of a Service object ("namespace/name"). */
export const serviceKey = (svc: V1Service): string => keyOf(svc.metadata?.namespace ?? '', svc.metadata?.name ?? '');

/** `w` after a merge patch of annotations (only ours are tracked). */
export function withAnnotations(w: Written, patch: Readonly<Record<string, string | null>>): Written {
  const next = { ...w };
  if (Annotations.ipAllocatedFromPool in patch) next.pool = patch[Annotations.ipAllocatedFromPool] ?? undefined;
  if (LegacyAnnotations.ipAllocatedFromPool in patch) next.legacyPool = patch[LegacyAnnotations.ipAllocatedFromPool] ?? undefined;
  return next;
}
