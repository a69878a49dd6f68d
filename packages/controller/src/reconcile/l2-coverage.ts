// Whether an assigned IP is announced at all: an address from a pool that no
// L2Advertisement selects (or whose advertisements' serviceSelectors skip the Service) is
// assigned but answered by no node. MetalLB stays silent about it; we say so with a
// Warning Event on the Service (NotAdvertised) and the pool's Advertised condition.
// Pure; node selectors are the speaker's business (the controller does not watch nodes).
import { advertisementSelectsPool, advertisementSelectsService, type AdvertisementSelection, type LabelSelector } from '@ironlb/core';

export interface AdvertisementView extends AdvertisementSelection {
  readonly name: string;
}

export interface PoolLabels {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

const stringList = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);
const selectorList = (v: unknown): LabelSelector[] | undefined => (Array.isArray(v) ? v.filter((x): x is LabelSelector => x !== null && typeof x === 'object') : undefined);

/** The fields coverage needs, copied (never aliases the informer cache). */
export function advertisementViewOf(obj: { metadata?: { name?: string }; spec?: unknown }): AdvertisementView {
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  return {
    name: obj.metadata?.name ?? '',
    ipAddressPools: stringList(spec.ipAddressPools),
    ipAddressPoolSelectors: selectorList(spec.ipAddressPoolSelectors)?.map((s) => structuredClone(s)),
    serviceSelectors: selectorList(spec.serviceSelectors)?.map((s) => structuredClone(s)),
  };
}

/** Names of the advertisements that select `pool`, sorted. */
export function advertisersOf(ads: readonly AdvertisementView[], pool: PoolLabels): string[] {
  return ads.filter((a) => advertisementSelectsPool(a, pool)).map((a) => a.name).sort();
}

export type ServiceCoverage = { covered: true } | { covered: false; reason: 'no-advertisement' | 'service-not-selected'; message: string };

/** Is a Service holding `ips` from `pool` announced by at least one advertisement? */
export function serviceCoverage(ads: readonly AdvertisementView[], pool: PoolLabels, serviceLabels: Readonly<Record<string, string>>, ips: readonly string[]): ServiceCoverage {
  const selecting = ads.filter((a) => advertisementSelectsPool(a, pool));
  if (selecting.some((a) => advertisementSelectsService(a, serviceLabels))) return { covered: true };
  const what = `${ips.join(', ')} from pool ${pool.name} ${ips.length > 1 ? 'are' : 'is'} assigned but not announced by any node`;
  if (selecting.length === 0) {
    return { covered: false, reason: 'no-advertisement', message: `${what}: no L2Advertisement selects pool ${pool.name} (by ipAddressPools, ipAddressPoolSelectors, or by listing neither)` };
  }
  const names = selecting.map((a) => a.name).sort().join(', ');
  return { covered: false, reason: 'service-not-selected', message: `${what}: the L2Advertisements selecting pool ${pool.name} (${names}) do not select this Service by their serviceSelectors` };
}

/**
 * Remembers what each Service was last told, so a Warning is posted once per state, not
 * once per sweep: a new one only when the message changes, and again after the Service
 * was covered in between.
 */
export class CoverageNotices {
  readonly #told = new Map<string, string>();

  /** `message` undefined: covered. True when a Warning with `message` should be posted now. */
  shouldPost(service: string, message: string | undefined): boolean {
    if (message === undefined) {
      this.#told.delete(service);
      return false;
    }
    if (this.#told.get(service) === message) return false;
    this.#told.set(service, message);
    return true;
  }

  /** Forgets Services not in `keep` (deleted, released). */
  retain(keep: ReadonlySet<string>): void {
    for (const k of this.#told.keys()) if (!keep.has(k)) this.#told.delete(k);
  }

  get size(): number {
    return this.#told.size;
  }
}
