// IP sharing, MetalLB's rules (internal/allocator: checkSharing, sharingOK): an address
// in use may take another Service only when both carry the same non-empty sharing key,
// the same backend key (Local Services: identical selectors) and no (protocol, port)
// pair is used twice on the address. A Service never conflicts with itself, so a sole
// holder can change its key or ports in place.
import type { FamilySpace, IpUse } from './pool-space.js';
import type { ShareIdentity } from './service-view.js';

export type ShareCheck = { ok: true } | { ok: false; reason: 'ip-in-use' | 'sharing-conflict'; message: string };

const OK: ShareCheck = { ok: true };

/** May `who` use `use`'s address alongside its current holders? */
export function checkSharing(use: IpUse, who: ShareIdentity): ShareCheck {
  const others = use.holders.filter((h) => h.key !== who.key);
  if (others.length === 0) return OK;
  const names = others.map((h) => h.key).join(', ');
  const existing = others[0] as ShareIdentity;
  if (existing.sharingKey === '') {
    return { ok: false, reason: 'ip-in-use', message: `${use.text} is used by ${names}, which does not allow sharing (no metallb.io/allow-shared-ip)` };
  }
  if (who.sharingKey === '') {
    return { ok: false, reason: 'ip-in-use', message: `${use.text} is used by ${names}; ${who.key} has no metallb.io/allow-shared-ip key to share it` };
  }
  if (existing.sharingKey !== who.sharingKey) {
    return { ok: false, reason: 'ip-in-use', message: `${use.text} is used by ${names} with sharing key ${JSON.stringify(existing.sharingKey)}, not ${JSON.stringify(who.sharingKey)}` };
  }
  if (existing.backendKey !== who.backendKey) {
    const describe = (k: string): string => (k === '' ? 'externalTrafficPolicy Cluster' : `Local with selector ${k}`);
    return {
      ok: false,
      reason: 'sharing-conflict',
      message: `${use.text}: ${who.key} (${describe(who.backendKey)}) cannot share with ${names} (${describe(existing.backendKey)}); Local Services must share only with Services that have the same selector`,
    };
  }
  for (const h of others) {
    const clash = who.ports.find((p) => h.ports.includes(p));
    if (clash !== undefined) return { ok: false, reason: 'sharing-conflict', message: `port ${clash} on ${use.text} is already used by ${h.key}` };
  }
  return OK;
}

/**
 * The first address, in pool order, that `who` can share. Cost grows with the number of
 * addresses carrying this sharing key, never with the pool's size.
 */
export function findShareable(space: FamilySpace, who: ShareIdentity): IpUse | undefined {
  if (who.sharingKey === '') return undefined;
  let best: IpUse | undefined;
  for (const use of space.sharedByKey.get(who.sharingKey) ?? []) {
    if (!checkSharing(use, who).ok) continue;
    if (best === undefined || use.segment.order < best.segment.order || (use.segment.order === best.segment.order && use.off < best.off)) best = use;
  }
  return best;
}
