// IPv6 addresses. Parsing is @ironlb/core's parseAddress (the project's one IP parser:
// every RFC 4291 notation, embedded IPv4 included), with IPv4-mapped addresses allowed:
// on the wire ::ffff:a.b.c.d is just another IPv6 address. Formatting decoded bytes uses
// core's formatIpv6Groups, so codec and core print every address alike (RFC 5952, with the
// §5 mixed notation for ::ffff:0:0/96).
import { formatIpv6Groups, parseAddress } from '@ironlb/core';

export type Ipv6Address = string;

export const UNSPECIFIED_IPV6: Ipv6Address = '::';
/** All-nodes link-local multicast group, the destination of unsolicited NAs (RFC 4861 §7.2.6). */
export const ALL_NODES_IPV6: Ipv6Address = 'ff02::1';

const LOW64 = (1n << 64n) - 1n;

// The responder builds frames for the same few addresses over and over (and checks every
// received NS's destination): remember recent results (bounded, cleared when full).
const PARSE_CACHE_LIMIT = 4096;
const parseCache = new Map<string, Uint8Array>();

/** Parses any RFC 4291 text form (no prefix length, no zone); undefined when invalid. */
export function parseIpv6(text: string): Uint8Array | undefined {
  const hit = parseCache.get(text);
  if (hit) return hit.slice();
  const r = parseAddress(text, { allowIpv4Mapped: true });
  if (!r.ok || r.address.family !== 6) return undefined;
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, r.address.value >> 64n);
  view.setBigUint64(8, r.address.value & LOW64);
  if (parseCache.size >= PARSE_CACHE_LIMIT) parseCache.clear();
  parseCache.set(text, out);
  return out.slice();
}

export function isIpv6(text: string): boolean {
  return parseIpv6(text) !== undefined;
}

export function ipv6Bytes(ip: Ipv6Address): Uint8Array {
  const bytes = parseIpv6(ip);
  if (!bytes) throw new TypeError(`not an IPv6 address: ${JSON.stringify(ip)}`);
  return bytes;
}

/** RFC 5952 canonical text of the 16 bytes at `offset`. */
export function formatIpv6(bytes: Uint8Array, offset = 0): Ipv6Address {
  const groups = new Array<number>(8);
  for (let i = 0; i < 8; i++) groups[i] = (bytes[offset + 2 * i]! << 8) | bytes[offset + 2 * i + 1]!;
  return formatIpv6Groups(groups);
}

/** Canonical text of any valid IPv6 text, or undefined. */
export function normalizeIpv6(text: string): Ipv6Address | undefined {
  const r = parseAddress(text, { allowIpv4Mapped: true });
  return r.ok && r.address.family === 6 ? r.address.normalized : undefined;
}

/** Whether the 16 bytes at `offset` are a multicast address: first byte 0xff (RFC 4291 §2.7). */
export function isIpv6Multicast(bytes: Uint8Array, offset = 0): boolean {
  return bytes[offset] === 0xff;
}

/**
 * The same test on text, decided on the bytes: a prefix test on the text is wrong both
 * ways ('ff::1' is 00ff::1, unicast; 'FF02::1' is multicast). False for invalid text.
 */
export function isIpv6MulticastAddress(ip: Ipv6Address): boolean {
  const bytes = parseIpv6(ip);
  return bytes !== undefined && isIpv6Multicast(bytes);
}

/** ff02::1:ffXX:XXXX — the group a node joins for each of its addresses (RFC 4291 §2.7.1). */
export function solicitedNodeAddress(ip: Ipv6Address): Ipv6Address {
  const b = ipv6Bytes(ip);
  const g = new Uint8Array(16);
  g.set([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff]);
  g[13] = b[13]!;
  g[14] = b[14]!;
  g[15] = b[15]!;
  return formatIpv6(g);
}

/** 33:33 followed by the group's low 32 bits (RFC 2464 §7). */
export function ipv6MulticastMac(group: Ipv6Address): string {
  const b = ipv6Bytes(group);
  const hex = (n: number): string => n.toString(16).padStart(2, '0');
  return `33:33:${hex(b[12]!)}:${hex(b[13]!)}:${hex(b[14]!)}:${hex(b[15]!)}`;
}

/** 33:33:ff:XX:XX:XX — the Ethernet group to join so multicast solicitations reach us. */
export function solicitedNodeMac(ip: Ipv6Address): string {
  return ipv6MulticastMac(solicitedNodeAddress(ip));
}
