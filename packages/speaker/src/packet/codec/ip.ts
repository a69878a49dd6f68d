// Family detection and canonical text for addresses handed in by callers, so that
// '2001:DB8::0001' and '2001:db8::1' are the same key everywhere. Delegates to
// @ironlb/core's parseAddress, the project's one IP parser; IPv4-mapped IPv6 is accepted
// as family 6 and written '::ffff:a.b.c.d' (RFC 5952 §5), as everywhere in the project.
import { parseAddress } from '@ironlb/core';

export type IpFamily = 4 | 6;

export interface CanonicalIp {
  readonly ip: string;
  readonly family: IpFamily;
}

/** Family and canonical text (dotted quad, RFC 5952 IPv6) of `text`; undefined when it is not one IP. */
export function canonicalIp(text: string): CanonicalIp | undefined {
  const r = parseAddress(text, { allowIpv4Mapped: true });
  return r.ok ? { ip: r.address.normalized, family: r.address.family } : undefined;
}
