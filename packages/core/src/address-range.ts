// Pool address entries: CIDRs and "start-end" ranges, as closed bigint intervals.
// Parsing never throws; every failure names the value. A CIDR with host bits set
// (10.0.0.5/24) is accepted as its whole network, as MetalLB silently does, but is
// flagged so the controller can warn: rejecting it would break existing manifests.
import { FamilyBits, familyName, formatAddress, parseAddress, parseFailure, type AddressFamily, type ParseFailure } from './address.js';

export interface AddressRange {
  family: AddressFamily;
  first: bigint;
  last: bigint;
  /** Set when the entry was a CIDR: the network in canonical form, e.g. "10.0.0.0/24". */
  cidr?: string;
  /** The CIDR had bits set after its prefix; the entry was widened to the network. */
  hostBitsSet: boolean;
  /** Canonical text: the network CIDR, or "first-last". */
  normalized: string;
}

export type RangeParseResult = { ok: true; range: AddressRange } | ParseFailure;

const PREFIX = /^(0|[1-9][0-9]{0,2})$/;

/** Parses one `spec.addresses` entry: a CIDR or a range "start-end" (spaces trimmed). */
export function parseAddressEntry(input: string): RangeParseResult {
  const text = input.trim();
  const shown = JSON.stringify(input);
  if (text.length === 0) return parseFailure('invalid-cidr', `${shown} is empty: want a CIDR (198.51.100.0/24) or a range (198.51.100.10-198.51.100.20)`);
  if (text.includes('-')) return parseRange(text, shown);
  if (!text.includes('/')) {
    const single = parseAddress(text);
    if (single.ok) {
      const bits = FamilyBits[single.address.family];
      return parseFailure('invalid-cidr', `${shown} is a single address, not a CIDR: write "${single.address.normalized}/${bits}"`);
    }
    return parseFailure('invalid-cidr', `${shown} is neither a CIDR (like 198.51.100.0/24 or 2001:db8::/120) nor a range (like 198.51.100.10-198.51.100.20)`);
  }
  return parseCidr(text, shown);
}

function parseCidr(text: string, shown: string): RangeParseResult {
  const slash = text.lastIndexOf('/');
  const addrText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const addr = parseAddress(addrText);
  if (!addr.ok) return parseFailure('invalid-cidr', `${shown} is not a valid CIDR: ${addr.message}`);
  const { family, value } = addr.address;
  const bits = FamilyBits[family];
  if (!PREFIX.test(prefixText) || Number(prefixText) > bits) {
    return parseFailure('invalid-cidr', `${shown} is not a valid CIDR: prefix length "${prefixText}" must be a number from 0 to ${bits} for ${familyName(family)}`);
  }
  const prefix = Number(prefixText);
  const hostBits = BigInt(bits - prefix);
  const hostMask = (1n << hostBits) - 1n;
  const first = value & ~hostMask;
  const last = first | hostMask;
  const cidr = `${formatAddress(family, first)}/${prefix}`;
  return { ok: true, range: { family, first, last, cidr, hostBitsSet: first !== value, normalized: cidr } };
}

function parseRange(text: string, shown: string): RangeParseResult {
  const parts = text.split('-');
  if (parts.length !== 2) return parseFailure('invalid-range', `${shown} is not a valid range: a range has exactly one "-" (like 198.51.100.10-198.51.100.20)`);
  const [startText = '', endText = ''] = parts;
  const start = parseAddress(startText);
  if (!start.ok) return parseFailure('invalid-range', `range ${shown} has an invalid start address "${startText.trim()}": ${start.message}`);
  const end = parseAddress(endText);
  if (!end.ok) return parseFailure('invalid-range', `range ${shown} has an invalid end address "${endText.trim()}": ${end.message}`);
  const a = start.address;
  const b = end.address;
  if (a.family !== b.family) {
    return parseFailure('mixed-family', `range ${shown} mixes address families: start "${a.normalized}" is ${familyName(a.family)}, end "${b.normalized}" is ${familyName(b.family)}`);
  }
  if (a.value > b.value) return parseFailure('range-reversed', `range ${shown} is backwards: start "${a.normalized}" is after end "${b.normalized}"`);
  return { ok: true, range: makeRange(a.family, a.value, b.value) };
}

