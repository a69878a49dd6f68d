// What this node announces, decided from the election's output: a pure step from the
// previous ownership state to the next, returning the new state and the changes to log,
// record as Events and count. The speaker applies the result (responder entries,
// ServiceL2Status, Events, metrics); nothing here touches the world.
//
// Handoff (architecture.md, "Failback"): an IP this node stops owning while another node
// takes it keeps a QUIET entry for `handoffMs` — it still answers ARP/NDP but sends no
// gratuitous frames — so the new owner's burst lands first and nothing is left
// unanswered in between. An IP that nobody should announce any more (Service deleted,
// no candidates, IP gone) is withdrawn at once.
import type { ServiceDecision } from '@ironlb/core';

/** Why ownership changed, as far as this node knows (attached to every change it causes). */
export interface ChangeCause {
  /** e.g. 'peer-dead', 'peer-left', 'peer-alive', 'service-changed', 'advertisement-changed', 'startup', 'resync'. */
  readonly reason: string;
  /** The peer whose state changed, when the cause is a peer. */
  readonly peer?: string;
  /** 'heartbeat' | 'lease' | 'leave' for peer causes. */
  readonly via?: string;
  /** Detection delay: ms from the peer's last heartbeat to the verdict. */
  readonly detectMs?: number;
  /** Monotonic ms when the cause was observed. */
  readonly at: number;
}

export interface OwnedIp {
  readonly ip: string;
  /** Service keys announcing this IP (several when the IP is shared). */
  readonly services: readonly string[];
  readonly interfaces: readonly string[] | 'all';
  /** Monotonic ms since when this node owns (or lingers on) the IP. */
  readonly since: number;
  /** 'owner': announcing; 'handoff': quiet until `until`, then withdrawn. */
  readonly role: 'owner' | 'handoff';
  readonly until?: number;
  /** The first claim of an address no speaker announced before: probe first (RFC 5227). */
  readonly firstClaim: boolean;
}

export interface OwnershipState {
  readonly owned: ReadonlyMap<string, OwnedIp>;
  /** Last owner seen per Service (any node), to name `previousOwner` in logs. */
  readonly owners: ReadonlyMap<string, string | undefined>;
}

export const EMPTY_OWNERSHIP: OwnershipState = { owned: new Map(), owners: new Map() };

/** Why this node announces nothing at all right now, whatever the election says. */
export type Suppression = 'not-ready' | 'isolated' | 'api-lost' | 'strict-arp' | 'leaving';

export interface OwnershipInput {
  readonly self: string;
  readonly decisions: ReadonlyMap<string, ServiceDecision>;
  readonly now: number;
  readonly cause: ChangeCause;
  readonly suppress?: Suppression;
  /** Quiet answering after losing an IP to another node (default 1000 ms). */
  readonly handoffMs: number;
  /**
   * Services whose IPs were never announced by any speaker as far as we know (new
   * Services seen after start-up): their first claim probes for a foreign user first.
   */
  readonly isNew?: (service: string) => boolean;
}

export interface OwnerChange {
  readonly service: string;
  readonly ips: readonly string[];
  readonly previousOwner: string | undefined;
  readonly owner: string | undefined;
  readonly candidates: readonly string[];
  readonly noOwner?: string;
  readonly cause: ChangeCause;
  /** 'elected': this node became owner; 'lost': it stopped; 'moved': between other nodes. */
  readonly kind: 'elected' | 'lost' | 'moved' | 'none';
  readonly interfaces: readonly string[] | 'all';
}

export interface OwnershipStep {
  readonly state: OwnershipState;
  readonly changes: readonly OwnerChange[];
}

