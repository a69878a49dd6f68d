import { describe, it, expect } from 'vitest';
import { seededRandom } from '../../test-support/seeded-random.js';
import { buildArpProbe, buildArpReply, buildArpRequest, buildGratuitousArpReply, buildGratuitousArpRequest } from './arp-builders.js';
import { decodeArpFrame, encodeArpFrame } from './arp.js';
import { DECODE_FAILURES, type DecodeFailure } from './decode-result.js';
import { decodeFrame } from './frame.js';
import { computeIcmpv6Checksum } from './icmpv6-checksum.js';
import { buildDadNeighborSolicitation, buildNeighborSolicitation, buildSolicitedNeighborAdvertisement, buildUnsolicitedNeighborAdvertisement } from './ndp-builders.js';
import { decodeNdpFrame, encodeNdpFrame } from './ndp.js';

// Decoders face whatever the wire delivers. Feed them a million random and mutated frames
// and require a typed answer every time. Seeded, so a failure reproduces exactly.
const SEED = 0x1b0a7;
const FRAMES = 1_000_000;

const seeds: Uint8Array[] = [
  buildGratuitousArpRequest({ mac: '00:00:5e:00:53:01', ip: '198.51.100.10' }),
  buildGratuitousArpReply({ mac: '00:00:5e:00:53:01', ip: '198.51.100.10' }),
  buildArpReply({ mac: '00:00:5e:00:53:01', ip: '198.51.100.10', requesterMac: '00:00:5e:00:53:02', requesterIp: '203.0.113.9' }),
  buildArpProbe({ mac: '00:00:5e:00:53:01', ip: '198.51.100.10' }),
  buildArpRequest({ mac: '00:00:5e:00:53:02', senderIp: '203.0.113.9', targetIp: '198.51.100.10' }),
  buildUnsolicitedNeighborAdvertisement({ mac: '00:00:5e:00:53:01', ip: '2001:db8::10' }),
  buildSolicitedNeighborAdvertisement({ mac: '00:00:5e:00:53:01', ip: '2001:db8::10', dstMac: '00:00:5e:00:53:02', dstIp: '2001:db8::20' }),
  buildDadNeighborSolicitation({ mac: '00:00:5e:00:53:01', ip: '2001:db8::10' }),
  buildNeighborSolicitation({ mac: '00:00:5e:00:53:02', src: '2001:db8::20', target: '2001:db8::10' }),
  buildNeighborSolicitation({ mac: '00:00:5e:00:53:02', src: 'fe80::2', target: '2001:db8::10', unicastTo: '00:00:5e:00:53:01' }),
];

function generator(random: () => number) {
  const int = (n: number): number => Math.floor(random() * n);
  const randomBytes = (n: number): Uint8Array => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = int(256);
    return b;
  };
  /** Re-seal an NDP frame's checksum so that mutations reach the option parser. */
  const fixChecksum = (b: Uint8Array): void => {
    if (b.length < 58 || b[12] !== 0x86 || b[13] !== 0xdd) return;
    const plen = (b[18]! << 8) | b[19]!;
    if (plen < 4 || b.length < 54 + plen) return;
    b[56] = 0;
    b[57] = 0;
    const c = computeIcmpv6Checksum(b, 14, plen);
    b[56] = c >> 8;
    b[57] = c & 0xff;
  };
  return (): Uint8Array => {
    const mode = int(10);
    if (mode === 0) return randomBytes(int(130));
    if (mode === 1) {
      // Random body behind a plausible header, to get past the first checks.
      const b = randomBytes(14 + int(110));
      if (b.length >= 14) b.set(random() < 0.5 ? [0x08, 0x06] : [0x86, 0xdd], 12);
      if (b.length > 54 && b[12] === 0x86) {
        b[14] = 0x60;
        b[20] = 58;
        b[54] = random() < 0.5 ? 135 : 136;
        b[55] = 0;
      }
      return b;
    }
    let b = seeds[int(seeds.length)]!.slice();
    const edits = 1 + int(4);
    for (let e = 0; e < edits; e++) {
      switch (int(8)) {
        case 0: // flip a bit
          if (b.length) b[int(b.length)]! ^= 1 << int(8);
          break;
        case 1: // overwrite a byte
          if (b.length) b[int(b.length)] = int(256);
          break;
        case 2: // truncate
          b = b.slice(0, int(b.length + 1));
          break;
        case 3: {
          // extend with random bytes (e.g. extra options)
          const x = new Uint8Array(b.length + 1 + int(24));
          x.set(b);
          x.set(randomBytes(x.length - b.length), b.length);
          b = x;
          break;
        }
        case 4: // rewrite a length field: IPv6 payload length, an option length, ARP hlen/plen
          if (b.length > 19) b[[18, 19, 79, 19, 18][int(5)]! % b.length] = int(256);
          break;
        case 5: {
          // splice the tail of another seed
          const other = seeds[int(seeds.length)]!;
          const cut = int(Math.min(b.length, other.length) + 1);
          const x = new Uint8Array(other.length);
          x.set(b.slice(0, cut));
          x.set(other.slice(cut), cut);
          b = x;
          break;
        }
        case 6: // boundary values reach checks such as 'multicast target' (first byte 0xff)
          if (b.length) b[int(b.length)] = [0, 0xff, 1, 0x80][int(4)]!;
          break;
        default:
          break;
      }
    }
    if (random() < 0.5) fixChecksum(b);
    return b;
  };
}

const KNOWN: ReadonlySet<string> = new Set(DECODE_FAILURES);

describe('decoder fuzzing', () => {
  it(`answers ${FRAMES.toLocaleString('en')} random and mutated frames with a typed result`, { timeout: 120_000 }, () => {
    const next = generator(seededRandom(SEED));
    const reasons = new Map<DecodeFailure, number>();
    let decoded = 0;
    for (let i = 0; i < FRAMES; i++) {
      const frame = next();
      let r, arp, ndp;
      try {
        r = decodeFrame(frame);
        // The specific decoders must also hold on frames of the other kind.
        arp = decodeArpFrame(frame);
        ndp = decodeNdpFrame(frame);
      } catch (e) {
        throw new Error(`frame #${i} (seed ${SEED}) threw: ${String(e)}\n${Buffer.from(frame).toString('hex')}`);
      }
      if (r.ok && decoded++ % 4 === 0) {
        // Whatever decodes must re-encode to something that decodes to the same frame
        // (checked on every fourth decoded frame to keep the run short).
        const again = r.frame.kind === 'arp' ? decodeArpFrame(encodeArpFrame(r.frame)) : decodeNdpFrame(encodeNdpFrame(r.frame));
        if (!again.ok) throw new Error(`frame #${i} did not survive re-encoding: ${again.reason}`);
        // JSON comparison: expect().toEqual() would dominate the run time.
        if (JSON.stringify(again.frame) !== JSON.stringify(r.frame)) throw new Error(`frame #${i} changed on re-encoding`);
      }
      for (const result of [r, arp, ndp]) {
        if (result.ok) continue;
        if (!KNOWN.has(result.reason)) throw new Error(`frame #${i}: unknown reason ${String(result.reason)}`);
        reasons.set(result.reason, (reasons.get(result.reason) ?? 0) + 1);
      }
    }
    // The corpus must reach every rejection path, or the fuzzer is not testing much.
    expect([...reasons.keys()].sort()).toEqual([...DECODE_FAILURES].sort());
    expect(decoded).toBeGreaterThan(FRAMES / 20);
  });
});
