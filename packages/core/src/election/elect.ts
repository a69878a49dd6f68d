// The election: for every LoadBalancer Service, which node announces its IPs and why
// the others do not (architecture.md, "Election and failover"). Pure and deterministic:
// every speaker runs it over the same informer view and must reach the same answer, so
// nothing here may depend on input order, wall-clock time or the local node.
import { indexAdvertisements, mergeInterfaces, type Coverage } from './advertisements.js';
import { evaluateService, type ServiceEvaluation } from './candidates.js';
import { canonicalIp, compareStrings, electionOrder, sortedUnique } from './order.js';
import { indexPools } from './pool-of.js';
import { groupBySharedIp } from './shared-ip.js';
import type { ElectionAdvertisement, ElectionInput, ElectionPool, ElectionService, ServiceDecision } from './types.js';

interface Evaluated {
  readonly service: ElectionService;
  /** Canonical IP text (what MetalLB hashes); unparseable entries trimmed as written. */
  readonly ips: readonly string[];
  readonly pool: ElectionPool | undefined;
  readonly coverage: Coverage | undefined;
  readonly evaluation: ServiceEvaluation;
}

/**
 * Elects one owner per Service IP.
 *
 * Returns service key ("namespace/name") → decision, in key order, one entry per input
 * Service. Candidates are the nodes passing every check of candidates.ts, ordered by
 * sha256(`${node}#${ip}`) bytes ascending (MetalLB's layer-2 order, hashing the canonical
 * first ingress IP); the owner is the first. Both IPs of a dual-stack Service go to that
 * owner. Services sharing an IP form one group: its candidates are the union of the
 * members', ordered by the group's IP (the smallest first-IP of the group, which is the
 * shared one in every valid configuration), and every member gets the group's owner.
 * Inputs are never mutated; pools, nodes, advertisements and services are identified by
 * their (unique) names/keys.
 */
export function electServices(input: ElectionInput): Map<string, ServiceDecision> {
  const nodes = [...input.nodes].sort((a, b) => compareStrings(a.name, b.name));
  const pools = indexPools(input.pools);
  const advertisements = indexAdvertisements(input.advertisements, nodes);
  // For externalTrafficPolicy Cluster the checks depend on the Service only through its
  // coverage, which most Services share: evaluate each coverage once (1,000 nodes × 5,000
  // Services would otherwise be 5M node checks).
  const clusterEvaluations = new Map<Coverage | undefined, ServiceEvaluation>();
  const evaluate = (service: ElectionService, coverage: Coverage | undefined): ServiceEvaluation => {
    if (service.trafficPolicy === 'Local' || service.ips.length === 0) return evaluateService(service, coverage, nodes, input);
    let found = clusterEvaluations.get(coverage);
    if (!found) {
      found = evaluateService(service, coverage, nodes, input);
      clusterEvaluations.set(coverage, found);
    }
    return found;
  };
  const evaluated: Evaluated[] = [...input.services]
    .sort((a, b) => compareStrings(a.key, b.key))
    .map((service) => {
      const pool = pools.poolOf(service);
      const coverage = pool ? advertisements.coverage(pool, service) : undefined;
      return { service, ips: service.ips.map(canonicalIp), pool, coverage, evaluation: evaluate(service, coverage) };
    });

  const decisions = new Map<string, ServiceDecision>();
  for (const e of evaluated) {
    if (e.ips.length === 0) decisions.set(e.service.key, decide(e, [], undefined));
  }
  for (const group of groupBySharedIp(evaluated, (e) => e.ips)) {
    const electionIp = group.map((e) => e.ips[0] as string).sort(compareStrings)[0] as string;
    const pooled = group.length === 1 ? (group[0] as Evaluated).evaluation.candidates : sortedUnique(group.flatMap((e) => e.evaluation.candidates));
    const order = electionOrder(pooled, electionIp);
    const pooledSet = group.length > 1 ? new Set(pooled) : undefined;
    for (const e of group) decisions.set(e.service.key, decide(e, order, pooledSet, electionIp));
  }
  // Key order, so two elections over the same view compare equal entry by entry.
  return new Map([...decisions].sort(([a], [b]) => compareStrings(a, b)));
}

/**
 * One member's decision given its group's ordered candidates (empty: nobody can announce);
 * `pooled` is the group's candidate set when the IP is shared, undefined for a lone Service;
 * `electionIp` the IP the group's order was hashed with (undefined without IPs).
 */
function decide(e: Evaluated, order: readonly string[], pooled: ReadonlySet<string> | undefined, electionIp?: string): ServiceDecision {
  const owner = order[0];
  const base = { service: e.service.key, ips: e.ips, pool: e.pool?.name, ...(electionIp !== undefined ? { electionIp } : {}) };
  if (owner === undefined) {
    const ads = e.coverage?.anyNode ?? [];
    return { ...base, candidates: [], owner: undefined, noOwner: e.evaluation.noOwner ?? 'no-candidates', excluded: e.evaluation.excluded, ...describe(ads) };
  }
  // A node that is a candidate for another member of the group is not excluded here.
  const excluded = pooled ? e.evaluation.excluded.filter((x) => !pooled.has(x.node)) : e.evaluation.excluded;
  return { ...base, candidates: order, owner, excluded, ...describe(e.coverage?.byNode.get(owner) ?? []) };
}

function describe(ads: readonly ElectionAdvertisement[]): Pick<ServiceDecision, 'interfaces' | 'advertisements'> {
  return { interfaces: mergeInterfaces(ads), advertisements: sortedUnique(ads.map((a) => a.name)) };
}
