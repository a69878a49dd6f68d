// Prints how fast the speaker's packet layer is, in-process and without a network:
// decoding ARP and NDP frames, and the announcer answering requests with many owned IPs.
// A benchmark prints figures; it asserts nothing.
//   npx tsx --conditions=ironlb-source bench/arp-responder.ts [--json]
import {
  Announcer,
  buildArpRequest,
  buildGratuitousArpRequest,
  buildNeighborSolicitation,
  buildUnsolicitedNeighborAdvertisement,
  decodeFrame,
} from '@ironlb/speaker';

const OWNED = 1000;
const results: Record<string, number> = {};
const CLIENT_MAC = '00:00:5e:00:53:aa';

function measure(name: string, iterations: number, fn: (i: number) => unknown): void {
  for (let i = 0; i < Math.min(iterations, 10_000); i++) fn(i); // warm up the JIT
  const start = performance.now();
  for (let i = 0; i < iterations; i++) fn(i);
  const ms = performance.now() - start;
  const perOp = (ms * 1000) / iterations;
  results[`${name} (µs/op)`] = Number(perOp.toFixed(3));
  console.log(`${name.padEnd(48)} ${perOp.toFixed(2).padStart(8)} µs/op ${Math.round(iterations / (ms / 1000)).toLocaleString('en').padStart(12)} ops/s`);
}

const v4 = (i: number): string => `198.51.${100 + (i >> 8)}.${i & 0xff}`;
const v6 = (i: number): string => `2001:db8::${(0x1000 + i).toString(16)}`;

const garp = buildGratuitousArpRequest({ mac: '00:00:5e:00:53:01', ip: '198.51.100.10' });
const una = buildUnsolicitedNeighborAdvertisement({ mac: '00:00:5e:00:53:01', ip: '2001:db8::10' });
measure('decode gratuitous ARP', 500_000, () => decodeFrame(garp));
measure('decode unsolicited NA (checksum verified)', 500_000, () => decodeFrame(una));

const m = new Announcer({ config: { reannounceIntervalMs: 0 } });
m.setInterfaces([{ name: 'eth0', mac: '00:00:5e:00:53:01' }], 0);
m.setEntries(
  Array.from({ length: OWNED }, (_, i) => [
    { ip: v4(i), iface: 'eth0' },
    { ip: v6(i), iface: 'eth0' },
  ]).flat(),
  0,
);
const arpRequests = Array.from({ length: OWNED }, (_, i) => buildArpRequest({ mac: CLIENT_MAC, senderIp: '203.0.113.1', targetIp: v4(i) }));
const foreignRequests = Array.from({ length: OWNED }, (_, i) => buildArpRequest({ mac: CLIENT_MAC, senderIp: '203.0.113.1', targetIp: `203.0.113.${i & 0xff}` }));
const solicitations = Array.from({ length: OWNED }, (_, i) => buildNeighborSolicitation({ mac: CLIENT_MAC, src: '2001:db8::1', target: v6(i) }));
measure(`answer ARP request (${OWNED} owned IPv4)`, 100_000, (i) => m.handleFrame('eth0', arpRequests[i % OWNED]!, 1));
measure('ignore ARP request for a foreign IP', 100_000, (i) => m.handleFrame('eth0', foreignRequests[i % OWNED]!, 1));
measure(`answer NS (${OWNED} owned IPv6)`, 50_000, (i) => m.handleFrame('eth0', solicitations[i % OWNED]!, 1));

// One takeover of every entry at once (what a node does when it inherits all IPs), and one
// burst round for all of them: each sends its frames, so this is frame building in bulk.
const everything = Array.from({ length: OWNED }, (_, i) => [
  { ip: v4(i), iface: 'eth0' },
  { ip: v6(i), iface: 'eth0' },
]).flat();
const fresh = new Announcer();
fresh.setInterfaces([{ name: 'eth0', mac: '00:00:5e:00:53:01' }], 0);
let start = performance.now();
const takeover = fresh.setEntries(everything, 0).filter((a) => a.kind === 'send').length;
results[`takeover of ${everything.length} entries (ms)`] = Number((performance.now() - start).toFixed(1));
console.log(`takeover of ${everything.length} entries: ${takeover} frames in ${(performance.now() - start).toFixed(1)} ms`);
start = performance.now();
const round = fresh.tick(1100).filter((a) => a.kind === 'send').length;
results[`burst round for ${everything.length} entries (ms)`] = Number((performance.now() - start).toFixed(1));
console.log(`burst round for ${everything.length} entries: ${round} frames in ${(performance.now() - start).toFixed(1)} ms`);
if (process.argv.includes('--json')) console.log(JSON.stringify(results));
