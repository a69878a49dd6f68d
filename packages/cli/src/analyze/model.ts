// The cluster as the components see it, computed from a Snapshot with the components' own
// pure code — never a re-implementation:
//   - the controller's allocator (pools as validatePool accepts them, re-claims from what
//     Services hold, then a dry run for each Service without IPs to learn why);
//   - the speakers' election (electServices over the same views the speaker builds),
//     with liveness from the speakers' per-node Leases judged by core's LeaseView.
// Pure: the Snapshot carries `now`; nothing here reads the clock or the API.
import type { CoreV1Event, V1Service } from '@kubernetes/client-node';
import { Allocator, type AllocationResult, type PoolUpdateReport, type RestoreOutcome } from '@ironlb/controller/allocator';
import { classifyService, heldAssignments, ingressIPs, type ServiceClassification } from '@ironlb/controller/service-view';
import {
  advertisementView,
  checkStrictArp,
  electServices,
  endpointNodes,
  keyOf,
  L2StatusServiceNameLabel,
  L2StatusServiceNamespaceLabel,
  LeaseView,
  nodeView,
  poolView,
  serviceView,
  speakerLeaseNode,
  validatePool,
  type ElectionInput,
  type PoolValidation,
  type PoolView,
  type ServiceDecision,
  type ServiceL2Status,
  type StrictArpVerdict,
} from '@ironlb/core';
import type { Snapshot } from '../snapshot.js';

export interface SpeakerLiveness {
  readonly node: string;
  readonly live: boolean;
  /** ms since the Lease's renewTime, when it has one. */
  readonly renewedAgoMs: number | undefined;
  readonly leaseDurationSeconds: number | undefined;
  readonly leaseName: string;
}

export interface ClusterModel {
  readonly snapshot: Snapshot;
  /** Every IPAddressPool by name, with validatePool's verdict. */
  readonly poolValidation: ReadonlyMap<string, PoolValidation>;
  /** The pools the allocator uses (the valid ones). */
  readonly poolViews: readonly PoolView[];
  readonly poolReport: PoolUpdateReport;
  /** The allocator after re-claiming what every Service holds (as the controller does at start-up). */
  readonly allocator: Allocator;
  /** Re-claim outcome per Service key that holds IPs. */
  readonly restored: ReadonlyMap<string, RestoreOutcome>;
  /** classifyService per LoadBalancer Service key (every class). */
  readonly classified: ReadonlyMap<string, ServiceClassification>;
  /** What the allocator answers for each of our Services without IPs (dry run, undone). */
  readonly dryRun: ReadonlyMap<string, AllocationResult>;
  readonly electionInput: ElectionInput;
  readonly decisions: ReadonlyMap<string, ServiceDecision>;
  /** One entry per speaker Lease. */
  readonly speakers: ReadonlyMap<string, SpeakerLiveness>;
  readonly l2ByService: ReadonlyMap<string, readonly ServiceL2Status[]>;
  readonly eventsByService: ReadonlyMap<string, readonly CoreV1Event[]>;
  readonly strictArp: StrictArpVerdict;
}

export function isLoadBalancer(s: V1Service): boolean {
  return s.spec?.type === 'LoadBalancer';
}

export const serviceKey = (s: V1Service): string => keyOf(s.metadata?.namespace ?? '', s.metadata?.name ?? '');

