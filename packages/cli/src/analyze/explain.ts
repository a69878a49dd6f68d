// `kubectl ironlb explain svc/NAME`: why a Service has these IPs (or none), which
// L2Advertisements cover them, every node in election order with why each one ranked
// above the owner is not it, the owner, and its last failover. Pure.
import type { V1Service } from '@kubernetes/client-node';
import {
  electionOrder,
  ExcludeFromExternalLoadBalancersLabel,
  selectsNode,
  selectsPool,
  selectsService,
  type CandidateExclusion,
  type NoOwnerReason,
} from '@ironlb/core';
import { formatAge } from '../age.js';
import { createdAt, eventTime, serviceKey, type ClusterModel } from './model.js';
import { interfaceFailure, statusRow, type StatusProblem } from './status.js';
import { explainAllocation, type AllocationExplanation } from './why.js';

export interface AdvertisementCoverage {
  readonly name: string;
  /** Covers the Service's pool and the Service (serviceSelectors). */
  readonly covers: boolean;
  /** When not: why ('pool' | 'service'). */
  readonly notBecause?: 'pool' | 'service';
  /** Nodes it selects (nodeSelectors), name order. */
  readonly nodes: readonly string[];
  /** The interfaces it names; empty when it names none (then `allInterfaces`). Always a list, for scripts. */
  readonly interfaces: readonly string[];
  /** It names no interface: the speaker answers on every interface. */
  readonly allInterfaces: boolean;
}

export interface NodeVerdict {
  readonly node: string;
  /** 1-based place in the election order of the Service's IP (every known node ranked). */
  readonly rank: number;
  readonly role: 'owner' | 'standby' | 'excluded';
  readonly reason?: CandidateExclusion;
  /** The sentence for `reason` (or the role). */
  readonly detail: string;
}

export interface Failover {
  readonly from: string;
  readonly to: string;
  /** Epoch ms of the new owner's nodeAssigned Event. */
  readonly at: number;
}

export interface ExplainReport {
  readonly kind: 'ServiceExplanation';
  readonly now: number;
  readonly service: string;
  readonly ips: readonly string[];
  readonly pool: string | undefined;
  readonly trafficPolicy: 'Cluster' | 'Local';
  readonly allocation: AllocationExplanation;
  readonly advertisements: readonly AdvertisementCoverage[];
  /** The IP the order is computed for (the first ingress IP, or the shared group's), when there is one. */
  readonly electionIp: string | undefined;
  readonly nodes: readonly NodeVerdict[];
  readonly elected: string | undefined;
  readonly noOwner: NoOwnerReason | undefined;
  /** What the speakers say: nodes with a ServiceL2Status for it. */
  readonly announcedBy: readonly { readonly node: string; readonly interfaces: readonly string[]; readonly since: number | undefined }[];
  readonly lastFailover: Failover | undefined;
  /** Nobody announces and the elected node's speaker said why (its announceFailed Event). */
  readonly announceFailure?: string;
  readonly problems: readonly StatusProblem[];
}

