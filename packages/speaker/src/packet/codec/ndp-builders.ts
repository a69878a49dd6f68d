// The NDP frames the speaker sends (packet-layer.md, "Frames"; RFC 4861). Hop limit is
// always 255: receivers drop ND messages with any other value, which proves the sender is
// on-link (RFC 4861 §7.1).
import { encodeNdpFrame } from './ndp.js';
import { ALL_NODES_IPV6, ipv6MulticastMac, solicitedNodeAddress, solicitedNodeMac, UNSPECIFIED_IPV6, type Ipv6Address } from './ipv6.js';
import type { MacAddress } from './mac.js';

export const ND_HOP_LIMIT = 255;
export const ALL_NODES_MAC: MacAddress = '33:33:00:00:00:01';

export interface OwnAddress6 {
  readonly mac: MacAddress;
  readonly ip: Ipv6Address;
}

export interface UnsolicitedNaInput extends OwnAddress6 {
  /** IPv6 source; defaults to the service IP itself, an address we answer for on this link. */
  readonly src?: Ipv6Address;
}

/**
 * Unsolicited NA (RFC 4861 §7.2.6): to all-nodes, Solicited=0, Override=1 so caches with
 * an old MAC are replaced, Router=0, with the target link-layer option. Also the answer to
 * a DAD solicitation (source ::), which §7.2.4 says must go to all-nodes with S=0.
 */
export function buildUnsolicitedNeighborAdvertisement({ mac, ip, src }: UnsolicitedNaInput): Uint8Array {
  return encodeNdpFrame({
    eth: { dst: ALL_NODES_MAC, src: mac },
    ip6: { src: src ?? ip, dst: ALL_NODES_IPV6, hopLimit: ND_HOP_LIMIT },
    message: { type: 'na', router: false, solicited: false, override: true, target: ip, targetLinkLayer: mac },
  });
}

export interface SolicitedNaInput extends OwnAddress6 {
  /** Where the solicitation came from: its source link-layer option, else its Ethernet source. */
  readonly dstMac: MacAddress;
  /** The solicitation's IPv6 source. */
  readonly dstIp: Ipv6Address;
}

/** Answer to an NS (RFC 4861 §7.2.4): unicast, Solicited=1, Override=1, target link-layer option. */
export function buildSolicitedNeighborAdvertisement({ mac, ip, dstMac, dstIp }: SolicitedNaInput): Uint8Array {
  return encodeNdpFrame({
    eth: { dst: dstMac, src: mac },
    ip6: { src: ip, dst: dstIp, hopLimit: ND_HOP_LIMIT },
    message: { type: 'na', router: false, solicited: true, override: true, target: ip, targetLinkLayer: mac },
  });
}

/**
 * Duplicate address detection probe (RFC 4862 §5.4.2): source ::, to the target's
 * solicited-node group, and no source link-layer option (forbidden with source ::).
 */
export function buildDadNeighborSolicitation({ mac, ip }: OwnAddress6): Uint8Array {
  return encodeNdpFrame({
    eth: { dst: solicitedNodeMac(ip), src: mac },
    ip6: { src: UNSPECIFIED_IPV6, dst: solicitedNodeAddress(ip), hopLimit: ND_HOP_LIMIT },
    message: { type: 'ns', target: ip },
  });
}

export interface NeighborSolicitationInput {
  readonly mac: MacAddress;
  readonly src: Ipv6Address;
  readonly target: Ipv6Address;
  /** Unicast NUD probe to this MAC (IPv6 destination = target); multicast when omitted. */
  readonly unicastTo?: MacAddress;
  readonly hopLimit?: number;
}

/** An ordinary solicitation as a client sends it (tests and netlab clients). */
export function buildNeighborSolicitation({ mac, src, target, unicastTo, hopLimit }: NeighborSolicitationInput): Uint8Array {
  const group = solicitedNodeAddress(target);
  return encodeNdpFrame({
    eth: { dst: unicastTo ?? ipv6MulticastMac(group), src: mac },
    ip6: { src, dst: unicastTo === undefined ? group : target, hopLimit: hopLimit ?? ND_HOP_LIMIT },
    message: { type: 'ns', target, sourceLinkLayer: mac },
  });
}
