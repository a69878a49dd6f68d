// Decoders never throw on what the wire hands them: garbage is an expected condition,
// so it comes back as a typed reason that the responder counts and logs at debug level.

export const DECODE_FAILURES = [
  'truncated', // shorter than its headers or its declared length
  'unsupported-ethertype', // neither ARP nor IPv6 (decodeFrame only)
  'not-arp', // ethertype is not 0x0806
  'bad-htype', // ARP hardware type is not Ethernet (1)
  'bad-ptype', // ARP protocol type is not IPv4 (0x0800)
  'bad-hlen', // ARP hardware address length is not 6
  'bad-plen', // ARP protocol address length is not 4
  'bad-op', // ARP opcode is neither request (1) nor reply (2)
  'not-ipv6', // ethertype is not 0x86dd
  'bad-version', // IP version nibble is not 6
  'not-icmpv6', // next header is not 58 (extension headers are not followed)
  'not-ndp', // ICMPv6 type is neither NS (135) nor NA (136)
  'bad-code', // ICMPv6 code is not 0 (RFC 4861 §7.1)
  'bad-checksum', // ICMPv6 checksum over the pseudo-header does not verify (RFC 4443 §2.3)
  'bad-option', // an NDP option has length 0, overruns the message, or a malformed link-layer address
  'bad-target', // NS/NA target is a multicast address (RFC 4861 §7.1)
] as const;

export type DecodeFailure = (typeof DECODE_FAILURES)[number];

export type DecodeResult<T> = { readonly ok: true; readonly frame: T } | { readonly ok: false; readonly reason: DecodeFailure };

export function fail(reason: DecodeFailure): { readonly ok: false; readonly reason: DecodeFailure } {
  return { ok: false, reason };
}
