// Whether an interface can carry announcements right now, and the events the runtime's
// periodic rescan reports when that changes. A link that went down, lost its carrier, was
// replaced (new ifindex) or got a new MAC needs its sockets reopened and a fresh burst.
import { LogFields, type Logger } from '@ironlb/core';
import type { MacAddress } from '../packet/codec/mac.js';
import { IFF_UP, type NetInterface } from './types.js';

export type LinkDownReason = 'down' | 'link-down' | 'gone';

// A carrier-less link cannot reach anyone (RFC 2863 operstates without a working lower layer).
const NO_CARRIER: ReadonlySet<string> = new Set(['down', 'lowerlayerdown', 'notpresent']);

/** Why an existing `link` cannot carry frames now; undefined when it can. */
export function linkInactiveReason(link: NetInterface): 'down' | 'link-down' | undefined {
  if ((link.flags & IFF_UP) === 0) return 'down';
  if (NO_CARRIER.has(link.operstate)) return 'link-down';
  return undefined;
}

/** As linkInactiveReason, for a link that may have disappeared from the listing. */
export function linkDownReason(link: NetInterface | undefined): LinkDownReason | undefined {
  return link === undefined ? 'gone' : linkInactiveReason(link);
}

export type LinkEvent =
  /** An interface with entries stopped being usable: its sockets are closed, its entries wait. */
  | { readonly kind: 'interface-down'; readonly iface: string; readonly reason: LinkDownReason }
  /** It is usable again: sockets reopen and its entries start a fresh gratuitous burst. */
  | { readonly kind: 'interface-up'; readonly iface: string; readonly mac: MacAddress }
  /** Same name, new MAC or ifindex: sockets reopen and its entries announce the new MAC. */
  | {
      readonly kind: 'interface-changed';
      readonly iface: string;
      readonly mac: MacAddress;
      readonly previousMac: MacAddress;
      readonly ifindex: number;
      readonly previousIfindex: number;
    }
  /** Listing interfaces failed; the previous view is kept until the next rescan. */
  | { readonly kind: 'rescan-failed'; readonly error: unknown };

export const LINK_EVENT_KINDS: ReadonlySet<string> = new Set(['interface-down', 'interface-up', 'interface-changed', 'rescan-failed']);

export function isLinkEvent(e: { readonly kind: string }): e is LinkEvent {
  return LINK_EVENT_KINDS.has(e.kind);
}

export function logLinkEvent(log: Logger, e: LinkEvent): void {
  const F = LogFields;
  switch (e.kind) {
    case 'interface-down':
      log.warn({ [F.event]: 'interfaceDown', [F.iface]: e.iface, [F.reason]: e.reason }, 'interface unusable; its IPs wait for it');
      return;
    case 'interface-up':
      log.info({ [F.event]: 'interfaceUp', [F.iface]: e.iface, [F.mac]: e.mac }, 'interface usable again; re-announcing its IPs');
      return;
    case 'interface-changed':
      log.info(
        { [F.event]: 'interfaceChanged', [F.iface]: e.iface, [F.mac]: e.mac, previousMac: e.previousMac, ifindex: e.ifindex, previousIfindex: e.previousIfindex },
        'interface changed; reopening sockets and re-announcing its IPs',
      );
      return;
    case 'rescan-failed':
      log.error({ [F.event]: 'rescanFailed', [F.err]: e.error }, 'could not list interfaces');
      return;
  }
}
