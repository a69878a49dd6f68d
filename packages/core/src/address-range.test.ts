import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { countUsable, describeRange, intersectRanges, makeRange, parseAddressEntry, rangesOverlap, subtractRanges, sortRanges, type AddressRange } from './address-range.js';
import { isBuggyIPv4 } from './address.js';

describe('parseAddressEntry accepts', () => {
  it.each([
    ['198.51.100.0/24', { family: 4, first: 0xc6336400n, last: 0xc63364ffn, cidr: '198.51.100.0/24', hostBitsSet: false, normalized: '198.51.100.0/24' }],
    ['2001:db8::/120', { family: 6, first: 0x20010db8000000000000000000000000n, last: 0x20010db80000000000000000000000ffn, cidr: '2001:db8::/120', hostBitsSet: false, normalized: '2001:db8::/120' }],
    ['192.0.2.7/32', { family: 4, first: 0xc0000207n, last: 0xc0000207n, cidr: '192.0.2.7/32', hostBitsSet: false, normalized: '192.0.2.7/32' }],
    ['2001:db8::7/128', { family: 6, first: 0x20010db8000000000000000000000007n, last: 0x20010db8000000000000000000000007n, cidr: '2001:db8::7/128', hostBitsSet: false, normalized: '2001:db8::7/128' }],
    ['0.0.0.0/0', { family: 4, first: 0n, last: 0xffffffffn, cidr: '0.0.0.0/0', hostBitsSet: false, normalized: '0.0.0.0/0' }],
    ['10.0.0.5/24', { family: 4, first: 0x0a000000n, last: 0x0a0000ffn, cidr: '10.0.0.0/24', hostBitsSet: true, normalized: '10.0.0.0/24' }],
    ['2001:DB8::1/64', { family: 6, first: 0x20010db8000000000000000000000000n, last: 0x20010db800000000ffffffffffffffffn, cidr: '2001:db8::/64', hostBitsSet: true, normalized: '2001:db8::/64' }],
    ['10.0.0.10-10.0.0.20', { family: 4, first: 0x0a00000an, last: 0x0a000014n, hostBitsSet: false, normalized: '10.0.0.10-10.0.0.20' }],
    [' 10.0.0.10 - 10.0.0.20 ', { family: 4, first: 0x0a00000an, last: 0x0a000014n, hostBitsSet: false, normalized: '10.0.0.10-10.0.0.20' }],
    ['10.0.0.9-10.0.0.9', { family: 4, first: 0x0a000009n, last: 0x0a000009n, hostBitsSet: false, normalized: '10.0.0.9-10.0.0.9' }],
    ['2001:db8::a-2001:db8::1:0', { family: 6, first: 0x20010db800000000000000000000000an, last: 0x20010db8000000000000000000010000n, hostBitsSet: false, normalized: '2001:db8::a-2001:db8::1:0' }],
  ])('%j', (entry, range) => {
    expect(parseAddressEntry(entry)).toEqual({ ok: true, range });
  });
});

describe('parseAddressEntry rejects, naming the value', () => {
  it.each([
    ['', 'invalid-cidr', 'empty'],
    ['10.0.0.1', 'invalid-cidr', 'write "10.0.0.1/32"'],
    ['2001:db8::1', 'invalid-cidr', 'write "2001:db8::1/128"'],
    ['pool-a', 'invalid-range', 'invalid start address "pool"'],
    ['bogus', 'invalid-cidr', 'neither a CIDR'],
    ['10.0.0.0/33', 'invalid-cidr', 'from 0 to 32'],
    ['2001:db8::/129', 'invalid-cidr', 'from 0 to 128'],
    ['10.0.0.0/024', 'invalid-cidr', 'prefix length "024"'],
    ['10.0.0.0/', 'invalid-cidr', 'prefix length ""'],
    ['10.0.0.0/x', 'invalid-cidr', 'prefix length "x"'],
    ['10.0.0.256/24', 'invalid-cidr', 'not a valid CIDR'],
    ['fe80::/64%eth0', 'invalid-cidr', 'prefix length'],
    ['::ffff:10.0.0.0/120', 'invalid-cidr', 'IPv4-mapped'],
    ['10.0.0.1-', 'invalid-range', 'invalid end address ""'],
    ['-10.0.0.1', 'invalid-range', 'invalid start address ""'],
    ['10.0.0.1-10.0.0.2-10.0.0.3', 'invalid-range', 'exactly one "-"'],
    ['10.0.0.1-10.0.0.x', 'invalid-range', 'invalid end address "10.0.0.x"'],
    ['10.0.0.0/24-10.0.1.0/24', 'invalid-range', 'is a CIDR, not a single IP address'],
    ['10.0.0.1-2001:db8::1', 'mixed-family', 'start "10.0.0.1" is IPv4, end "2001:db8::1" is IPv6'],
    ['10.0.0.20-10.0.0.10', 'range-reversed', 'start "10.0.0.20" is after end "10.0.0.10"'],
    ['2001:db8::2-2001:db8::1', 'range-reversed', 'is backwards'],
  ])('%j -> %s', (entry, reason, text) => {
    const r = parseAddressEntry(entry);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe(reason);
    expect(r.code).toBe('IRONLB_INVALID_ADDRESS');
    expect(r.message).toContain(JSON.stringify(entry));
    expect(r.message).toContain(text);
  });
});

