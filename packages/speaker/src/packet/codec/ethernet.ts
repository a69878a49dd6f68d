// Ethernet II framing (IEEE 802.3 / RFC 894): dst(6) src(6) ethertype(2). VLAN tags are
// normally stripped before AF_PACKET sees a frame, so 802.1Q is not decoded here.
import { formatMac, macBytes, type MacAddress } from './mac.js';

export const EtherType = { Ipv4: 0x0800, Arp: 0x0806, Ipv6: 0x86dd } as const;

export const ETHERNET_HEADER_LENGTH = 14;
/** Minimum frame length without FCS; shorter frames are padded (IEEE 802.3 §3.2.8). */
export const ETHERNET_MIN_FRAME = 60;

export interface EthernetHeader {
  readonly dst: MacAddress;
  readonly src: MacAddress;
  readonly etherType: number;
}

/** The caller has checked that at least 14 bytes exist. */
export function readEthernetHeader(bytes: Uint8Array): EthernetHeader {
  return { dst: formatMac(bytes, 0), src: formatMac(bytes, 6), etherType: (bytes[12]! << 8) | bytes[13]! };
}

export function readEtherType(bytes: Uint8Array): number | undefined {
  return bytes.length < ETHERNET_HEADER_LENGTH ? undefined : (bytes[12]! << 8) | bytes[13]!;
}

/** Allocates a frame of max(14 + payloadLength, minLength) bytes with the header written. */
export function allocateFrame(header: EthernetHeader, payloadLength: number, minLength = 0): Uint8Array {
  const frame = new Uint8Array(Math.max(ETHERNET_HEADER_LENGTH + payloadLength, minLength));
  frame.set(macBytes(header.dst), 0);
  frame.set(macBytes(header.src), 6);
  frame[12] = header.etherType >> 8;
  frame[13] = header.etherType & 0xff;
  return frame;
}
