// What one node must announce, derived from the election's decisions: the bridge from
// "who owns what" to the announcer's desired set. Shared IPs appear once, so the
// announcer never runs two state machines (two GARP bursts) for one address.
import { compareStrings, sortedUnique } from './order.js';
import { groupBySharedIp } from './shared-ip.js';
import type { ServiceDecision } from './types.js';

export interface DesiredAnnouncement {
  /** The first of `services` (key order): a stable name for logs and metrics. */
  readonly service: string;
  /** Every Service announced through these IPs, "namespace/name", sorted. */
  readonly services: readonly string[];
  /** Each IP once, canonical text, in the members' order (first member first). */
  readonly ips: readonly string[];
  /** Union of the members' interfaces; 'all' when any member announces on all. */
  readonly interfaces: readonly string[] | 'all';
}

/**
 * The announcements `node` owns, sorted by `service`. Decisions owned by other nodes or
 * nobody are ignored; decisions sharing any IP are merged into one entry.
 */
export function desiredAnnouncements(node: string, decisions: Iterable<ServiceDecision>): DesiredAnnouncement[] {
  const owned = [...decisions].filter((d) => d.owner === node && d.ips.length > 0).sort((a, b) => compareStrings(a.service, b.service));
  return groupBySharedIp(owned, (d) => d.ips)
    .map((group) => ({
      service: (group[0] as ServiceDecision).service,
      services: sortedUnique(group.map((d) => d.service)),
      ips: [...new Set(group.flatMap((d) => d.ips))],
      interfaces: unionInterfaces(group.map((d) => d.interfaces)),
    }))
    .sort((a, b) => compareStrings(a.service, b.service));
}

function unionInterfaces(lists: readonly (readonly string[] | 'all')[]): readonly string[] | 'all' {
  if (lists.includes('all')) return 'all';
  return sortedUnique((lists as readonly (readonly string[])[]).flat());
}
