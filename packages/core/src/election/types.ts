// Plain views the election reads and the decision it returns (architecture.md, "Election
// and failover"). Built by the speaker's k8s adapter from informer caches; no client types.
import type { LabelSelector } from '../metallb-types.js';

export type TrafficPolicy = 'Cluster' | 'Local';

export interface ElectionService {
  /** "namespace/name" */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** status.loadBalancer.ingress[].ip in API order; the first one is hashed for the order. */
  readonly ips: readonly string[];
  /** metallb.io/ip-allocated-from-pool, when the controller wrote it. */
  readonly pool?: string;
  readonly trafficPolicy: TrafficPolicy;
}

export interface ElectionPool {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** spec.addresses as written (CIDRs or ranges); used when a Service has no pool annotation. */
  readonly addresses: readonly string[];
}

export interface ElectionAdvertisement {
  readonly name: string;
  readonly ipAddressPools?: readonly string[];
  readonly ipAddressPoolSelectors?: readonly LabelSelector[];
  readonly nodeSelectors?: readonly LabelSelector[];
  readonly interfaces?: readonly string[];
  readonly serviceSelectors?: readonly LabelSelector[];
}

export interface ElectionNode {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Condition NetworkUnavailable is True. */
  readonly networkUnavailable: boolean;
}

export interface ElectionInput {
  readonly services: readonly ElectionService[];
  readonly pools: readonly ElectionPool[];
  readonly advertisements: readonly ElectionAdvertisement[];
  readonly nodes: readonly ElectionNode[];
  /** Nodes whose speaker is live (membership's verdict). */
  readonly live: ReadonlySet<string>;
  /** Service key → nodes hosting a ready, serving endpoint of it (EndpointSlices). */
  readonly endpoints: ReadonlyMap<string, ReadonlySet<string>>;
  /** --ignore-exclude-lb: do not drop nodes labelled exclude-from-external-load-balancers. */
  readonly ignoreExcludeLb: boolean;
}

/** Why a node is not a candidate, in the order the checks run (the first that fails). */
export type CandidateExclusion =
  | 'speaker-not-live'
  | 'no-advertisement' // no L2Advertisement covers (pool, node, service)
  | 'excluded-label' // node.kubernetes.io/exclude-from-external-load-balancers
  | 'network-unavailable'
  | 'no-local-endpoint'; // externalTrafficPolicy: Local and no ready, serving endpoint here

/** Why a Service has no owner at all. */
export type NoOwnerReason =
  | 'no-ips'
  | 'unknown-pool' // no pool holds the IP (deleted pool, IP outside every pool)
  | 'no-advertisement' // no L2Advertisement selects the pool (and Service)
  | 'no-local-endpoints' // ETP Local and no node has a ready endpoint
  | 'no-candidates'; // advertised, but every node is excluded or not live

export interface ServiceDecision {
  readonly service: string;
  /** The Service's IPs in canonical text (dotted quad / RFC 5952), as hashed; unparseable ones trimmed. */
  readonly ips: readonly string[];
  readonly pool: string | undefined;
  /**
   * Candidates in election order (sha256(`${node}#${ips[0]}`) ascending); owner = first.
   * For a shared IP: the union of every sharing Service's candidates, ordered by that IP.
   */
  readonly candidates: readonly string[];
  /**
   * The IP `candidates` are ordered by: ips[0], or for a shared IP the group's (which can
   * differ from this Service's first IP when a dual-stack Service shares only its second
   * address). Undefined when the Service has no IPs.
   */
  readonly electionIp?: string;
  readonly owner: string | undefined;
  readonly noOwner?: NoOwnerReason;
  /** Every known node that is not a candidate, with the first reason, in name order; empty for 'no-ips'. */
  readonly excluded: readonly { readonly node: string; readonly reason: CandidateExclusion }[];
  /** Interfaces the owner announces on: names, or 'all' (an advertisement without interfaces). */
  readonly interfaces: readonly string[] | 'all';
  /** Advertisements that cover this Service on its owner (or on any node when no owner). */
  readonly advertisements: readonly string[];
}
