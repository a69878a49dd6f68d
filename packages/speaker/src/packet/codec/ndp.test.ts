import { describe, it, expect } from 'vitest';
import { icmpv6Checksum } from './icmpv6-checksum.js';
import { ipv6Bytes } from './ipv6.js';
import { buildDadNeighborSolicitation, buildNeighborSolicitation, buildSolicitedNeighborAdvertisement, buildUnsolicitedNeighborAdvertisement } from './ndp-builders.js';
import { decodeNdpFrame, encodeNdpFrame, type NdpFrame } from './ndp.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/[\s|]/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const MAC = '00:00:5e:00:53:01';
const VIP = '2001:db8::10';
const VIP_HEX = '20010db8000000000000000000000010';

// Laid out by hand from RFC 8200 §3 and RFC 4861 §4.3/§4.4/§4.6.1:
//   eth dst|src|86dd, ip6 6/tc/flow|plen|nh 3a|hop ff|src|dst, icmp type|code|csum|flags|target|option.
// Checksums were computed with an independent one's-complement script over the RFC 4443
// §2.3 pseudo-header; that script reproduces the checksum Linux put on the captured NA below.
const vectors: { name: string; build: () => Uint8Array; bytes: string }[] = [
  {
    name: 'unsolicited NA: all-nodes, hop 255, O=1 S=0 R=0, TLLA',
    build: () => buildUnsolicitedNeighborAdvertisement({ mac: MAC, ip: VIP }),
    bytes: `333300000001|00005e005301|86dd| 60000000|0020|3a|ff|${VIP_HEX}|ff020000000000000000000000000001|
            88|00|4a0c|20000000|${VIP_HEX}| 02|01|00005e005301`,
  },
  {
    name: 'solicited NA: unicast, O=1 S=1, TLLA',
    build: () => buildSolicitedNeighborAdvertisement({ mac: MAC, ip: VIP, dstMac: '00:00:5e:00:53:02', dstIp: '2001:db8::20' }),
    bytes: `00005e005302|00005e005301|86dd| 60000000|0020|3a|ff|${VIP_HEX}|20010db8000000000000000000000020|
            88|00|db36|60000000|${VIP_HEX}| 02|01|00005e005301`,
  },
  {
    name: 'DAD NS: source ::, solicited-node group, no options',
    build: () => buildDadNeighborSolicitation({ mac: MAC, ip: VIP }),
    bytes: `3333ff000010|00005e005301|86dd| 60000000|0018|3a|ff|00000000000000000000000000000000|ff0200000000000000000001ff000010|
            87|00|4ccf|00000000|${VIP_HEX}`,
  },
  {
    name: 'client NS, multicast to the solicited-node group, SLLA',
    build: () => buildNeighborSolicitation({ mac: '00:00:5e:00:53:02', src: '2001:db8::20', target: VIP }),
    bytes: `3333ff000010|00005e005302|86dd| 60000000|0020|3a|ff|20010db8000000000000000000000020|ff0200000000000000000001ff000010|
            87|00|6cea|00000000|${VIP_HEX}| 01|01|00005e005302`,
  },
  {
    name: 'client NS, unicast NUD probe to the target',
    build: () => buildNeighborSolicitation({ mac: '00:00:5e:00:53:02', src: '2001:db8::20', target: VIP, unicastTo: MAC }),
    bytes: `00005e005301|00005e005302|86dd| 60000000|0020|3a|ff|20010db8000000000000000000000020|${VIP_HEX}|
            87|00|3d36|00000000|${VIP_HEX}| 01|01|00005e005302`,
  },
];

// Frames Linux 6.18 sent on a veth in a private namespace (kernel-computed checksums).
const LINUX_SOLICITED_NA = hex(
  '00005e00530b 00005e00530a 86dd 6000000000203aff 20010db8000000000000000000000001 20010db8000000000000000000000002 8800db69 60000000 20010db8000000000000000000000001 0201 00005e00530a',
);
const LINUX_DAD_NS_WITH_NONCE = hex(
  '3333ff000003 00005e00530a 86dd 6000000000203aff 00000000000000000000000000000000 ff0200000000000000000001ff000003 87005d4d 00000000 20010db8000000000000000000000003 0e011487cf28fde2',
);

describe('NDP builders produce the RFC 4861 layout', () => {
  it.each(vectors)('$name', ({ build, bytes }) => {
    expect(toHex(build())).toBe(toHex(hex(bytes)));
  });
});

describe('ICMPv6 checksum (RFC 4443 §2.3)', () => {
  it('matches the checksum Linux computed', () => {
    const msg = LINUX_SOLICITED_NA.slice(54);
    msg[2] = 0;
    msg[3] = 0;
    expect(icmpv6Checksum(ipv6Bytes('2001:db8::1'), ipv6Bytes('2001:db8::2'), msg)).toBe(0xdb69);
  });

  it('pads an odd-length message with a zero byte', () => {
    // Sum: pseudo-header (src ::, dst ::, length 1, next header 58) + 0x0100 → ~0x013b.
    expect(icmpv6Checksum(new Uint8Array(16), new Uint8Array(16), Uint8Array.of(1))).toBe(0xfec4);
  });

  it('ignores whatever sits in the checksum field while computing', () => {
    const a = icmpv6Checksum(new Uint8Array(16), new Uint8Array(16), hex('87000000'));
    const b = icmpv6Checksum(new Uint8Array(16), new Uint8Array(16), hex('8700abcd'));
    expect(a).toBe(b);
  });
});

