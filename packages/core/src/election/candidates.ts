// The per-node checks for one Service, in the order architecture.md ("Election and
// failover") lists them; the first failing check is the reason a node is excluded, so
// `kubectl ironlb explain` can say exactly why a node does not announce an IP.
import { ExcludeFromExternalLoadBalancersLabel } from '../metallb-names.js';
import type { Coverage } from './advertisements.js';
import type { ElectionInput, ElectionNode, ElectionService, CandidateExclusion, NoOwnerReason } from './types.js';

export interface ServiceEvaluation {
  /** Nodes passing every check, in name order (not yet in election order). */
  readonly candidates: readonly string[];
  /** Every other known node with its first failing check, in name order. */
  readonly excluded: readonly { readonly node: string; readonly reason: CandidateExclusion }[];
  /** Why nobody could announce this Service alone (before IP sharing is considered). */
  readonly noOwner: NoOwnerReason | undefined;
}

type NodeContext = Pick<ElectionInput, 'live' | 'endpoints' | 'ignoreExcludeLb'>;

/**
 * First failing check for `node`, or undefined when it is a candidate. `coverage`
 * undefined means the Service has no pool, so nothing can advertise it.
 */
export function checkNode(node: ElectionNode, service: ElectionService, coverage: Coverage | undefined, ctx: NodeContext): CandidateExclusion | undefined {
  if (!ctx.live.has(node.name)) return 'speaker-not-live';
  if (!coverage?.byNode.has(node.name)) return 'no-advertisement';
  // KEP-1143: the label's presence excludes the node, whatever its value.
  if (!ctx.ignoreExcludeLb && Object.prototype.hasOwnProperty.call(node.labels, ExcludeFromExternalLoadBalancersLabel)) return 'excluded-label';
  if (node.networkUnavailable) return 'network-unavailable';
  if (service.trafficPolicy === 'Local' && !ctx.endpoints.get(service.key)?.has(node.name)) return 'no-local-endpoint';
  return undefined;
}

/**
 * Runs the checks on every known node (`nodes` must be in name order; `coverage` is
 * undefined when the Service has no pool) and names the
 * Service-level reason when none passes, most fundamental first: no-ips, unknown-pool,
 * no-advertisement (no advertisement selects pool and Service on any known node),
 * no-local-endpoints (Local and no node has a ready endpoint), no-candidates.
 * A Service without IPs is not evaluated at all: there is nothing to elect for.
 */
export function evaluateService(service: ElectionService, coverage: Coverage | undefined, nodes: readonly ElectionNode[], ctx: NodeContext): ServiceEvaluation {
  if (service.ips.length === 0) return { candidates: [], excluded: [], noOwner: 'no-ips' };
  const candidates: string[] = [];
  const excluded: { node: string; reason: CandidateExclusion }[] = [];
  for (const node of nodes) {
    const reason = checkNode(node, service, coverage, ctx);
    if (reason === undefined) candidates.push(node.name);
    else excluded.push({ node: node.name, reason });
  }
  return { candidates, excluded, noOwner: candidates.length > 0 ? undefined : explainNoOwner(service, coverage, nodes.length, ctx) };
}

function explainNoOwner(service: ElectionService, coverage: Coverage | undefined, nodeCount: number, ctx: NodeContext): NoOwnerReason {
  if (coverage === undefined) return 'unknown-pool';
  // With no Node objects known yet, an advertisement that selects pool and Service is not
  // the problem: report no-candidates rather than blame the advertisements.
  if (coverage.byNode.size === 0 && (coverage.selected.length === 0 || nodeCount > 0)) return 'no-advertisement';
  if (service.trafficPolicy === 'Local' && (ctx.endpoints.get(service.key)?.size ?? 0) === 0) return 'no-local-endpoints';
  return 'no-candidates';
}
