// Run inside a fresh, anonymous network namespace (`unshare -n`), never elsewhere: builds a
// veth pair, runs the real responder on one end and a raw-socket "client" on the other,
// and prints what the client saw as one JSON line. Documentation addresses only.
import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '@ironlb/core';
import { createResponder } from '../../announce/runtime.js';
import { arpFilter, ndpFilter } from '../bpf.js';
import { buildArpRequest } from '../codec/arp-builders.js';
import { decodeFrame } from '../codec/frame.js';
import { buildNeighborSolicitation } from '../codec/ndp-builders.js';
import { nativeStats, openPacketSocket } from '../native-socket.js';

// The caller passes its own namespace; refuse to touch it.
const parentNetns = process.env['IRONLB_PARENT_NETNS'];
if (!parentNetns || readlinkSync('/proc/self/ns/net') === parentNetns) throw new Error('refusing to run outside a private network namespace');

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });
const SPEAKER_MAC = '00:00:5e:00:53:0a';
const CLIENT_MAC = '00:00:5e:00:53:0b';
ip('link', 'add', 'spk0', 'address', SPEAKER_MAC, 'type', 'veth', 'peer', 'name', 'cli0', 'address', CLIENT_MAC);
ip('link', 'set', 'spk0', 'up');
ip('link', 'set', 'cli0', 'up');

const seen: string[] = [];
const record = (frame: Uint8Array): void => {
  const d = decodeFrame(frame);
  if (!d.ok) return;
  const f = d.frame;
  if (f.kind === 'arp') seen.push(`arp op${f.arp.op} ${f.arp.senderIp} ${f.arp.senderMac}→${f.eth.dst}`);
  else if (f.message.type === 'na') seen.push(`na ${f.message.target} ${f.message.targetLinkLayer}→${f.eth.dst} S=${f.message.solicited} O=${f.message.override}`);
};
const arp = openPacketSocket({ iface: 'cli0', protocol: 0x0806, filter: arpFilter(), onFrame: record });
const ndp = openPacketSocket({ iface: 'cli0', protocol: 0x86dd, filter: ndpFilter(), onFrame: record });

const responder = createResponder({ clock: systemClock, openSocket: openPacketSocket, config: { burstCount: 1 } });
responder.setEntries([
  { ip: '198.51.100.10', iface: 'spk0' },
  { ip: '2001:db8::10', iface: 'spk0' },
]);
await sleep(100);
arp.send(buildArpRequest({ mac: CLIENT_MAC, senderIp: '198.51.100.20', targetIp: '198.51.100.10' }));
ndp.send(buildNeighborSolicitation({ mac: CLIENT_MAC, src: '2001:db8::20', target: '2001:db8::10' }));
ndp.send(buildNeighborSolicitation({ mac: CLIENT_MAC, src: '2001:db8::20', target: '2001:db8::10', unicastTo: SPEAKER_MAC }));
await sleep(300);
const announced = [...seen];
seen.length = 0;
// Read before the withdrawal: a withdrawn IP's counters are dropped with it.
const counters = responder.counters();

responder.setEntries([]);
arp.send(buildArpRequest({ mac: CLIENT_MAC, senderIp: '198.51.100.20', targetIp: '198.51.100.10' }));
ndp.send(buildNeighborSolicitation({ mac: CLIENT_MAC, src: '2001:db8::20', target: '2001:db8::10' }));
await sleep(300);
const afterWithdrawal = [...seen];

responder.close();
arp.close();
ndp.close();
for (let i = 0; i < 100 && (nativeStats().liveSockets > 0 || nativeStats().pendingCloses > 0); i++) await sleep(10);
console.log(JSON.stringify({ announced, afterWithdrawal, counters, native: nativeStats() }));