/** A range built from bounds (e.g. what is left of a pool after an overlap is cut out). */
export function makeRange(family: AddressFamily, first: bigint, last: bigint): AddressRange {
  return { family, first, last, hostBitsSet: false, normalized: `${formatAddress(family, first)}-${formatAddress(family, last)}` };
}

/** Canonical text of a range for messages: CIDR when it was one, else "first-last". */
export function describeRange(r: Pick<AddressRange, 'family' | 'first' | 'last'>): string {
  const size = r.last - r.first + 1n;
  const aligned = (size & (size - 1n)) === 0n && r.first % size === 0n;
  if (aligned) {
    let hostBits = 0;
    while (1n << BigInt(hostBits) < size) hostBits++;
    return `${formatAddress(r.family, r.first)}/${FamilyBits[r.family] - hostBits}`;
  }
  return `${formatAddress(r.family, r.first)}-${formatAddress(r.family, r.last)}`;
}

export function rangeSize(r: Pick<AddressRange, 'first' | 'last'>): bigint {
  return r.last - r.first + 1n;
}

export function rangeContains(r: Pick<AddressRange, 'family' | 'first' | 'last'>, family: AddressFamily, value: bigint): boolean {
  return r.family === family && r.first <= value && value <= r.last;
}

type Bounds = Pick<AddressRange, 'family' | 'first' | 'last'>;

export function rangesOverlap(a: Bounds, b: Bounds): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/** The common part of two ranges, or undefined when they do not overlap. */
export function intersectRanges(a: Bounds, b: Bounds): AddressRange | undefined {
  if (!rangesOverlap(a, b)) return undefined;
  return makeRange(a.family, a.first > b.first ? a.first : b.first, a.last < b.last ? a.last : b.last);
}

/** What is left of `r` after removing every range in `cuts` (any order, may overlap). */
export function subtractRanges(r: AddressRange, cuts: readonly Bounds[]): AddressRange[] {
  const relevant = cuts.filter((c) => rangesOverlap(r, c)).sort((x, y) => (x.first < y.first ? -1 : x.first > y.first ? 1 : 0));
  if (relevant.length === 0) return [r];
  const out: AddressRange[] = [];
  let cursor = r.first;
  for (const c of relevant) {
    if (c.first > cursor) out.push(makeRange(r.family, cursor, c.first - 1n));
    if (c.last + 1n > cursor) cursor = c.last + 1n;
    if (cursor > r.last) return out;
  }
  out.push(makeRange(r.family, cursor, r.last));
  return out;
}

/** Multiples of 256 plus `offset` within [first, last]: counts .0 (offset 0) or .255 (offset 255). */
function countWithLastOctet(first: bigint, last: bigint, octet: bigint): bigint {
  const upTo = (x: bigint): bigint => (x < octet ? 0n : (x - octet) / 256n + 1n);
  return upTo(last) - (first === 0n ? 0n : upTo(first - 1n));
}

/** Addresses a pool may hand out from `r`; avoidBuggyIPs removes IPv4 .0 and .255. */
export function countUsable(r: Bounds, avoidBuggyIPs: boolean): bigint {
  const size = r.last - r.first + 1n;
  if (!avoidBuggyIPs || r.family !== 4) return size;
  return size - countWithLastOctet(r.first, r.last, 0n) - countWithLastOctet(r.first, r.last, 255n);
}

/** Sorts a copy by family (IPv4 first) then first address; stable for equal ranges. */
export function sortRanges<T extends Bounds>(ranges: readonly T[]): T[] {
  return [...ranges].sort((a, b) => a.family - b.family || (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
}
