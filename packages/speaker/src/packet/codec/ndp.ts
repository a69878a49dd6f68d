// IPv6 (RFC 8200) carrying ICMPv6 Neighbor Solicitation / Advertisement (RFC 4861 §4.3,
// §4.4) over Ethernet. Offsets after the 14-byte Ethernet header:
//   IPv6  0: version(4) traffic class(8) flow label(20)   4: payload length(2)
//         6: next header(1) = 58   7: hop limit(1)   8: source(16)   24: destination(16)
//   ICMPv6 40: type(1) code(1) checksum(2)
//         NS: reserved(4)                      target(16)  options…
//         NA: R(1 bit) S(1) O(1) reserved(29)  target(16)  options…
//   option: type(1) length(1, in units of 8 bytes) value; link-layer address options
//   (1 = source, 2 = target) are 8 bytes on Ethernet: type, 1, MAC(6).
import { fail, type DecodeResult } from './decode-result.js';
import { allocateFrame, ETHERNET_HEADER_LENGTH, EtherType, readEthernetHeader, type EthernetHeader } from './ethernet.js';
import { computeIcmpv6Checksum, ICMPV6_NEXT_HEADER, verifyIcmpv6Checksum } from './icmpv6-checksum.js';
import { formatIpv6, ipv6Bytes, type Ipv6Address } from './ipv6.js';
import { formatMac, macBytes, type MacAddress } from './mac.js';

export const IcmpV6Type = { NeighborSolicitation: 135, NeighborAdvertisement: 136 } as const;
export const NdpOption = { SourceLinkLayer: 1, TargetLinkLayer: 2 } as const;

const IP = ETHERNET_HEADER_LENGTH; // start of the IPv6 header
const ICMP = IP + 40; // start of the ICMPv6 message
const NDP_MIN = 24; // type, code, checksum, flags/reserved, target (RFC 4861 §7.1.1)

export interface Ipv6Header {
  readonly src: Ipv6Address;
  readonly dst: Ipv6Address;
  readonly hopLimit: number;
  readonly trafficClass: number;
  readonly flowLabel: number;
}

export interface NeighborSolicitation {
  readonly type: 'ns';
  readonly target: Ipv6Address;
  readonly sourceLinkLayer?: MacAddress;
}

export interface NeighborAdvertisement {
  readonly type: 'na';
  readonly router: boolean;
  readonly solicited: boolean;
  readonly override: boolean;
  readonly target: Ipv6Address;
  readonly targetLinkLayer?: MacAddress;
}

export type NdpMessage = NeighborSolicitation | NeighborAdvertisement;

export interface NdpFrame {
  readonly kind: 'ndp';
  readonly eth: EthernetHeader;
  readonly ip6: Ipv6Header;
  readonly message: NdpMessage;
}

/** What encodeNdpFrame needs: traffic class and flow label default to 0. */
export interface NdpFrameInput {
  readonly eth: Omit<EthernetHeader, 'etherType'>;
  readonly ip6: Omit<Ipv6Header, 'trafficClass' | 'flowLabel'> & Partial<Pick<Ipv6Header, 'trafficClass' | 'flowLabel'>>;
  readonly message: NdpMessage;
}