/** One step: the decisions now in force → what this node owns, and what changed. */
export function planOwnership(prev: OwnershipState, input: OwnershipInput): OwnershipStep {
  const { self, now } = input;
  const owned = new Map<string, OwnedIp>();
  const owners = new Map<string, string | undefined>();
  const changes: OwnerChange[] = [];
  const ownersByIp = new Map<string, string | undefined>();

  const announcedKeys = new Set<string>();
  for (const o of prev.owned.values()) if (o.role === 'owner') for (const k of o.services) announcedKeys.add(k);
  const announcedBefore = (key: string) => announcedKeys.has(key);
  const pending: { key: string; d: ServiceDecision; before: string | undefined; known: boolean; selfBefore: boolean }[] = [];
  for (const [key, d] of [...input.decisions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    owners.set(key, d.owner);
    for (const ip of d.ips) ownersByIp.set(ip, d.owner);
    const before = prev.owners.get(key);
    pending.push({ key, d, before, known: prev.owners.has(key), selfBefore: announcedBefore(key) });
    if (d.owner !== self || input.suppress) continue;
    for (const ip of d.ips) {
      const had = prev.owned.get(ip);
      const cur = owned.get(ip);
      if (cur) {
        owned.set(ip, { ...cur, services: [...new Set([...cur.services, key])].sort() });
        continue;
      }
      const stillOwner = had?.role === 'owner';
      owned.set(ip, {
        ip,
        services: [key],
        interfaces: d.interfaces,
        since: stillOwner ? had.since : now,
        role: 'owner',
        firstClaim: stillOwner ? had.firstClaim : !had && before === undefined && (input.isNew?.(key) ?? false),
      });
    }
  }
  // What changed, per Service: this node started or stopped announcing it ('elected' /
  // 'lost': judged by what it actually announces, so a suppressed owner that becomes able
  // to announce is an election too), or the owner moved between other nodes.
  for (const { key, d, before, known, selfBefore } of pending) {
    const selfAfter = d.ips.some((ip) => owned.get(ip)?.role === 'owner' && owned.get(ip)!.services.includes(key));
    const kind = !selfBefore && selfAfter ? 'elected' : selfBefore && !selfAfter ? 'lost' : before !== d.owner || !known ? (known ? 'moved' : 'none') : undefined;
    // Who announced it before: when this node owned it but could not announce, nobody did.
    const previousOwner = selfBefore ? self : before === self ? undefined : before;
    if (kind === undefined || (kind === 'moved' && previousOwner === d.owner)) continue;
    changes.push({
      service: key,
      ips: d.ips,
      previousOwner,
      owner: d.owner,
      candidates: d.candidates,
      ...(d.noOwner ? { noOwner: d.noOwner } : {}),
      cause: input.cause,
      kind,
      interfaces: d.interfaces,
    });
  }
  for (const key of prev.owners.keys()) {
    if (input.decisions.has(key)) continue;
    const before = prev.owners.get(key);
    // The Service is gone or has no IPs any more: nobody announces it.
    if (before === undefined) continue;
    const selfBefore = announcedBefore(key);
    if (before === self && !selfBefore) continue; // owned but never announced: nothing to report
    changes.push({ service: key, ips: [], previousOwner: before, owner: undefined, candidates: [], noOwner: 'no-ips', cause: input.cause, kind: selfBefore ? 'lost' : 'moved', interfaces: [] });
  }

  // IPs we announced that we no longer own: hand off quietly when another node (or our own
  // leaving) takes them over; withdraw at once when nobody should announce them.
  for (const [ip, had] of prev.owned) {
    if (owned.has(ip)) continue;
    const newOwner = ownersByIp.get(ip);
    const handedOver = (newOwner !== undefined && newOwner !== self) || input.suppress === 'leaving';
    if (!handedOver) continue;
    const until = had.role === 'handoff' ? had.until! : now + input.handoffMs;
    if (until <= now) continue;
    owned.set(ip, { ...had, role: 'handoff', until, since: had.role === 'handoff' ? had.since : now });
  }
  return { state: { owned, owners }, changes };
}

/** When the next handoff entry expires (the speaker re-plans then), or undefined. */
export function nextHandoffExpiry(state: OwnershipState): number | undefined {
  let at: number | undefined;
  for (const o of state.owned.values()) if (o.role === 'handoff' && o.until !== undefined && (at === undefined || o.until < at)) at = o.until;
  return at;
}