const v4 = (a: number, b: number): AddressRange => makeRange(4, BigInt(a), BigInt(b));

describe('overlap, intersection, subtraction', () => {
  it.each([
    [v4(0, 9), v4(10, 19), false],
    [v4(0, 10), v4(10, 19), true],
    [v4(5, 6), v4(0, 19), true],
    [v4(0, 9), makeRange(6, 0n, 9n), false],
  ])('overlap %#', (a, b, want) => {
    expect(rangesOverlap(a, b)).toBe(want);
    expect(rangesOverlap(b, a)).toBe(want);
    expect(intersectRanges(a, b) !== undefined).toBe(want);
  });

  it.each([
    [v4(0, 99), [v4(10, 19)], [[0, 9], [20, 99]]],
    [v4(0, 99), [v4(0, 99)], []],
    [v4(0, 99), [v4(50, 200), v4(0, 9)], [[10, 49]]],
    [v4(10, 20), [v4(0, 5), v4(30, 40)], [[10, 20]]],
    [v4(0, 99), [v4(10, 19), v4(15, 29), v4(98, 99)], [[0, 9], [30, 97]]],
  ])('subtract %#', (r, cuts, want) => {
    expect(subtractRanges(r, cuts).map((x) => [Number(x.first), Number(x.last)])).toEqual(want);
  });

  it('subtraction leaves exactly the addresses not cut (brute force)', () => {
    const small = fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 20 })).map(([a, n]) => v4(a, a + n));
    fc.assert(
      fc.property(small, fc.array(small, { maxLength: 4 }), (r, cuts) => {
        const left = new Set<number>();
        for (const p of subtractRanges(r, cuts)) for (let x = Number(p.first); x <= Number(p.last); x++) left.add(x);
        for (let x = Number(r.first); x <= Number(r.last); x++) {
          const cut = cuts.some((c) => BigInt(x) >= c.first && BigInt(x) <= c.last);
          if (left.has(x) === cut) return false;
        }
        return [...left].every((x) => BigInt(x) >= r.first && BigInt(x) <= r.last);
      }),
      { numRuns: 200 },
    );
  });
});

describe('countUsable', () => {
  it.each([
    ['10.0.0.0/24', false, 256n],
    ['10.0.0.0/24', true, 254n],
    ['10.0.0.0/16', true, 65536n - 512n],
    ['10.0.0.0/8', true, (1n << 24n) - 2n * 65536n],
    ['10.0.0.1-10.0.0.254', true, 254n],
    ['10.0.0.255-10.0.1.0', true, 0n],
    ['10.0.0.252/30', true, 3n],
    ['2001:db8::/64', true, 1n << 64n],
    ['2001:db8::/120', true, 256n],
  ])('%s avoidBuggyIPs=%s -> %s', (entry, avoid, want) => {
    const r = parseAddressEntry(entry);
    if (!r.ok) throw new Error(r.message);
    expect(countUsable(r.range, avoid)).toBe(want);
  });

  it('matches a brute-force count for small IPv4 ranges', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 700 }), (a, n) => {
        let want = 0n;
        for (let x = a; x <= a + n; x++) if (!isBuggyIPv4(4, BigInt(x))) want++;
        return countUsable(v4(a, a + n), true) === want;
      }),
      { numRuns: 100 },
    );
  });
});

describe('describeRange / sortRanges', () => {
  it.each([
    [v4(0x0a000000, 0x0a0000ff), '10.0.0.0/24'],
    [v4(0x0a000005, 0x0a000005), '10.0.0.5/32'],
    [v4(0x0a000001, 0x0a000002), '10.0.0.1-10.0.0.2'],
    [makeRange(6, 0x20010db8000000000000000000000000n, 0x20010db800000000ffffffffffffffffn), '2001:db8::/64'],
  ])('%#', (r, text) => expect(describeRange(r)).toBe(text));

  it('sorts IPv4 before IPv6, then by first address', () => {
    const s = sortRanges([makeRange(6, 1n, 2n), v4(9, 9), v4(1, 5)]);
    expect(s.map((r) => `${r.family}:${r.first}`)).toEqual(['4:1', '4:9', '6:1']);
  });
});
