// Small builders for election tests: every field defaulted, so a table row states only
// what the case is about.
import type { ElectionAdvertisement, ElectionInput, ElectionNode, ElectionPool, ElectionService } from '../types.js';

export function svc(name: string, ips: readonly string[], extra: Partial<ElectionService> = {}): ElectionService {
  const namespace = extra.namespace ?? 'default';
  return { key: `${namespace}/${name}`, namespace, name, labels: {}, ips, trafficPolicy: 'Cluster', ...extra };
}

export function pool(name: string, addresses: readonly string[], labels: Record<string, string> = {}): ElectionPool {
  return { name, addresses, labels };
}

export function ad(name: string, extra: Omit<Partial<ElectionAdvertisement>, 'name'> = {}): ElectionAdvertisement {
  return { name, ...extra };
}

export function node(name: string, labels: Record<string, string> = {}, networkUnavailable = false): ElectionNode {
  return { name, labels, networkUnavailable };
}

/** Defaults: every known node live, no endpoints, the exclude label honoured. */
export function input(partial: Partial<ElectionInput> & Pick<ElectionInput, 'services' | 'nodes'>): ElectionInput {
  return {
    pools: [],
    advertisements: [],
    live: new Set(partial.nodes.map((n) => n.name)),
    endpoints: new Map(),
    ignoreExcludeLb: false,
    ...partial,
  };
}

export const ExcludeLabel = 'node.kubernetes.io/exclude-from-external-load-balancers';
