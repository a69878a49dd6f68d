// The frames an owned (or probed) address needs, as send actions. One place decides what
// an "announcement round" is for each family.
import { buildArpProbe, buildGratuitousArpReply, buildGratuitousArpRequest } from '../packet/codec/arp-builders.js';
import type { IpFamily } from '../packet/codec/ip.js';
import type { MacAddress } from '../packet/codec/mac.js';
import { buildDadNeighborSolicitation, buildUnsolicitedNeighborAdvertisement } from '../packet/codec/ndp-builders.js';
import type { AnnounceTrigger, SendAction } from './types.js';

export interface AddressOnLink {
  readonly family: IpFamily;
  readonly ip: string;
  readonly iface: string;
}

/**
 * One announcement round: IPv4 sends the gratuitous request form and the reply form
 * (Linux honours either; other stacks may learn from only one), IPv6 one unsolicited NA
 * with Override to all-nodes.
 */
export function announcementRound(at: AddressOnLink, mac: MacAddress, trigger: AnnounceTrigger): SendAction[] {
  const base = { kind: 'send', iface: at.iface, family: at.family, ip: at.ip, trigger } as const;
  if (at.family === 4) {
    return [
      { ...base, purpose: 'garp-request', frame: buildGratuitousArpRequest({ mac, ip: at.ip }) },
      { ...base, purpose: 'garp-reply', frame: buildGratuitousArpReply({ mac, ip: at.ip }) },
    ];
  }
  return [{ ...base, purpose: 'na-unsolicited', frame: buildUnsolicitedNeighborAdvertisement({ mac, ip: at.ip }) }];
}

/** One probe: an RFC 5227 ARP probe, or an RFC 4862 DAD solicitation. */
export function probe(at: AddressOnLink, mac: MacAddress): SendAction {
  const base = { kind: 'send', iface: at.iface, family: at.family, ip: at.ip } as const;
  return at.family === 4
    ? { ...base, purpose: 'arp-probe', frame: buildArpProbe({ mac, ip: at.ip }) }
    : { ...base, purpose: 'ns-dad-probe', frame: buildDadNeighborSolicitation({ mac, ip: at.ip }) };
}
