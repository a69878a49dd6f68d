// IPv4 addresses as dotted quads. Parsing is @ironlb/core's parseAddress (the project's one
// IP parser): four decimal octets, no leading zeros (which some parsers read as octal), no
// prefix length; surrounding whitespace is ignored.
import { parseAddress } from '@ironlb/core';

export type Ipv4Address = string;

export const UNSPECIFIED_IPV4: Ipv4Address = '0.0.0.0';

export function isIpv4(text: string): boolean {
  const r = parseAddress(text);
  return r.ok && r.address.family === 4;
}

/** The 4 bytes of a dotted quad; undefined for anything else (IPv6 included). */
export function parseIpv4(text: string): Uint8Array | undefined {
  const r = parseAddress(text);
  if (!r.ok || r.address.family !== 4) return undefined;
  const n = Number(r.address.value);
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

export function formatIpv4(bytes: Uint8Array, offset = 0): Ipv4Address {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

export function ipv4Bytes(ip: Ipv4Address): Uint8Array {
  const bytes = parseIpv4(ip);
  if (!bytes) throw new TypeError(`not an IPv4 address: ${JSON.stringify(ip)}`);
  return bytes;
}
