// Single IP addresses as (family, bigint) pairs. Parsing is strict and never throws:
// bad input comes back as a value naming what is wrong, because it usually comes
// from a user's manifest or annotation. Formatting is hand-written (RFC 5952 for IPv6)
// because the allocator formats on its hot path and ip-address takes ~7 µs per IPv6.
import { Address4, Address6 } from 'ip-address';
import { ErrorCodes, type ErrorCode } from './errors.js';
import type { ProblemReason } from './problems.js';

export type AddressFamily = 4 | 6;
/** Kubernetes' spelling of a family (Service spec.ipFamilies). */
export type IPFamilyName = 'IPv4' | 'IPv6';

export const FamilyBits: Readonly<Record<AddressFamily, number>> = { 4: 32, 6: 128 };

export function familyName(family: AddressFamily): IPFamilyName {
  return family === 4 ? 'IPv4' : 'IPv6';
}

export function familyFromName(name: string): AddressFamily | undefined {
  return name === 'IPv4' ? 4 : name === 'IPv6' ? 6 : undefined;
}

/** The highest address of a family: 2^32-1 or 2^128-1. */
export function maxAddressValue(family: AddressFamily): bigint {
  return (1n << BigInt(FamilyBits[family])) - 1n;
}

export interface ParsedAddress {
  family: AddressFamily;
  value: bigint;
  /** Canonical text: dotted quad, or RFC 5952 lower-case compressed IPv6. */
  normalized: string;
}

export interface ParseFailure {
  ok: false;
  code: ErrorCode;
  reason: ProblemReason;
  message: string;
}

export type AddressParseResult = { ok: true; address: ParsedAddress } | ParseFailure;

export function parseFailure(reason: ProblemReason, message: string): ParseFailure {
  return { ok: false, code: ErrorCodes.InvalidAddress, reason, message };
}

const V4_CHARS = /^[0-9.]+$/;
const V6_CHARS = /^[0-9A-Fa-f:.]+$/;

/**
 * Strict dotted quad (four decimal octets, no leading zeros), without allocation; the
 * same language ip-address accepts. undefined means "let ip-address decide".
 */
function parseV4Fast(t: string): bigint | undefined {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 46) {
      if (digits === 0) return undefined;
      value = value * 256 + octet;
      dots++;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return undefined;
      octet = octet * 10 + (c - 48);
      digits++;
      if (octet > 255) return undefined;
    } else return undefined;
  }
  if (digits === 0 || dots !== 3) return undefined;
  return BigInt(value * 256 + octet);
}

/** Parses hex groups split by ":" into `out` from `at`; false on any irregularity. */
function readGroups(part: string, out: number[]): boolean {
  if (part.length === 0) return true;
  let group = 0;
  let digits = 0;
  for (let i = 0; i <= part.length; i++) {
    const c = i < part.length ? part.charCodeAt(i) : 58;
    if (c === 58) {
      if (digits === 0) return false;
      out.push(group);
      group = 0;
      digits = 0;
      continue;
    }
    const v = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (v < 0 || ++digits > 4) return false;
    group = group * 16 + v;
  }
  return true;
}

/**
 * Pure-hex IPv6 (no embedded dotted quad) in one pass; this is the form the controller
 * writes into status, so restores after a restart stay fast. undefined: use ip-address.
 */
function parseV6Fast(t: string): bigint | undefined {
  const gap = t.indexOf('::');
  const head: number[] = [];
  const tail: number[] = [];
  if (gap < 0) {
    if (!readGroups(t, head) || head.length !== 8) return undefined;
  } else {
    if (t.indexOf('::', gap + 1) >= 0) return undefined;
    if (!readGroups(t.slice(0, gap), head) || !readGroups(t.slice(gap + 2), tail) || head.length + tail.length > 7) return undefined;
    while (head.length + tail.length < 8) head.push(0);
    head.push(...tail);
  }
  const g = head as [number, number, number, number, number, number, number, number];
  // Two 64-bit halves from exact doubles (each < 2^53 after combining 32-bit words).
  const hi = (BigInt(g[0] * 65536 + g[1]) << 32n) | BigInt(g[2] * 65536 + g[3]);
  const lo = (BigInt(g[4] * 65536 + g[5]) << 32n) | BigInt(g[6] * 65536 + g[7]);
  return (hi << 64n) | lo;
}

export interface ParseAddressOptions {
  /**
   * IPv4-mapped IPv6 (::ffff:0:0/96, RFC 4291 §2.5.5.2) is an IPv6 address: family 6, text
   * '::ffff:a.b.c.d' (RFC 5952 §5). As a LoadBalancer address it is refused by default (see
   * parseAddress); the packet codecs accept it, because on the wire it is just 16 bytes.
   */
  readonly allowIpv4Mapped?: boolean;
}

