// `kubectl ironlb status`: one row per LoadBalancer Service of ours — its IPs, pool, the
// node announcing them (from the ServiceL2Status the speaker writes), the interfaces,
// since when, and what is wrong. Pure: a function of the ClusterModel.
import type { V1Service } from '@kubernetes/client-node';
import { Annotations, LegacyAnnotations, type ServiceDecision } from '@ironlb/core';
import { createdAt, isLoadBalancer, serviceKey, type ClusterModel } from './model.js';
import { pendingReason } from './why.js';

/** Stable problem codes (the PROBLEMS column and JSON). */
export type StatusProblem =
  /** No IPs: `detail` is the allocator's reason (exhausted, no-matching-pool, invalid-request…). */
  | { readonly code: 'pending'; readonly detail: string }
  /**
   * IPs but no speaker announces them: `detail` is the election's no-owner reason,
   * 'strict-arp' when a node is elected but the speakers refuse (kube-proxy IPVS without
   * strictARP), 'no-interface' when the elected node's speaker said it has none of the
   * interfaces the L2Advertisements name, or 'no-status' when a node should announce them.
   */
  | { readonly code: 'not-announced'; readonly detail: string }
  /** Another host (not a speaker) answered for an IP: AddressConflict Events. */
  | { readonly code: 'conflict'; readonly detail: string }
  /** More than one node says it announces the Service. */
  | { readonly code: 'split'; readonly detail: string }
  /** kube-proxy in IPVS mode without strictARP: every node's kernel answers for the IPs. */
  | { readonly code: 'strictARP'; readonly detail: string };

export interface StatusRow {
  readonly namespace: string;
  readonly name: string;
  readonly ips: readonly string[];
  readonly pool: string | undefined;
  /** Nodes with a ServiceL2Status for the Service (normally one). */
  readonly nodes: readonly string[];
  readonly interfaces: readonly string[];
  /** Epoch ms the announcing node's ServiceL2Status was created. */
  readonly since: number | undefined;
  /** Who the election (run here over the same view) picks; may briefly differ from `nodes`. */
  readonly elected: string | undefined;
  /** Candidates in election order. */
  readonly candidates: readonly string[];
  readonly trafficPolicy: 'Cluster' | 'Local';
  readonly problems: readonly StatusProblem[];
}

export interface StatusReport {
  readonly kind: 'StatusReport';
  readonly now: number;
  readonly rows: readonly StatusRow[];
}

/** `namespace` undefined: every namespace. Rows sorted by namespace, then name. */
export function statusReport(m: ClusterModel, namespace: string | undefined): StatusReport {
  const rows: StatusRow[] = [];
  const services = m.snapshot.services
    .filter((s) => isLoadBalancer(s) && (namespace === undefined || s.metadata?.namespace === namespace))
    .filter((s) => m.classified.get(serviceKey(s))?.kind !== 'ignored')
    .sort((a, b) => compare(serviceKey(a), serviceKey(b)));
  for (const s of services) rows.push(statusRow(m, s));
  return { kind: 'StatusReport', now: m.snapshot.now, rows };
}

export function statusRow(m: ClusterModel, s: V1Service): StatusRow {
  const key = serviceKey(s);
  const ips = (s.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
  const decision: ServiceDecision | undefined = m.decisions.get(key);
  const statuses = [...(m.l2ByService.get(key) ?? [])].sort((a, b) => compare(a.status?.node ?? '', b.status?.node ?? ''));
  const nodes = [...new Set(statuses.map((o) => o.status?.node ?? '').filter((n) => n !== ''))];
  const interfaces = [...new Set(statuses.flatMap((o) => (o.status?.interfaces ?? []).map((i) => i.name)))].sort(compare);
  const since = statuses.map((o) => createdAt(o.metadata)).filter((t): t is number => t !== undefined).sort((a, b) => a - b)[0];
  const annotations = s.metadata?.annotations ?? {};
  const pool = annotations[Annotations.ipAllocatedFromPool] ?? annotations[LegacyAnnotations.ipAllocatedFromPool] ?? decision?.pool;

  const problems: StatusProblem[] = [];
  if (ips.length === 0) problems.push({ code: 'pending', detail: pendingReason(m, key) });
  else {
    if (nodes.length === 0) {
      // An owner is elected but silent: with kube-proxy lacking strictARP, speakers
      // (--strict-arp enforce, the default) refuse to announce anything.
      const refused = decision?.owner !== undefined && !m.strictArp.ok;
      const noInterface = decision?.owner !== undefined && interfaceFailure(m, key, decision.owner) !== undefined;
      problems.push({ code: 'not-announced', detail: decision?.noOwner ?? (refused ? 'strict-arp' : noInterface ? 'no-interface' : 'no-status') });
    }
    if (nodes.length > 1) problems.push({ code: 'split', detail: nodes.join(',') });
    const conflicts = (m.eventsByService.get(key) ?? []).filter((e) => e.reason === 'AddressConflict');
    const last = conflicts.at(-1);
    if (last) problems.push({ code: 'conflict', detail: last.message ?? '' });
    if (!m.strictArp.ok) problems.push({ code: 'strictARP', detail: m.strictArp.reason });
  }
  return {
    namespace: s.metadata?.namespace ?? '',
    name: s.metadata?.name ?? '',
    ips,
    pool,
    nodes,
    interfaces,
    since,
    elected: decision?.owner,
    candidates: decision?.candidates ?? [],
    trafficPolicy: s.spec?.externalTrafficPolicy === 'Local' ? 'Local' : 'Cluster',
    problems,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The elected node's speaker's latest announceFailed Event about a missing interface
 * ('cannot announce IP from node "X": interface eth9 missing or not eligible'), if any.
 */
export function interfaceFailure(m: ClusterModel, key: string, node: string): string | undefined {
  const mark = `from node "${node}": interface `;
  return (m.eventsByService.get(key) ?? []).filter((e) => e.reason === 'announceFailed' && (e.message ?? '').includes(mark)).at(-1)?.message;
}
