import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Address6 } from 'ip-address';
import { formatAddress, isIpv4MappedValue, parseAddress } from '@ironlb/core';
import { canonicalIp } from './ip.js';
import { formatIpv4, isIpv4, parseIpv4 } from './ipv4.js';
import { formatIpv6, ipv6MulticastMac, isIpv6MulticastAddress, normalizeIpv6, parseIpv6, solicitedNodeAddress, solicitedNodeMac } from './ipv6.js';

describe('IPv4', () => {
  it.each([
    ['198.51.100.10', [198, 51, 100, 10]],
    ['0.0.0.0', [0, 0, 0, 0]],
    ['255.255.255.255', [255, 255, 255, 255]],
  ])('parses %s', (text, bytes) => {
    expect(Array.from(parseIpv4(text)!)).toEqual(bytes);
    expect(formatIpv4(Uint8Array.from(bytes))).toBe(text);
  });

  it.each(['256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.4/32', '1..2.3', '2001:db8::1', '::ffff:1.2.3.4', ''])('rejects %j', (text) => {
    expect(isIpv4(text)).toBe(false);
    expect(parseIpv4(text)).toBeUndefined();
  });
});

describe('IPv6', () => {
  it.each([
    ['2001:db8::10', '2001:db8::10'],
    ['2001:DB8:0:0:0:0:0:0010', '2001:db8::10'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs (RFC 5952 §4.2.3)
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group stays (§4.2.2)
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['::ffff:198.51.100.1', '::ffff:198.51.100.1'], // IPv4-mapped: RFC 5952 §5 mixed notation
    ['::FFFF:c633:6401', '::ffff:198.51.100.1'],
    ['::198.51.100.1', '::c633:6401'], // IPv4-compatible (deprecated) stays hex
    ['ff02::1:ff00:10', 'ff02::1:ff00:10'],
  ])('normalizes %s to %s', (text, canonical) => {
    expect(normalizeIpv6(text)).toBe(canonical);
  });

  it.each(['', '1::2::3', '2001:db8::/64', 'fe80::1%eth0', '12345::', '198.51.100.1', 'g::1'])('rejects %j', (text) => {
    expect(parseIpv6(text)).toBeUndefined();
  });

  it('formats bytes exactly as ip-address correctForm() does (RFC 5952; to4in6() for IPv4-mapped, §5)', () => {
    // Bias towards zero groups so that the '::' placement rules are exercised.
    const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
        const bytes = new Uint8Array(16);
        groups.forEach((g, i) => {
          bytes[2 * i] = g >> 8;
          bytes[2 * i + 1] = g & 0xff;
        });
        const text = formatIpv6(bytes);
        const a = Address6.fromUnsignedByteArray(Array.from(bytes));
        expect(text).toBe(isIpv4MappedValue(a.bigInt()) ? a.to4in6() : a.correctForm());
        expect(Array.from(parseIpv6(text)!)).toEqual(Array.from(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    // RFC 4291 §2.7.1: ff02:0:0:0:0:1:ff00::/104 + low 24 bits; RFC 2464 §7: 33:33 + low 32 bits.
    ['2001:db8::10', 'ff02::1:ff00:10', '33:33:ff:00:00:10'],
    ['2001:db8::abcd:ef12:3456', 'ff02::1:ff12:3456', '33:33:ff:12:34:56'],
    ['fe80::200:5eff:fe00:530a', 'ff02::1:ff00:530a', '33:33:ff:00:53:0a'],
  ])('solicited-node group of %s is %s (%s)', (ip, group, mac) => {
    expect(solicitedNodeAddress(ip)).toBe(group);
    expect(solicitedNodeMac(ip)).toBe(mac);
    expect(ipv6MulticastMac(group)).toBe(mac);
  });

  it.each([
    ['ff02::1', true],
    ['FF02::1:FF00:10', true], // not canonical text, still multicast
    ['ff0e:0:0:0:0:0:0:101', true],
    ['ff::1', false], // 00ff::1: canonical text starting with "ff", but unicast
    ['ff0::10', false], // 0ff0::10
    ['fe80::1', false],
    ['not an address', false],
  ])('isIpv6MulticastAddress(%j) is %s (decided on the first byte)', (ip, multicast) => {
    expect(isIpv6MulticastAddress(ip)).toBe(multicast);
  });

  it('maps ff02::1 to 33:33:00:00:00:01', () => {
    expect(ipv6MulticastMac('ff02::1')).toBe('33:33:00:00:00:01');
  });
});

describe('canonicalIp', () => {
  it.each([
    ['198.51.100.10', { ip: '198.51.100.10', family: 4 }],
    ['2001:DB8::0010', { ip: '2001:db8::10', family: 6 }],
    [' 198.51.100.10 ', { ip: '198.51.100.10', family: 4 }],
    ['::ffff:198.51.100.10', { ip: '::ffff:198.51.100.10', family: 6 }],
    ['nonsense', undefined],
    ['198.51.100.10/32', undefined],
    ['fe80::1%eth0', undefined],
    ['010.0.0.1', undefined],
  ])('%j', (text, expected) => {
    expect(canonicalIp(text)).toEqual(expected);
  });

  // One parser for the project: the codec says exactly what @ironlb/core says (with
  // IPv4-mapped IPv6 allowed, since on the wire it is just an IPv6 address).
  it('agrees with core parseAddress on any text, and formats bytes as core formatAddress does', () => {
    const chunk = fc.constantFrom('::', ':', '.', 'ffff', 'FFFF', '0', '1', '198', '51', '256', '01', 'db8', '2001', 'g', ' ', '%', '/');
    const text = fc.array(chunk, { maxLength: 12 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(text, (t) => {
        const core = parseAddress(t, { allowIpv4Mapped: true });
        expect(canonicalIp(t)).toEqual(core.ok ? { ip: core.address.normalized, family: core.address.family } : undefined);
      }),
      { numRuns: 2000 },
    );
    const mapped = fc.bigInt({ min: 0n, max: 0xffffffffn }).map((v) => (0xffffn << 32n) | v);
    fc.assert(
      fc.property(fc.oneof(mapped, fc.bigInt({ min: 0n, max: (1n << 128n) - 1n })), (v) => {
        const bytes = new Uint8Array(16);
        new DataView(bytes.buffer).setBigUint64(0, v >> 64n);
        new DataView(bytes.buffer).setBigUint64(8, v & ((1n << 64n) - 1n));
        expect(formatIpv6(bytes)).toBe(formatAddress(6, v));
        expect(Array.from(parseIpv6(formatAddress(6, v))!)).toEqual(Array.from(bytes));
      }),
      { numRuns: 500 },
    );
  });
});