export function decodeNdpFrame(bytes: Uint8Array): DecodeResult<NdpFrame> {
  if (bytes.length < ETHERNET_HEADER_LENGTH) return fail('truncated');
  if (((bytes[12]! << 8) | bytes[13]!) !== EtherType.Ipv6) return fail('not-ipv6');
  if (bytes.length < ICMP) return fail('truncated');
  if (bytes[IP]! >> 4 !== 6) return fail('bad-version');
  if (bytes[IP + 6] !== ICMPV6_NEXT_HEADER) return fail('not-icmpv6');
  const payloadLength = (bytes[IP + 4]! << 8) | bytes[IP + 5]!;
  // Trailing bytes beyond the payload length are Ethernet padding and are ignored.
  if (payloadLength < 4 || bytes.length < ICMP + payloadLength) return fail('truncated');
  const type = bytes[ICMP]!;
  if (type !== IcmpV6Type.NeighborSolicitation && type !== IcmpV6Type.NeighborAdvertisement) return fail('not-ndp');
  if (bytes[ICMP + 1] !== 0) return fail('bad-code');
  if (payloadLength < NDP_MIN) return fail('truncated');
  if (!verifyIcmpv6Checksum(bytes, IP, payloadLength)) return fail('bad-checksum');
  if (bytes[ICMP + 8] === 0xff) return fail('bad-target');

  let sourceLinkLayer: MacAddress | undefined;
  let targetLinkLayer: MacAddress | undefined;
  const end = ICMP + payloadLength;
  for (let o = ICMP + NDP_MIN; o < end; ) {
    if (o + 2 > end) return fail('bad-option');
    const optType = bytes[o]!;
    const optLen = bytes[o + 1]! * 8;
    if (optLen === 0 || o + optLen > end) return fail('bad-option');
    if (optType === NdpOption.SourceLinkLayer || optType === NdpOption.TargetLinkLayer) {
      if (optLen !== 8) return fail('bad-option');
      const mac = formatMac(bytes, o + 2);
      // The first occurrence wins; unknown options are skipped (RFC 4861 §4.6).
      if (optType === NdpOption.SourceLinkLayer) sourceLinkLayer ??= mac;
      else targetLinkLayer ??= mac;
    }
    o += optLen;
  }

  const target = formatIpv6(bytes, ICMP + 8);
  let message: NdpMessage;
  if (type === IcmpV6Type.NeighborSolicitation) {
    message = sourceLinkLayer === undefined ? { type: 'ns', target } : { type: 'ns', target, sourceLinkLayer };
  } else {
    const flags = bytes[ICMP + 4]!;
    const na = { type: 'na', router: (flags & 0x80) !== 0, solicited: (flags & 0x40) !== 0, override: (flags & 0x20) !== 0, target } as const;
    message = targetLinkLayer === undefined ? na : { ...na, targetLinkLayer };
  }
  return {
    ok: true,
    frame: {
      kind: 'ndp',
      eth: readEthernetHeader(bytes),
      ip6: {
        src: formatIpv6(bytes, IP + 8),
        dst: formatIpv6(bytes, IP + 24),
        hopLimit: bytes[IP + 7]!,
        trafficClass: ((bytes[IP]! & 0x0f) << 4) | (bytes[IP + 1]! >> 4),
        flowLabel: ((bytes[IP + 1]! & 0x0f) << 16) | (bytes[IP + 2]! << 8) | bytes[IP + 3]!,
      },
      message,
    },
  };
}

/** Encodes the frame, filling payload length, next header and the ICMPv6 checksum. */
export function encodeNdpFrame(frame: NdpFrameInput): Uint8Array {
  const m = frame.message;
  const linkLayer = m.type === 'ns' ? m.sourceLinkLayer : m.targetLinkLayer;
  const payloadLength = NDP_MIN + (linkLayer === undefined ? 0 : 8);
  const out = allocateFrame({ ...frame.eth, etherType: EtherType.Ipv6 }, 40 + payloadLength);
  const tc = frame.ip6.trafficClass ?? 0;
  const flow = frame.ip6.flowLabel ?? 0;
  out[IP] = 0x60 | (tc >> 4);
  out[IP + 1] = ((tc & 0x0f) << 4) | ((flow >> 16) & 0x0f);
  out[IP + 2] = (flow >> 8) & 0xff;
  out[IP + 3] = flow & 0xff;
  out[IP + 4] = payloadLength >> 8;
  out[IP + 5] = payloadLength & 0xff;
  out[IP + 6] = ICMPV6_NEXT_HEADER;
  out[IP + 7] = frame.ip6.hopLimit;
  out.set(ipv6Bytes(frame.ip6.src), IP + 8);
  out.set(ipv6Bytes(frame.ip6.dst), IP + 24);
  if (m.type === 'ns') {
    out[ICMP] = IcmpV6Type.NeighborSolicitation;
  } else {
    out[ICMP] = IcmpV6Type.NeighborAdvertisement;
    out[ICMP + 4] = (m.router ? 0x80 : 0) | (m.solicited ? 0x40 : 0) | (m.override ? 0x20 : 0);
  }
  out.set(ipv6Bytes(m.target), ICMP + 8);
  if (linkLayer !== undefined) {
    const o = ICMP + NDP_MIN;
    out[o] = m.type === 'ns' ? NdpOption.SourceLinkLayer : NdpOption.TargetLinkLayer;
    out[o + 1] = 1;
    out.set(macBytes(linkLayer), o + 2);
  }
  const checksum = computeIcmpv6Checksum(out, IP, payloadLength);
  out[ICMP + 2] = checksum >> 8;
  out[ICMP + 3] = checksum & 0xff;
  return out;
}
