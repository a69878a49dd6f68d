// Which pools and Services an L2Advertisement selects, with MetalLB's semantics
// (api/v1beta1 L2Advertisement, internal/config): it selects a pool when ipAddressPools
// names it or any ipAddressPoolSelectors matches the pool's labels, and every pool when
// both are empty; serviceSelectors is an ORed list where empty means every Service. The
// speaker (who announces) and the controller (who warns about what nobody announces)
// share this one implementation so they can never disagree.
import { matchAnyLabelSelector } from './label-selector.js';
import type { LabelSelector } from './metallb-types.js';

export interface AdvertisementSelection {
  readonly ipAddressPools?: readonly string[];
  readonly ipAddressPoolSelectors?: readonly LabelSelector[];
  readonly serviceSelectors?: readonly LabelSelector[];
}

const isEmpty = (list: readonly unknown[] | undefined): boolean => list === undefined || list.length === 0;

/** True when the advertisement announces `pool` (nodes and Services aside). */
export function advertisementSelectsPool(ad: AdvertisementSelection, pool: { readonly name: string; readonly labels: Readonly<Record<string, string>> }): boolean {
  if (isEmpty(ad.ipAddressPools) && isEmpty(ad.ipAddressPoolSelectors)) return true;
  if (ad.ipAddressPools?.includes(pool.name)) return true;
  return !isEmpty(ad.ipAddressPoolSelectors) && matchAnyLabelSelector(ad.ipAddressPoolSelectors as readonly LabelSelector[], pool.labels);
}

/** True when the advertisement's serviceSelectors (empty: all) match the Service's labels. */
export function advertisementSelectsService(ad: AdvertisementSelection, labels: Readonly<Record<string, string>>): boolean {
  return isEmpty(ad.serviceSelectors) || matchAnyLabelSelector(ad.serviceSelectors as readonly LabelSelector[], labels);
}
