// ARP for IPv4 over Ethernet (RFC 826). After the 14-byte Ethernet header:
//   htype(2)=1  ptype(2)=0x0800  hlen(1)=6  plen(1)=4  op(2)
//   sha(6) spa(4) tha(6) tpa(4)                                  = 28 bytes
import { fail, type DecodeResult } from './decode-result.js';
import { allocateFrame, ETHERNET_HEADER_LENGTH, ETHERNET_MIN_FRAME, EtherType, readEthernetHeader, type EthernetHeader } from './ethernet.js';
import { formatIpv4, ipv4Bytes, type Ipv4Address } from './ipv4.js';
import { formatMac, macBytes, type MacAddress } from './mac.js';

export const ArpOp = { Request: 1, Reply: 2 } as const;
export type ArpOpcode = (typeof ArpOp)[keyof typeof ArpOp];

export const ARP_PACKET_LENGTH = 28;

export interface ArpPacket {
  readonly op: ArpOpcode;
  readonly senderMac: MacAddress;
  readonly senderIp: Ipv4Address;
  readonly targetMac: MacAddress;
  readonly targetIp: Ipv4Address;
}

export interface ArpFrame {
  readonly kind: 'arp';
  readonly eth: EthernetHeader;
  readonly arp: ArpPacket;
}

export function decodeArpFrame(bytes: Uint8Array): DecodeResult<ArpFrame> {
  if (bytes.length < ETHERNET_HEADER_LENGTH) return fail('truncated');
  if (((bytes[12]! << 8) | bytes[13]!) !== EtherType.Arp) return fail('not-arp');
  // Check the fixed part first so a short frame with a wrong hlen says 'bad-hlen', which
  // is the more useful diagnosis.
  const a = ETHERNET_HEADER_LENGTH;
  if (bytes.length < a + 8) return fail('truncated');
  if (((bytes[a]! << 8) | bytes[a + 1]!) !== 1) return fail('bad-htype');
  if (((bytes[a + 2]! << 8) | bytes[a + 3]!) !== EtherType.Ipv4) return fail('bad-ptype');
  if (bytes[a + 4] !== 6) return fail('bad-hlen');
  if (bytes[a + 5] !== 4) return fail('bad-plen');
  const op = (bytes[a + 6]! << 8) | bytes[a + 7]!;
  if (op !== ArpOp.Request && op !== ArpOp.Reply) return fail('bad-op');
  if (bytes.length < a + ARP_PACKET_LENGTH) return fail('truncated');
  return {
    ok: true,
    frame: {
      kind: 'arp',
      eth: readEthernetHeader(bytes),
      arp: {
        op: op as ArpOpcode,
        senderMac: formatMac(bytes, a + 8),
        senderIp: formatIpv4(bytes, a + 14),
        targetMac: formatMac(bytes, a + 18),
        targetIp: formatIpv4(bytes, a + 24),
      },
    },
  };
}

/** Encodes and pads to the 60-byte Ethernet minimum, as NICs expect. */
export function encodeArpFrame(frame: Omit<ArpFrame, 'kind'>): Uint8Array {
  const out = allocateFrame({ ...frame.eth, etherType: EtherType.Arp }, ARP_PACKET_LENGTH, ETHERNET_MIN_FRAME);
  const a = ETHERNET_HEADER_LENGTH;
  out.set([0, 1, 0x08, 0x00, 6, 4, 0, frame.arp.op], a);
  out.set(macBytes(frame.arp.senderMac), a + 8);
  out.set(ipv4Bytes(frame.arp.senderIp), a + 14);
  out.set(macBytes(frame.arp.targetMac), a + 18);
  out.set(ipv4Bytes(frame.arp.targetIp), a + 24);
  return out;
}