/**
 * Parses one IP address (no prefix); the project's one IP parser (the speaker's packet
 * codecs delegate here). Rejects zones (fe80::1%eth0: a LoadBalancer IP is never
 * link-scoped) and, unless `allowIpv4Mapped`, IPv4-mapped IPv6 (::ffff:a.b.c.d: Go's
 * net.ParseIP treats it as IPv4, so MetalLB and we would disagree about its family; write
 * the IPv4 form). Surrounding whitespace is ignored. Common forms take a fast path;
 * anything else is decided by ip-address.
 */
export function parseAddress(input: string, options: ParseAddressOptions = {}): AddressParseResult {
  const text = input.trim();
  const mappedOk = options.allowIpv4Mapped === true;
  if (text.includes(':')) {
    const fast = text.includes('.') || text.includes('%') || text.includes('/') ? undefined : parseV6Fast(text);
    if (fast !== undefined && (mappedOk || !isIpv4MappedValue(fast))) return { ok: true, address: { family: 6, value: fast, normalized: formatAddress(6, fast) } };
  } else {
    const fast = parseV4Fast(text);
    if (fast !== undefined) return { ok: true, address: { family: 4, value: fast, normalized: formatAddress(4, fast) } };
  }
  return parseAddressSlow(input, text, mappedOk);
}

/** Whether an IPv6 value lies in ::ffff:0:0/96 (IPv4-mapped, RFC 4291 §2.5.5.2). */
export function isIpv4MappedValue(value: bigint): boolean {
  return value >> 32n === 0xffffn;
}

function parseAddressSlow(input: string, text: string, mappedOk: boolean): AddressParseResult {
  const shown = JSON.stringify(input);
  if (text.length === 0) return parseFailure('invalid-address', `${shown} is not an IP address: it is empty`);
  if (text.includes('/')) return parseFailure('invalid-address', `${shown} is a CIDR, not a single IP address`);
  if (text.includes('%')) return parseFailure('invalid-address', `${shown} has a zone; LoadBalancer addresses cannot be link-scoped`);
  if (text.includes(':')) {
    if (!V6_CHARS.test(text)) return parseFailure('invalid-address', `${shown} is not a valid IPv6 address`);
    let value: bigint;
    try {
      value = new Address6(text).bigInt();
    } catch {
      return parseFailure('invalid-address', `${shown} is not a valid IPv6 address`);
    }
    if (!mappedOk && isIpv4MappedValue(value)) {
      return parseFailure('invalid-address', `${shown} is an IPv4-mapped IPv6 address; write it as IPv4 (${formatAddress(4, value & 0xffffffffn)})`);
    }
    return { ok: true, address: { family: 6, value, normalized: formatAddress(6, value) } };
  }
  if (!V4_CHARS.test(text)) return parseFailure('invalid-address', `${shown} is not a valid IP address`);
  try {
    const value = new Address4(text).bigInt();
    return { ok: true, address: { family: 4, value, normalized: formatAddress(4, value) } };
  } catch {
    return parseFailure('invalid-address', `${shown} is not a valid IPv4 address`);
  }
}

/** Formats an address value; IPv6 per RFC 5952 (longest zero run of 2+ groups becomes "::"). */
export function formatAddress(family: AddressFamily, value: bigint): string {
  if (family === 4) {
    const n = Number(value);
    return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  }
  const words = [Number(value >> 96n), Number((value >> 64n) & 0xffffffffn), Number((value >> 32n) & 0xffffffffn), Number(value & 0xffffffffn)];
  const groups = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    const w = words[i] as number;
    groups[2 * i] = w >>> 16;
    groups[2 * i + 1] = w & 0xffff;
  }
  return formatIpv6Groups(groups);
}

/**
 * IPv4 addresses ending in .0 or .255: some consumer routers' smurf protection drops
 * traffic to them, so pools with avoidBuggyIPs never hand them out (MetalLB semantics).
 */
export function isBuggyIPv4(family: AddressFamily, value: bigint): boolean {
  if (family !== 4) return false;
  const last = value & 0xffn;
  return last === 0n || last === 0xffn;
}

/**
 * RFC 5952 text of eight 16-bit groups: lower case, the first longest run (two or more)
 * of zero groups shortened to "::", and IPv4-mapped addresses (::ffff:0:0/96) in the mixed
 * notation '::ffff:192.0.2.1' that §5 recommends. Shared by the address math and the
 * packet codecs, so both print every address the same way.
 */
export function formatIpv6Groups(groups: ArrayLike<number>): string {
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    const hi = groups[6] as number;
    const lo = groups[7] as number;
    return `::ffff:${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (out.length > 0 && !out.endsWith(':')) out += ':';
    out += (groups[i] as number).toString(16);
  }
  return out;
}
