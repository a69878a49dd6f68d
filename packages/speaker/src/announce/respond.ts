// Answers to ARP requests and neighbor solicitations for the addresses we own, and the
// RFC 4861 validity checks that decide whether an NDP frame counts at all.
import { buildArpReply } from '../packet/codec/arp-builders.js';
import type { ArpFrame } from '../packet/codec/arp.js';
import { ipv6MulticastMac, isIpv6MulticastAddress, solicitedNodeAddress, UNSPECIFIED_IPV6 } from '../packet/codec/ipv6.js';
import { BROADCAST_MAC, type MacAddress } from '../packet/codec/mac.js';
import { buildSolicitedNeighborAdvertisement, buildUnsolicitedNeighborAdvertisement, ND_HOP_LIMIT } from '../packet/codec/ndp-builders.js';
import type { NdpFrame } from '../packet/codec/ndp.js';
import type { DropReason, FramePurpose } from './types.js';

export interface Answer {
  readonly ip: string;
  readonly purpose: FramePurpose;
  readonly frame: Uint8Array;
  readonly from: MacAddress;
  readonly unicast: boolean;
}

/**
 * RFC 4861 §7.1.1 / §7.1.2 checks beyond what the decoder does. Hop limit 255 proves the
 * sender is on-link: a router would have decremented it.
 */
export function ndpInvalidReason(frame: NdpFrame): DropReason | undefined {
  if (frame.ip6.hopLimit !== ND_HOP_LIMIT) return 'bad-hop-limit';
  const m = frame.message;
  if (m.type === 'ns' && frame.ip6.src === UNSPECIFIED_IPV6) {
    // DAD: must go to the target's solicited-node group and carry no source link-layer option.
    if (m.sourceLinkLayer !== undefined || frame.ip6.dst !== solicitedNodeAddress(m.target)) return 'invalid-dad';
  }
  // Decided on the address bytes: the text 'ff::1' (00ff::1) is unicast.
  if (m.type === 'na' && m.solicited && isIpv6MulticastAddress(frame.ip6.dst)) return 'invalid-na';
  return undefined;
}

/**
 * Reply to an ARP request for an owned IP: `owns(ip)` says whether the IP is
 * announced on the interface the frame arrived on, whose MAC is `mac`.
 */
export function answerArp(frame: ArpFrame, mac: MacAddress, owns: (ip: string) => boolean): Answer | undefined {
  const { arp, eth } = frame;
  if (arp.op !== 1 || !owns(arp.targetIp)) return undefined;
  // Broadcast requests, and unicast ones sent to us: clients re-validate a cached entry
  // with unicast requests, and an owner that ignored them would see the entry go FAILED.
  if (eth.dst !== BROADCAST_MAC && eth.dst !== mac) return undefined;
  // A gratuitous request for our IP from another MAC is a claim, not a question.
  if (arp.senderIp === arp.targetIp) return undefined;
  return {
    ip: arp.targetIp,
    purpose: 'arp-reply',
    frame: buildArpReply({ mac, ip: arp.targetIp, requesterMac: arp.senderMac, requesterIp: arp.senderIp }),
    from: arp.senderMac,
    unicast: eth.dst !== BROADCAST_MAC,
  };
}

/** Reply to a valid NS (see ndpInvalidReason) for an owned target. */
export function answerNdp(frame: NdpFrame, mac: MacAddress, owns: (ip: string) => boolean): Answer | undefined {
  const m = frame.message;
  if (m.type !== 'ns' || !owns(m.target)) return undefined;
  const { eth, ip6 } = frame;
  const multicast = isIpv6MulticastAddress(ip6.dst);
  if (multicast) {
    // Multicast solicitations go to the target's solicited-node group (RFC 4861 §7.2.2).
    if (ip6.dst !== solicitedNodeAddress(m.target) || eth.dst !== ipv6MulticastMac(ip6.dst)) return undefined;
  } else if (eth.dst !== mac) {
    return undefined;
  }
  const from = m.sourceLinkLayer ?? eth.src;
  if (ip6.src === UNSPECIFIED_IPV6) {
    // Someone runs DAD for our address: §7.2.4 says answer to all-nodes with Solicited=0.
    return { ip: m.target, purpose: 'na-dad-reply', frame: buildUnsolicitedNeighborAdvertisement({ mac, ip: m.target }), from, unicast: !multicast };
  }
  return {
    ip: m.target,
    purpose: 'na-solicited',
    frame: buildSolicitedNeighborAdvertisement({ mac, ip: m.target, dstMac: from, dstIp: ip6.src }),
    from,
    unicast: !multicast,
  };
}
