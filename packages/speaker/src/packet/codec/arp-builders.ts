// The ARP frames the speaker sends (packet-layer.md, "Frames"). All are padded to 60 bytes.
import { ArpOp, encodeArpFrame } from './arp.js';
import { EtherType } from './ethernet.js';
import { UNSPECIFIED_IPV4, type Ipv4Address } from './ipv4.js';
import { BROADCAST_MAC, ZERO_MAC, type MacAddress } from './mac.js';

export interface OwnAddress {
  /** MAC of the interface we announce on. */
  readonly mac: MacAddress;
  /** The service IP. */
  readonly ip: Ipv4Address;
}

/**
 * Gratuitous ARP, request form: broadcast, sender = target = (VIP). Linux treats a request
 * whose sender IP equals its target IP as gratuitous and updates an existing entry even
 * inside its 1 s locktime. Target MAC zero, as RFC 5227 §2.3 announcements use.
 */
export function buildGratuitousArpRequest({ mac, ip }: OwnAddress): Uint8Array {
  return encodeArpFrame({
    eth: { dst: BROADCAST_MAC, src: mac, etherType: EtherType.Arp },
    arp: { op: ArpOp.Request, senderMac: mac, senderIp: ip, targetMac: ZERO_MAC, targetIp: ip },
  });
}

/**
 * Gratuitous ARP, reply form: broadcast op=2 with target MAC = sender MAC (RFC 5944 §4.6),
 * for hosts that only learn from replies.
 */
export function buildGratuitousArpReply({ mac, ip }: OwnAddress): Uint8Array {
  return encodeArpFrame({
    eth: { dst: BROADCAST_MAC, src: mac, etherType: EtherType.Arp },
    arp: { op: ArpOp.Reply, senderMac: mac, senderIp: ip, targetMac: mac, targetIp: ip },
  });
}

export interface ArpReplyInput extends OwnAddress {
  readonly requesterMac: MacAddress;
  readonly requesterIp: Ipv4Address;
}

/** Answer to a request: unicast back to the requester (RFC 826 "swap" step). */
export function buildArpReply({ mac, ip, requesterMac, requesterIp }: ArpReplyInput): Uint8Array {
  return encodeArpFrame({
    eth: { dst: requesterMac, src: mac, etherType: EtherType.Arp },
    arp: { op: ArpOp.Reply, senderMac: mac, senderIp: ip, targetMac: requesterMac, targetIp: requesterIp },
  });
}

/** RFC 5227 §2.1.1 probe: broadcast request, sender IP 0.0.0.0, target MAC zero. */
export function buildArpProbe({ mac, ip }: OwnAddress): Uint8Array {
  return encodeArpFrame({
    eth: { dst: BROADCAST_MAC, src: mac, etherType: EtherType.Arp },
    arp: { op: ArpOp.Request, senderMac: mac, senderIp: UNSPECIFIED_IPV4, targetMac: ZERO_MAC, targetIp: ip },
  });
}

export interface ArpRequestInput {
  readonly mac: MacAddress;
  readonly senderIp: Ipv4Address;
  readonly targetIp: Ipv4Address;
  /** Unicast the request to this MAC (a client's NUD probe); broadcast when omitted. */
  readonly unicastTo?: MacAddress;
}

/** An ordinary who-has request, as a client sends it (tests and netlab clients). */
export function buildArpRequest({ mac, senderIp, targetIp, unicastTo }: ArpRequestInput): Uint8Array {
  return encodeArpFrame({
    eth: { dst: unicastTo ?? BROADCAST_MAC, src: mac, etherType: EtherType.Arp },
    arp: { op: ArpOp.Request, senderMac: mac, senderIp, targetMac: unicastTo ?? ZERO_MAC, targetIp },
  });
}
