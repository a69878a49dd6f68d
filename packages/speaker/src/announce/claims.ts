// Who says they own which address, read off a received frame. Conflict detection compares
// these claims with our own entries (RFC 5227 §2.1.1 and §2.4; RFC 4862 §5.4.3–5.4.4).
import type { DecodedFrame } from '../packet/codec/frame.js';
import { UNSPECIFIED_IPV4 } from '../packet/codec/ipv4.js';
import { UNSPECIFIED_IPV6 } from '../packet/codec/ipv6.js';
import type { MacAddress } from '../packet/codec/mac.js';
import type { ConflictVia } from './types.js';

export interface AddressClaim {
  readonly ip: string;
  /** The claimant's hardware address, as the frame states it. */
  readonly mac: MacAddress;
  readonly via: ConflictVia;
  /**
   * A probe only asks whether the address is free (ARP probe, DAD NS). It conflicts with
   * our own probing, but an owner simply answers it.
   */
  readonly probe: boolean;
}

export function claimsOf(frame: DecodedFrame): AddressClaim | undefined {
  if (frame.kind === 'arp') {
    const { arp } = frame;
    // RFC 5227 §2.4: any ARP packet whose sender IP is ours, from another MAC, is a conflict.
    if (arp.senderIp !== UNSPECIFIED_IPV4) {
      return { ip: arp.senderIp, mac: arp.senderMac, via: arp.op === 1 ? 'arp-request' : 'arp-reply', probe: false };
    }
    // §2.1.1: a probe (sender IP 0.0.0.0) for the address another host is probing.
    return arp.op === 1 ? { ip: arp.targetIp, mac: arp.senderMac, via: 'arp-probe', probe: true } : undefined;
  }
  const m = frame.message;
  if (m.type === 'na') {
    // An advertisement states its target's link-layer address; without the option, the
    // Ethernet source is the best evidence of who sent it.
    return { ip: m.target, mac: m.targetLinkLayer ?? frame.eth.src, via: 'na', probe: false };
  }
  if (frame.ip6.src === UNSPECIFIED_IPV6) {
    return { ip: m.target, mac: frame.eth.src, via: 'dad-ns', probe: true };
  }
  // A solicitation sent FROM an address uses it as its own.
  return { ip: frame.ip6.src, mac: m.sourceLinkLayer ?? frame.eth.src, via: 'ns', probe: false };
}
