// IPv4 addresses as dotted quads. Strict: four decimal octets, no leading zeros (which
// some parsers read as octal), no prefix length.

export type Ipv4Address = string;

export const UNSPECIFIED_IPV4: Ipv4Address = '0.0.0.0';

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv4(text: string): boolean {
  return IPV4_RE.test(text);
}

export function parseIpv4(text: string): Uint8Array | undefined {
  if (!IPV4_RE.test(text)) return undefined;
  return Uint8Array.from(text.split('.'), Number);
}

export function formatIpv4(bytes: Uint8Array, offset = 0): Ipv4Address {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

export function ipv4Bytes(ip: Ipv4Address): Uint8Array {
  const bytes = parseIpv4(ip);
  if (!bytes) throw new TypeError(`not an IPv4 address: ${JSON.stringify(ip)}`);
  return bytes;
}
