import { describe, it, expect } from 'vitest';
import { arpFilter, Bpf, ndpFilter, type BpfInstruction } from './bpf.js';
import { buildGratuitousArpRequest } from './codec/arp-builders.js';
import { buildNeighborSolicitation, buildUnsolicitedNeighborAdvertisement } from './codec/ndp-builders.js';
import { encodeNdpFrame } from './codec/ndp.js';

/** Just enough of the classic-BPF machine (linux/filter.h semantics) for our programs. */
function run(program: readonly BpfInstruction[], packet: Uint8Array): number {
  let a = 0;
  for (let pc = 0; pc < program.length; pc++) {
    const { code, jt, jf, k } = program[pc]!;
    switch (code) {
      case Bpf.LD_H_ABS:
        if (k + 2 > packet.length) return 0; // out-of-bounds loads drop the packet
        a = (packet[k]! << 8) | packet[k + 1]!;
        break;
      case Bpf.LD_B_ABS:
        if (k + 1 > packet.length) return 0;
        a = packet[k]!;
        break;
      case Bpf.JEQ_K:
        pc += a === k ? jt : jf;
        break;
      case Bpf.RET_K:
        return k;
      default:
        throw new Error(`opcode ${code} not modelled`);
    }
  }
  throw new Error('fell off the end of the program');
}

const MAC = '00:00:5e:00:53:01';
const echoRequest = (() => {
  const f = buildUnsolicitedNeighborAdvertisement({ mac: MAC, ip: '2001:db8::10' });
  f[54] = 128;
  return f;
})();
const udp = (() => {
  const f = buildUnsolicitedNeighborAdvertisement({ mac: MAC, ip: '2001:db8::10' });
  f[20] = 17;
  return f;
})();
const ipv4 = (() => {
  const f = buildGratuitousArpRequest({ mac: MAC, ip: '198.51.100.10' });
  f[12] = 0x08;
  f[13] = 0x00;
  return f;
})();

describe('BPF filters', () => {
  it.each([
    ['gratuitous ARP', buildGratuitousArpRequest({ mac: MAC, ip: '198.51.100.10' }), true, false],
    ['NS', buildNeighborSolicitation({ mac: MAC, src: '2001:db8::20', target: '2001:db8::10' }), false, true],
    ['NA', buildUnsolicitedNeighborAdvertisement({ mac: MAC, ip: '2001:db8::10' }), false, true],
    [
      'NA without options',
      encodeNdpFrame({
        eth: { dst: MAC, src: MAC },
        ip6: { src: '::1', dst: '::1', hopLimit: 255 },
        message: { type: 'na', router: false, solicited: false, override: false, target: '::1' },
      }),
      false,
      true,
    ],
    ['ICMPv6 echo request', echoRequest, false, false],
    ['IPv6 UDP', udp, false, false],
    ['IPv4', ipv4, false, false],
    ['runt', new Uint8Array(10), false, false],
    ['IPv6 header cut short', buildNeighborSolicitation({ mac: MAC, src: '2001:db8::20', target: '2001:db8::10' }).slice(0, 30), false, false],
  ])('%s: arp=%s ndp=%s', (_name, frame, arp, ndp) => {
    expect(run(arpFilter(), frame) > 0).toBe(arp);
    expect(run(ndpFilter(), frame) > 0).toBe(ndp);
  });

  it('never jumps past the end', () => {
    for (const program of [arpFilter(), ndpFilter()]) {
      program.forEach((ins, pc) => {
        if (ins.code === Bpf.JEQ_K) {
          expect(pc + 1 + ins.jt).toBeLessThan(program.length);
          expect(pc + 1 + ins.jf).toBeLessThan(program.length);
        }
      });
      expect(program.at(-1)!.code).toBe(Bpf.RET_K);
    }
  });
});
