import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { decodeArpFrame, encodeArpFrame, type ArpFrame } from './arp.js';
import { decodeFrame } from './frame.js';
import { formatIpv4 } from './ipv4.js';
import { formatIpv6 } from './ipv6.js';
import { formatMac } from './mac.js';
import { decodeNdpFrame, encodeNdpFrame, type NdpFrame, type NdpMessage } from './ndp.js';

const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => formatMac(b));
const ipv4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => formatIpv4(b));
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIpv6(b));
// Targets may not be multicast (RFC 4861 §7.1).
const target = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIpv6(b[0] === 0xff ? Uint8Array.of(0xfe, ...b.slice(1)) : b));

const arpFrame: fc.Arbitrary<ArpFrame> = fc.record({
  kind: fc.constant('arp' as const),
  eth: fc.record({ dst: mac, src: mac, etherType: fc.constant(0x0806) }),
  arp: fc.record({ op: fc.constantFrom(1 as const, 2 as const), senderMac: mac, senderIp: ipv4, targetMac: mac, targetIp: ipv4 }),
});

const message: fc.Arbitrary<NdpMessage> = fc.oneof(
  fc.record({ type: fc.constant('ns' as const), target, sourceLinkLayer: mac }, { requiredKeys: ['type', 'target'] }),
  fc.record(
    { type: fc.constant('na' as const), router: fc.boolean(), solicited: fc.boolean(), override: fc.boolean(), target, targetLinkLayer: mac },
    { requiredKeys: ['type', 'router', 'solicited', 'override', 'target'] },
  ),
);

const ndpFrame: fc.Arbitrary<NdpFrame> = fc.record({
  kind: fc.constant('ndp' as const),
  eth: fc.record({ dst: mac, src: mac, etherType: fc.constant(0x86dd) }),
  ip6: fc.record({
    src: ipv6,
    dst: ipv6,
    hopLimit: fc.integer({ min: 0, max: 255 }),
    trafficClass: fc.integer({ min: 0, max: 255 }),
    flowLabel: fc.integer({ min: 0, max: 0xfffff }),
  }),
  message,
});

describe('encode → decode round trip', () => {
  it('ARP', () => {
    fc.assert(
      fc.property(arpFrame, (frame) => {
        expect(decodeArpFrame(encodeArpFrame(frame))).toEqual({ ok: true, frame });
        expect(decodeFrame(encodeArpFrame(frame))).toEqual({ ok: true, frame });
      }),
      { numRuns: 500 },
    );
  });

  it('NDP', () => {
    fc.assert(
      fc.property(ndpFrame, (frame) => {
        expect(decodeNdpFrame(encodeNdpFrame(frame))).toEqual({ ok: true, frame });
        expect(decodeFrame(encodeNdpFrame(frame))).toEqual({ ok: true, frame });
      }),
      { numRuns: 500 },
    );
  });

  it('decodeFrame rejects other ethertypes and runts', () => {
    expect(decodeFrame(new Uint8Array(13))).toEqual({ ok: false, reason: 'truncated' });
    const ipv4 = new Uint8Array(60);
    ipv4[12] = 0x08;
    expect(decodeFrame(ipv4)).toEqual({ ok: false, reason: 'unsupported-ethertype' });
  });
});