describe('decodeNdpFrame', () => {
  it('decodes a solicited NA from Linux', () => {
    expect(decodeNdpFrame(LINUX_SOLICITED_NA)).toEqual({
      ok: true,
      frame: {
        kind: 'ndp',
        eth: { dst: '00:00:5e:00:53:0b', src: '00:00:5e:00:53:0a', etherType: 0x86dd },
        ip6: { src: '2001:db8::1', dst: '2001:db8::2', hopLimit: 255, trafficClass: 0, flowLabel: 0 },
        message: { type: 'na', router: false, solicited: true, override: true, target: '2001:db8::1', targetLinkLayer: '00:00:5e:00:53:0a' },
      },
    });
  });

  it('decodes a Linux DAD NS and skips its nonce option (RFC 7527)', () => {
    const r = decodeNdpFrame(LINUX_DAD_NS_WITH_NONCE);
    expect(r.ok && r.frame.message).toEqual({ type: 'ns', target: '2001:db8::3' });
    expect(r.ok && r.frame.ip6.src).toBe('::');
  });

  it('ignores Ethernet padding after the payload length', () => {
    const padded = new Uint8Array(LINUX_SOLICITED_NA.length + 10);
    padded.set(LINUX_SOLICITED_NA);
    expect(decodeNdpFrame(padded)).toEqual(decodeNdpFrame(LINUX_SOLICITED_NA));
  });

  // Mutations of the Linux NA; fix the checksum afterwards where the point is not the checksum.
  const mutate = (edit: (b: Uint8Array) => void, fixChecksum = true): Uint8Array => {
    const b = LINUX_SOLICITED_NA.slice();
    edit(b);
    if (fixChecksum) {
      const plen = (b[18]! << 8) | b[19]!;
      const msg = b.slice(54, 54 + plen);
      msg[2] = 0;
      msg[3] = 0;
      const c = icmpv6Checksum(b.slice(22, 38), b.slice(38, 54), msg);
      b[56] = c >> 8;
      b[57] = c & 0xff;
    }
    return b;
  };
  it.each([
    ['empty', new Uint8Array(0), 'truncated'],
    ['ARP ethertype', mutate((b) => b.set([0x08, 0x06], 12)), 'not-ipv6'],
    ['cut inside the IPv6 header', LINUX_SOLICITED_NA.slice(0, 50), 'truncated'],
    ['version 4', mutate((b) => (b[14] = 0x45)), 'bad-version'],
    ['next header UDP', mutate((b) => (b[20] = 17)), 'not-icmpv6'],
    ['hop-by-hop header first', mutate((b) => (b[20] = 0)), 'not-icmpv6'],
    ['payload length beyond the frame', mutate((b) => (b[19] = 0x28)), 'truncated'],
    ['payload length 2', mutate((b) => (b[19] = 2), false), 'truncated'],
    ['echo request', mutate((b) => (b[54] = 128)), 'not-ndp'],
    ['router advertisement', mutate((b) => (b[54] = 134)), 'not-ndp'],
    ['code 1', mutate((b) => (b[55] = 1)), 'bad-code'],
    ['message shorter than 24 bytes', mutate((b) => (b[19] = 20)), 'truncated'],
    ['flipped checksum bit', mutate((b) => (b[57]! ^= 1), false), 'bad-checksum'],
    ['flipped target bit', mutate((b) => (b[77]! ^= 1), false), 'bad-checksum'],
    ['multicast target', mutate((b) => (b[62] = 0xff)), 'bad-target'],
    ['option length 0', mutate((b) => (b[79] = 0)), 'bad-option'],
    ['option overruns the message', mutate((b) => (b[79] = 2)), 'bad-option'],
    ['option header cut in half', mutate((b) => (b[19] = 0x19)), 'bad-option'],
  ] as const)('%s → %s', (_name, bytes, reason) => {
    expect(decodeNdpFrame(bytes)).toEqual({ ok: false, reason });
  });

  it('round-trips builder output and arbitrary traffic class / flow label', () => {
    for (const v of vectors) {
      const r = decodeNdpFrame(v.build());
      expect(r.ok).toBe(true);
      if (r.ok) expect(toHex(encodeNdpFrame(r.frame))).toBe(toHex(v.build()));
    }
    const frame: NdpFrame = {
      kind: 'ndp',
      eth: { dst: MAC, src: '00:00:5e:00:53:02', etherType: 0x86dd },
      ip6: { src: 'fe80::1', dst: VIP, hopLimit: 64, trafficClass: 0xb8, flowLabel: 0xabcde },
      message: { type: 'na', router: true, solicited: false, override: false, target: VIP },
    };
    expect(decodeNdpFrame(encodeNdpFrame(frame))).toEqual({ ok: true, frame });
  });
});