export function buildModel(snap: Snapshot): ClusterModel {
  const nsLabels = new Map(snap.namespaces.map((n) => [n.metadata?.name ?? '', n.metadata?.labels ?? {}]));
  const labelsOf = (ns: string) => nsLabels.get(ns) ?? {};

  // Pools: as the controller validates them (a pool that was never valid is not used).
  const poolValidation = new Map<string, PoolValidation>();
  const poolViews: PoolView[] = [];
  for (const p of snap.pools) {
    const v = validatePool(p);
    poolValidation.set(p.metadata?.name ?? '', v);
    if (v.ok) poolViews.push(v.pool);
  }
  const allocator = new Allocator();
  const poolReport = allocator.setPools(poolViews);
  const lbServices = snap.services.filter(isLoadBalancer);
  const held = heldAssignments(lbServices, labelsOf, snap.lbClass);
  const restored = new Map(allocator.restore(held).map((o) => [o.service, o]));

  const classified = new Map<string, ServiceClassification>();
  const dryRun = new Map<string, AllocationResult>();
  for (const s of lbServices) {
    const key = serviceKey(s);
    const c = classifyService(s, labelsOf(s.metadata?.namespace ?? ''), snap.lbClass);
    classified.set(key, c);
    if (c.kind !== 'handled' || ingressIPs(s).length > 0) continue;
    // Ask the allocator what it would do now, then undo it: the answer for one Service
    // must not depend on the dry runs of the others.
    const r = allocator.allocate(c.view);
    if (r.ok) allocator.release(key);
    dryRun.set(key, r);
  }

  const speakers = speakerLiveness(snap);
  const live = new Set([...speakers.values()].filter((s) => s.live).map((s) => s.node));
  const electionInput: ElectionInput = {
    services: lbServices.flatMap((s) => serviceView(s, snap.lbClass) ?? []),
    pools: snap.pools.map(poolView),
    advertisements: snap.advertisements.map(advertisementView),
    nodes: snap.nodes.map(nodeView),
    live,
    endpoints: endpointNodes(snap.endpointSlices),
    ignoreExcludeLb: false,
  };
  const decisions = electServices(electionInput);

  const l2ByService = new Map<string, ServiceL2Status[]>();
  for (const o of snap.l2Statuses) {
    const ns = o.metadata.labels?.[L2StatusServiceNamespaceLabel] ?? o.status?.serviceNamespace ?? '';
    const name = o.metadata.labels?.[L2StatusServiceNameLabel] ?? o.status?.serviceName ?? '';
    const key = keyOf(ns, name);
    l2ByService.set(key, [...(l2ByService.get(key) ?? []), o]);
  }
  const eventsByService = new Map<string, CoreV1Event[]>();
  for (const e of snap.events) {
    if (e.involvedObject?.kind !== 'Service') continue;
    const key = keyOf(e.involvedObject.namespace ?? '', e.involvedObject.name ?? '');
    eventsByService.set(key, [...(eventsByService.get(key) ?? []), e]);
  }
  for (const list of eventsByService.values()) list.sort((a, b) => eventTime(a) - eventTime(b));

  return {
    snapshot: snap,
    poolValidation,
    poolViews,
    poolReport,
    allocator,
    restored,
    classified,
    dryRun,
    electionInput,
    decisions,
    speakers,
    l2ByService,
    eventsByService,
    strictArp: checkStrictArp(snap.kubeProxy),
  };
}

/**
 * The Lease layer of the speakers' liveness, judged by core's LeaseView as a speaker
 * judges a Lease it sees for the first time: live while renewTime + leaseDurationSeconds
 * is ahead of `now` (wall clocks compared once, as the speaker does on first sight), and
 * never when released (holderIdentity ""). The heartbeat layer is not visible from the API.
 */
export function speakerLiveness(snap: Pick<Snapshot, 'leases' | 'now' | 'systemNamespace'>): Map<string, SpeakerLiveness> {
  const view = new LeaseView();
  const out = new Map<string, SpeakerLiveness>();
  const byNode = new Map<string, (typeof snap.leases)[number]>();
  for (const l of snap.leases) {
    const node = speakerLeaseNode(l);
    if (node === undefined) continue;
    byNode.set(node, l);
    const renew = l.spec?.renewTime;
    view.observe(node, {
      ...(renew !== undefined ? { renewTime: microTimeText(renew) } : {}),
      ...(l.spec?.leaseDurationSeconds !== undefined ? { leaseDurationSeconds: l.spec.leaseDurationSeconds } : {}),
      ...(l.spec?.holderIdentity !== undefined ? { holderIdentity: l.spec.holderIdentity } : {}),
    }, 0, snap.now);
  }
  view.markApiFresh(0);
  const live = view.live(0);
  for (const [node, l] of [...byNode].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const renew = l.spec?.renewTime;
    const renewedAt = renew === undefined ? undefined : Date.parse(microTimeText(renew));
    out.set(node, {
      node,
      live: live.has(node),
      renewedAgoMs: renewedAt === undefined || Number.isNaN(renewedAt) ? undefined : Math.max(0, snap.now - renewedAt),
      leaseDurationSeconds: l.spec?.leaseDurationSeconds,
      leaseName: `${snap.systemNamespace}/${l.metadata?.name ?? ''}`,
    });
  }
  return out;
}

/** client-node hands MicroTime back as a Date (or a string when read raw). */
function microTimeText(t: unknown): string {
  return t instanceof Date ? t.toISOString() : String(t);
}

/** Epoch ms of an Event's last occurrence (lastTimestamp, eventTime, firstTimestamp). */
export function eventTime(e: CoreV1Event): number {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  if (t === undefined) return 0;
  const ms = t instanceof Date ? t.getTime() : Date.parse(String(t));
  return Number.isNaN(ms) ? 0 : ms;
}

/** Epoch ms of an object's creationTimestamp. */
export function createdAt(meta: { creationTimestamp?: Date | string } | undefined): number | undefined {
  const t = meta?.creationTimestamp;
  if (t === undefined) return undefined;
  const ms = t instanceof Date ? t.getTime() : Date.parse(String(t));
  return Number.isNaN(ms) ? undefined : ms;
}