export function explainService(m: ClusterModel, s: V1Service): ExplainReport {
  const key = serviceKey(s);
  const row = statusRow(m, s);
  const d = m.decisions.get(key);
  const allocation = explainAllocation(m, s);
  const c = m.classified.get(key);
  // Without IPs there is no pool yet: use the one the Service asks for, if any.
  const poolName = d?.pool ?? row.pool ?? (c?.kind === 'handled' ? c.view.requestedPool : undefined);
  const pool = m.electionInput.pools.find((p) => p.name === poolName);
  const sv = m.electionInput.services.find((x) => x.key === key);
  const nodes = [...m.electionInput.nodes].sort((a, b) => (a.name < b.name ? -1 : 1));
  const advertisements: AdvertisementCoverage[] = [...m.electionInput.advertisements]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((ad) => {
      const byPool = pool !== undefined && selectsPool(ad, pool);
      const bySvc = selectsService(ad, { labels: s.metadata?.labels ?? {} });
      return {
        name: ad.name,
        covers: byPool && bySvc,
        ...(!byPool ? { notBecause: 'pool' as const } : !bySvc ? { notBecause: 'service' as const } : {}),
        nodes: nodes.filter((n) => selectsNode(ad, n)).map((n) => n.name),
        interfaces: ad.interfaces ?? [],
        allInterfaces: (ad.interfaces ?? []).length === 0,
      };
    });

  // The IP the speakers hashed: for a shared IP the group's, which may not be ours first.
  const electionIp = d?.electionIp ?? d?.ips[0];
  const verdicts: NodeVerdict[] = [];
  if (electionIp !== undefined && d !== undefined) {
    const excluded = new Map(d.excluded.map((x) => [x.node, x.reason]));
    const order = electionOrder(nodes.map((n) => n.name), electionIp);
    order.forEach((node, i) => {
      const reason = excluded.get(node);
      if (node === d.owner) verdicts.push({ node, rank: i + 1, role: 'owner', detail: 'passes every check and ranks first among those that do' });
      else if (reason === undefined) verdicts.push({ node, rank: i + 1, role: 'standby', detail: 'passes every check; takes over if the owner goes' });
      else verdicts.push({ node, rank: i + 1, role: 'excluded', reason, detail: exclusionDetail(m, node, reason, advertisements.filter((a) => a.covers), sv?.trafficPolicy ?? 'Cluster') });
    });
  }

  const announcedBy = [...(m.l2ByService.get(key) ?? [])]
    .map((o) => ({ node: o.status?.node ?? '', interfaces: (o.status?.interfaces ?? []).map((i) => i.name).sort(), since: createdAt(o.metadata) }))
    .filter((a) => a.node !== '')
    .sort((a, b) => (a.node < b.node ? -1 : 1));

  return {
    kind: 'ServiceExplanation',
    now: m.snapshot.now,
    service: key,
    ips: row.ips,
    pool: poolName,
    trafficPolicy: row.trafficPolicy,
    allocation,
    advertisements,
    electionIp,
    nodes: verdicts,
    elected: d?.owner,
    noOwner: d?.noOwner,
    announcedBy,
    lastFailover: lastFailover(m, key, announcedBy.length === 1 ? announcedBy[0]?.node : undefined),
    ...(() => {
      const said = announcedBy.length === 0 && d?.owner !== undefined ? interfaceFailure(m, key, d.owner) : undefined;
      return said !== undefined ? { announceFailure: said } : {};
    })(),
    problems: row.problems,
  };
}

function exclusionDetail(m: ClusterModel, node: string, reason: CandidateExclusion, covering: readonly AdvertisementCoverage[], policy: 'Cluster' | 'Local'): string {
  switch (reason) {
    case 'speaker-not-live': {
      const sp = m.speakers.get(node);
      if (!sp) return `no speaker Lease for it in ${m.snapshot.systemNamespace}: no speaker runs there`;
      if (sp.renewedAgoMs === undefined) return `its speaker Lease ${sp.leaseName} was released or never renewed`;
      return `its speaker Lease ${sp.leaseName} lapsed: renewed ${formatAge(sp.renewedAgoMs)} ago, lease duration ${sp.leaseDurationSeconds ?? 15}s`;
    }
    case 'no-advertisement':
      return covering.length === 0
        ? 'no L2Advertisement covers the pool and this Service'
        : `not selected by the nodeSelectors of ${covering.map((a) => a.name).join(', ')}`;
    case 'excluded-label':
      return `labelled ${ExcludeFromExternalLoadBalancersLabel}`;
    case 'network-unavailable':
      return 'its NetworkUnavailable condition is True';
    case 'no-local-endpoint':
      return `externalTrafficPolicy is ${policy} and it hosts no ready endpoint of the Service`;
  }
}

/**
 * The last move of the Service between nodes, from the speakers' nodeAssigned Events (one
 * per node each time it starts announcing; a repeat from the same speaker bumps
 * lastTimestamp, which has one-second resolution). `current` is the node announcing now
 * (its ServiceL2Status), which settles ties: the move is to it, from the last other node
 * that announced. Without a current owner the latest Event decides.
 */
export function lastFailover(m: ClusterModel, key: string, current: string | undefined): Failover | undefined {
  const assigned = (m.eventsByService.get(key) ?? [])
    .filter((e) => e.reason === 'nodeAssigned')
    .map((e) => ({ node: /node "([^"]+)"/.exec(e.message ?? '')?.[1] ?? e.reportingInstance ?? '', at: eventTime(e) }))
    .filter((a) => a.node !== '')
    .sort((a, b) => a.at - b.at);
  const to = current !== undefined ? assigned.filter((a) => a.node === current).at(-1) : assigned.at(-1);
  if (!to) return undefined;
  const from = assigned.filter((a) => a.node !== to.node && a.at <= to.at).at(-1);
  return from ? { from: from.node, to: to.node, at: to.at } : undefined;
}
