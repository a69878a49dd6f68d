import { describe, it, expect } from 'vitest';
import { buildArpProbe, buildArpReply, buildArpRequest, buildGratuitousArpReply, buildGratuitousArpRequest } from './arp-builders.js';
import { decodeArpFrame, encodeArpFrame, type ArpFrame } from './arp.js';

// Hex with whitespace and '|' separators, so vectors can be laid out field by field.
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/[\s|]/g, ''), 'hex'));
const PAD = '00'.repeat(18); // 42-byte ARP frame padded to 60

const MAC = '00:00:5e:00:53:01'; // RFC 7042 documentation MACs
const VIP = '198.51.100.10'; // c6 33 64 0a, RFC 5737 TEST-NET-2

// Each vector laid out by hand from RFC 826: Ethernet dst|src|type, then
// htype|ptype|hlen|plen|op|sha|spa|tha|tpa.
const vectors: { name: string; build: () => Uint8Array; bytes: string }[] = [
  {
    name: 'gratuitous request form: broadcast, op 1, spa = tpa, tha zero',
    build: () => buildGratuitousArpRequest({ mac: MAC, ip: VIP }),
    bytes: `ffffffffffff|00005e005301|0806| 0001|0800|06|04|0001| 00005e005301|c633640a| 000000000000|c633640a ${PAD}`,
  },
  {
    name: 'gratuitous reply form: broadcast, op 2, tha = sha (RFC 5944 §4.6)',
    build: () => buildGratuitousArpReply({ mac: MAC, ip: VIP }),
    bytes: `ffffffffffff|00005e005301|0806| 0001|0800|06|04|0002| 00005e005301|c633640a| 00005e005301|c633640a ${PAD}`,
  },
  {
    name: 'reply to a request: unicast to the requester',
    build: () => buildArpReply({ mac: MAC, ip: VIP, requesterMac: '00:00:5e:00:53:02', requesterIp: '198.51.100.20' }),
    bytes: `00005e005302|00005e005301|0806| 0001|0800|06|04|0002| 00005e005301|c633640a| 00005e005302|c6336414 ${PAD}`,
  },
  {
    name: 'RFC 5227 probe: spa 0.0.0.0, tha zero',
    build: () => buildArpProbe({ mac: MAC, ip: VIP }),
    bytes: `ffffffffffff|00005e005301|0806| 0001|0800|06|04|0001| 00005e005301|00000000| 000000000000|c633640a ${PAD}`,
  },
  {
    name: 'unicast who-has (a client NUD probe)',
    build: () => buildArpRequest({ mac: '00:00:5e:00:53:02', senderIp: '198.51.100.20', targetIp: VIP, unicastTo: MAC }),
    bytes: `00005e005301|00005e005302|0806| 0001|0800|06|04|0001| 00005e005302|c6336414| 00005e005301|c633640a ${PAD}`,
  },
];

describe('ARP builders produce the RFC 826 layout', () => {
  it.each(vectors)('$name', ({ build, bytes }) => {
    expect(Buffer.from(build()).toString('hex')).toBe(Buffer.from(hex(bytes)).toString('hex'));
  });
});

describe('decodeArpFrame', () => {
  it('decodes a reply Linux sent (captured in a private namespace, unpadded 42 bytes)', () => {
    const linuxReply = hex('00005e00530b 00005e00530a 0806 0001 0800 06 04 0002 00005e00530a c6336401 00005e00530b c6336402');
    expect(decodeArpFrame(linuxReply)).toEqual({
      ok: true,
      frame: {
        kind: 'arp',
        eth: { dst: '00:00:5e:00:53:0b', src: '00:00:5e:00:53:0a', etherType: 0x0806 },
        arp: { op: 2, senderMac: '00:00:5e:00:53:0a', senderIp: '198.51.100.1', targetMac: '00:00:5e:00:53:0b', targetIp: '198.51.100.2' },
      },
    });
  });

  const good = `ffffffffffff 00005e005301 0806 0001 0800 06 04 0001 00005e005301 c633640a 000000000000 c633640a`;
  const patch = (offset: number, value: string): Uint8Array => {
    const b = hex(good);
    b.set(hex(value), offset);
    return b;
  };
  it.each([
    ['empty', new Uint8Array(0), 'truncated'],
    ['13 bytes', hex(good).slice(0, 13), 'truncated'],
    ['IPv4 ethertype', patch(12, '0800'), 'not-arp'],
    ['header cut after op', hex(good).slice(0, 21), 'truncated'],
    ['addresses cut short', hex(good).slice(0, 41), 'truncated'],
    ['htype 6 (IEEE 802)', patch(14, '0006'), 'bad-htype'],
    ['ptype IPv6', patch(16, '86dd'), 'bad-ptype'],
    ['hlen 8', patch(18, '08'), 'bad-hlen'],
    ['hlen 8, truncated body', patch(18, '08').slice(0, 30), 'bad-hlen'],
    ['plen 16', patch(19, '10'), 'bad-plen'],
    ['op 3 (RARP request)', patch(20, '0003'), 'bad-op'],
    ['op 0', patch(20, '0000'), 'bad-op'],
  ] as const)('%s → %s', (_name, bytes, reason) => {
    expect(decodeArpFrame(bytes)).toEqual({ ok: false, reason });
  });

  it('round-trips every builder output', () => {
    for (const v of vectors) {
      const r = decodeArpFrame(v.build());
      expect(r.ok).toBe(true);
      if (r.ok) expect(encodeArpFrame(r.frame)).toEqual(v.build());
    }
  });

  it('encodes what it decodes, field by field', () => {
    const frame: ArpFrame = {
      kind: 'arp',
      eth: { dst: '00:00:5e:00:53:02', src: MAC, etherType: 0x0806 },
      arp: { op: 2, senderMac: MAC, senderIp: VIP, targetMac: '00:00:5e:00:53:02', targetIp: '203.0.113.7' },
    };
    expect(decodeArpFrame(encodeArpFrame(frame))).toEqual({ ok: true, frame });
  });
});
