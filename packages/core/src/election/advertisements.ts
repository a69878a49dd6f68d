// Which L2Advertisements cover a (pool, node, service) triple, with MetalLB's semantics
// (api/v1beta1 L2Advertisement, internal/config): an advertisement selects a pool when
// ipAddressPools names it or any ipAddressPoolSelectors matches the pool's labels, and
// every pool when both are empty; nodeSelectors and serviceSelectors are ORed lists where
// empty means "all". A pool is announced under the union of every advertisement that
// selects it, so coverage is "at least one advertisement matches all three".
import { matchAnyLabelSelector } from '../label-selector.js';
import { advertisementSelectsPool, advertisementSelectsService } from '../l2-advertisement-select.js';
import type { LabelSelector } from '../metallb-types.js';
import { compareStrings, sortedUnique } from './order.js';
import type { ElectionAdvertisement, ElectionNode, ElectionPool, ElectionService } from './types.js';

/** The advertisements covering one (pool, service), per node. Arrays are in name order. */
export interface Coverage {
  /** Select the pool and the Service; node selectors not applied yet. */
  readonly selected: readonly ElectionAdvertisement[];
  /** Nodes (known ones only) with at least one covering advertisement → those advertisements. */
  readonly byNode: ReadonlyMap<string, readonly ElectionAdvertisement[]>;
  /** Every advertisement covering the pool and Service on at least one known node. */
  readonly anyNode: readonly ElectionAdvertisement[];
}

export interface AdvertisementIndex {
  coverage(pool: ElectionPool, service: ElectionService): Coverage;
}

function isEmpty(list: readonly unknown[] | undefined): boolean {
  return list === undefined || list.length === 0;
}

/** Empty/absent selector list = everything (MetalLB's nodeSelectors / serviceSelectors). */
function matchOptional(selectors: readonly LabelSelector[] | undefined, labels: Readonly<Record<string, string>>): boolean {
  return isEmpty(selectors) || matchAnyLabelSelector(selectors as readonly LabelSelector[], labels);
}

/** True when `ad` announces `pool` (ignoring nodes and services); core's one implementation. */
export function selectsPool(ad: ElectionAdvertisement, pool: ElectionPool): boolean {
  return advertisementSelectsPool(ad, pool);
}

export function selectsNode(ad: ElectionAdvertisement, node: Pick<ElectionNode, 'labels'>): boolean {
  return matchOptional(ad.nodeSelectors, node.labels);
}

export function selectsService(ad: ElectionAdvertisement, service: Pick<ElectionService, 'labels'>): boolean {
  return advertisementSelectsService(ad, service.labels);
}

/**
 * Interfaces to announce on under a set of advertisements: the sorted union of their
 * `interfaces`, or 'all' as soon as one of them names none (MetalLB: an advertisement
 * without interfaces announces on every eligible interface). No advertisement → [].
 */
export function mergeInterfaces(ads: Iterable<Pick<ElectionAdvertisement, 'interfaces'>>): readonly string[] | 'all' {
  const names: string[] = [];
  let any = false;
  for (const ad of ads) {
    any = true;
    if (ad.interfaces === undefined || ad.interfaces.length === 0) return 'all';
    names.push(...ad.interfaces);
  }
  return any ? sortedUnique(names) : [];
}

/** Stable order for advertisements: by name, then by content (duplicate names must not make the order input-dependent). */
function compareAds(a: ElectionAdvertisement, b: ElectionAdvertisement): number {
  return compareStrings(a.name, b.name) || compareStrings(JSON.stringify(a), JSON.stringify(b));
}

/**
 * Precomputes node matches once per election (advertisements × nodes), and caches
 * coverage per set of selecting advertisements, which is shared by most Services: the
 * per-service cost is then the service-selector check, not advertisements × nodes.
 */
export function indexAdvertisements(advertisements: readonly ElectionAdvertisement[], nodes: readonly ElectionNode[]): AdvertisementIndex {
  const ads = [...advertisements].sort(compareAds);
  const nodesByAd = ads.map((ad) => nodes.filter((n) => selectsNode(ad, n)).map((n) => n.name));
  const poolSelection = new Map<ElectionPool, number[]>();
  const bySelection = new Map<string, Coverage>();

  const selectionOf = (pool: ElectionPool): number[] => {
    let found = poolSelection.get(pool);
    if (!found) {
      found = [];
      ads.forEach((ad, i) => {
        if (selectsPool(ad, pool)) found?.push(i);
      });
      poolSelection.set(pool, found);
    }
    return found;
  };

  const coverageOf = (selection: readonly number[]): Coverage => {
    const key = selection.join(',');
    const cached = bySelection.get(key);
    if (cached) return cached;
    const byNode = new Map<string, ElectionAdvertisement[]>();
    const anyNode: ElectionAdvertisement[] = [];
    for (const i of selection) {
      const ad = ads[i] as ElectionAdvertisement;
      const matched = nodesByAd[i] as string[];
      if (matched.length > 0) anyNode.push(ad);
      for (const node of matched) {
        const list = byNode.get(node);
        if (list) list.push(ad);
        else byNode.set(node, [ad]);
      }
    }
    const coverage: Coverage = { selected: selection.map((i) => ads[i] as ElectionAdvertisement), byNode, anyNode };
    bySelection.set(key, coverage);
    return coverage;
  };

  return {
    coverage(pool, service) {
      return coverageOf(selectionOf(pool).filter((i) => selectsService(ads[i] as ElectionAdvertisement, service)));
    },
  };
}
