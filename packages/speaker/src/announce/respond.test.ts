import { describe, it, expect } from 'vitest';
import { decodeFrame } from '../packet/codec/frame.js';
import type { NdpFrame } from '../packet/codec/ndp.js';
import { buildNeighborSolicitation, buildSolicitedNeighborAdvertisement } from '../packet/codec/ndp-builders.js';
import { answerNdp, ndpInvalidReason } from './respond.js';
import { CLIENT6, CLIENT_MAC, ETH0_MAC, VIP6 } from './test-support/fixtures.js';

const ndp = (bytes: Uint8Array): NdpFrame => {
  const d = decodeFrame(bytes);
  if (!d.ok || d.frame.kind !== 'ndp') throw new Error('not an NDP frame');
  return d.frame;
};

// Whether an IPv6 destination is multicast is a property of its first byte (RFC 4291
// §2.7), not of how its text begins: 'ff::1' is 00ff::1 (unicast, canonical RFC 5952 text
// all the same), and text that was not produced by the decoder may be upper case.
describe('IPv6 multicast destinations are recognised by their bytes', () => {
  const UNICAST_FF = 'ff::1'; // 00ff::1
  const UNICAST_FF0 = 'ff0::10'; // 0ff0::10

  it('a solicited NA unicast to 00ff::1 is valid (RFC 4861 §7.1.2 only forbids multicast)', () => {
    const na = ndp(buildSolicitedNeighborAdvertisement({ mac: CLIENT_MAC, ip: CLIENT6, dstMac: ETH0_MAC, dstIp: UNICAST_FF }));
    expect(na.ip6.dst).toBe(UNICAST_FF);
    expect(ndpInvalidReason(na)).toBeUndefined();
  });

  it('a solicited NA to FF02::1 (not canonical text) is still invalid', () => {
    const na = ndp(buildSolicitedNeighborAdvertisement({ mac: CLIENT_MAC, ip: CLIENT6, dstMac: '33:33:00:00:00:01', dstIp: 'ff02::1' }));
    const upper: NdpFrame = { ...na, ip6: { ...na.ip6, dst: 'FF02::1' } };
    expect(ndpInvalidReason(na)).toBe('invalid-na');
    expect(ndpInvalidReason(upper)).toBe('invalid-na');
  });

  it('a unicast NS for an owned 0ff0::10 is answered as unicast', () => {
    const ns = ndp(buildNeighborSolicitation({ mac: CLIENT_MAC, src: CLIENT6, target: UNICAST_FF0, unicastTo: ETH0_MAC }));
    expect(ns.ip6.dst).toBe(UNICAST_FF0);
    const answer = answerNdp(ns, ETH0_MAC, (ip) => ip === UNICAST_FF0);
    expect(answer).toMatchObject({ ip: UNICAST_FF0, purpose: 'na-solicited', unicast: true, from: CLIENT_MAC });
  });

  it('a multicast NS whose destination text is upper case still goes through the solicited-node check', () => {
    const ns = ndp(buildNeighborSolicitation({ mac: CLIENT_MAC, src: CLIENT6, target: VIP6 }));
    expect(answerNdp(ns, ETH0_MAC, (ip) => ip === VIP6)).toMatchObject({ unicast: false });
    // Upper-case text is multicast too; it is not the canonical group text, so no answer
    // (rather than being mistaken for a unicast NS to our MAC).
    const upper: NdpFrame = { ...ns, eth: { ...ns.eth, dst: ETH0_MAC }, ip6: { ...ns.ip6, dst: ns.ip6.dst.toUpperCase() } };
    expect(answerNdp(upper, ETH0_MAC, (ip) => ip === VIP6)).toBeUndefined();
  });
});
