// Family detection and canonical text for addresses handed in by callers, so that
// '2001:DB8::0001' and '2001:db8::1' are the same key everywhere.
import { isIpv4 } from './ipv4.js';
import { normalizeIpv6 } from './ipv6.js';

export type IpFamily = 4 | 6;

export interface CanonicalIp {
  readonly ip: string;
  readonly family: IpFamily;
}

export function canonicalIp(text: string): CanonicalIp | undefined {
  if (isIpv4(text)) return { ip: text, family: 4 };
  const v6 = normalizeIpv6(text);
  return v6 === undefined ? undefined : { ip: v6, family: 6 };
}
