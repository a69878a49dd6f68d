import { describe, it, expect } from 'vitest';
import { createLogger, ManualClock } from '@ironlb/core';
import { arpFilter, ndpFilter } from '../packet/bpf.js';
import { buildArpRequest, buildGratuitousArpRequest } from '../packet/codec/arp-builders.js';
import { decodeFrame } from '../packet/codec/frame.js';
import { buildNeighborSolicitation } from '../packet/codec/ndp-builders.js';
import { createResponder, type ResponderDeps, type ResponderEvent } from './runtime.js';
import { FakeNetwork } from './test-support/fake-sockets.js';
import { CLIENT4, CLIENT6, CLIENT_MAC, ETH0_MAC, ETH1_MAC, FOREIGN_MAC, SPEAKER_B_MAC, VIP4, VIP6 } from './test-support/fixtures.js';

const ARP = 0x0806;
const IPV6 = 0x86dd;

function setup(overrides: Partial<ResponderDeps> = {}) {
  const clock = new ManualClock(1_000_000);
  const net = new FakeNetwork();
  net.ifaces.set('eth0', { mac: ETH0_MAC, hwType: 1 });
  net.ifaces.set('eth1', { mac: ETH1_MAC, hwType: 1 });
  const events: ResponderEvent[] = [];
  const responder = createResponder({ clock, openSocket: net.open, onEvent: (e) => events.push(e), random: () => 0, ...overrides });
  const purposes = (iface: string, protocol: number) =>
    (net.socket(iface, protocol)?.sent ?? []).map((f) => {
      const d = decodeFrame(f);
      return d.ok ? (d.frame.kind === 'arp' ? `arp op${d.frame.arp.op} ${d.frame.arp.senderIp}→${d.frame.eth.dst}` : `${d.frame.message.type} ${d.frame.message.target}→${d.frame.eth.dst}`) : d.reason;
    });
  return { clock, net, events, responder, purposes };
}

describe('responder runtime', () => {
  it('opens a filtered ARP socket, bursts on the clock, answers requests and counts like MetalLB', () => {
    const { clock, net, responder, purposes } = setup();
    responder.setEntries([{ ip: VIP4, iface: 'eth0' }]);
    const arp = net.socket('eth0', ARP)!;
    expect(arp.options.filter).toEqual(arpFilter());
    expect(net.socket('eth0', IPV6)).toBeUndefined();
    expect(purposes('eth0', ARP)).toEqual([`arp op1 ${VIP4}→ff:ff:ff:ff:ff:ff`, `arp op2 ${VIP4}→ff:ff:ff:ff:ff:ff`]);

    clock.advance(1100);
    expect(arp.sent).toHaveLength(4);
    clock.advance(3300);
    expect(arp.sent).toHaveLength(10); // 5 rounds of 2

    arp.deliver(buildArpRequest({ mac: CLIENT_MAC, senderIp: CLIENT4, targetIp: VIP4 }));
    arp.deliver(buildArpRequest({ mac: CLIENT_MAC, senderIp: CLIENT4, targetIp: '198.51.100.99' }));
    expect(purposes('eth0', ARP).at(-1)).toBe(`arp op2 ${VIP4}→${CLIENT_MAC}`);
    expect(responder.counters()).toEqual({
      perIp: { [VIP4]: { requestsReceived: 1, responsesSent: 1, gratuitousSent: 10, probesSent: 0, conflicts: 0 } },
      dropped: {},
      sendErrors: 0,
    });
    responder.close();
  });

  it('joins solicited-node groups on the NDP socket and leaves them on withdrawal, closing idle sockets', () => {
    const { clock, net, events, responder, purposes } = setup();
    responder.setEntries([{ ip: VIP6, iface: 'eth1' }, { ip: VIP4, iface: 'eth1' }]);
    const ndp = net.socket('eth1', IPV6)!;
    expect(ndp.options.filter).toEqual(ndpFilter());
    expect([...ndp.groups]).toEqual(['33:33:ff:00:00:10']);
    expect(purposes('eth1', IPV6)).toEqual([`na ${VIP6}→33:33:00:00:00:01`]);

    ndp.deliver(buildNeighborSolicitation({ mac: CLIENT_MAC, src: CLIENT6, target: VIP6, unicastTo: ETH1_MAC }));
    expect(purposes('eth1', IPV6).at(-1)).toBe(`na ${VIP6}→${CLIENT_MAC}`);

    responder.setEntries([{ ip: VIP4, iface: 'eth1' }]);
    expect(ndp.groups.size).toBe(0);
    expect(ndp.closed).toBe(true);
    expect(net.socket('eth1', ARP)?.closed).toBe(false);
    expect(events.filter((e) => e.kind === 'withdrawn')).toEqual([{ kind: 'withdrawn', family: 6, ip: VIP6, iface: 'eth1' }]);

    responder.setEntries([]);
    expect(net.sockets.every((s) => s.closed)).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
    const sent = (): number => net.sockets.reduce((n, s) => n + s.sent.length, 0);
    const before = sent();
    clock.advance(120_000);
    expect(sent()).toBe(before);
  });

  it('keeps entries waiting while their interface cannot be opened, and retries', () => {
    const { clock, net, events, responder } = setup({ socketRetryMs: 2000 });
    responder.setEntries([{ ip: VIP4, iface: 'eth9' }]);
    expect(responder.status()).toMatchObject([{ ip: VIP4, iface: 'eth9', phase: 'waiting-interface' }]);
    expect(events).toContainEqual(expect.objectContaining({ kind: 'socket-error', iface: 'eth9', error: expect.objectContaining({ errno: 'ENODEV' }) }));

    net.ifaces.set('eth9', { mac: '00:00:5e:00:53:09', hwType: 1 });
    clock.advance(2000);
    expect(responder.status()).toMatchObject([{ phase: 'announcing' }]);
    expect(net.socket('eth9', ARP)!.sent).toHaveLength(2);
    responder.close();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('refuses interfaces that are not Ethernet', () => {
    const { net, events, responder } = setup();
    net.ifaces.set('ib0', { mac: '00:00:00:00:00:00', hwType: 32 });
    responder.setEntries([{ ip: VIP4, iface: 'ib0' }]);
    expect(net.sockets[0]!.closed).toBe(true);
    expect(events).toContainEqual(expect.objectContaining({ kind: 'socket-error', iface: 'ib0', error: expect.objectContaining({ errno: 'EPROTONOSUPPORT' }) }));
    responder.close();
  });

  it('reports send failures and conflicts as events and counters', () => {
    const { net, events, responder } = setup();
    responder.setKnownSpeakerMacs([SPEAKER_B_MAC]);
    responder.setEntries([{ ip: VIP4, iface: 'eth0' }]);
    const arp = net.socket('eth0', ARP)!;
    arp.deliver(buildGratuitousArpRequest({ mac: SPEAKER_B_MAC, ip: VIP4 }));
    arp.failSends = true;
    arp.deliver(buildGratuitousArpRequest({ mac: FOREIGN_MAC, ip: VIP4 }));
    const conflicts = events.filter((e) => e.kind === 'conflict');
    expect(conflicts).toEqual([
      expect.objectContaining({ mac: SPEAKER_B_MAC, knownSpeaker: true, classification: 'split-view', defended: true }),
      expect.objectContaining({ mac: FOREIGN_MAC, knownSpeaker: false, classification: 'foreign-conflict', defended: false }),
    ]);
    expect(responder.counters().perIp[VIP4]).toMatchObject({ conflicts: 2, gratuitousSent: 4 });
    expect(events.filter((e) => e.kind === 'send-failed')).toEqual([]);
    arp.deliver(buildArpRequest({ mac: CLIENT_MAC, senderIp: CLIENT4, targetIp: VIP4 }));
    expect(events.at(-1)).toMatchObject({ kind: 'send-failed', purpose: 'arp-reply', error: expect.objectContaining({ errno: 'ENOBUFS' }) });
    expect(responder.counters()).toMatchObject({ sendErrors: 1, perIp: { [VIP4]: { requestsReceived: 1, responsesSent: 0 } } });
    responder.close();
  });

  it('logs with the shared vocabulary', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ component: 'speaker', level: 'debug', destination: { write: (s: string) => void lines.push(JSON.parse(s)) } });
    const { net, responder } = setup({ logger });
    responder.setEntries([{ ip: VIP4, iface: 'eth0' }]);
    net.socket('eth0', ARP)!.deliver(buildGratuitousArpRequest({ mac: FOREIGN_MAC, ip: VIP4 }));
    net.socket('eth0', ARP)!.deliver(Uint8Array.of(1, 2, 3));
    responder.close();
    const pick = (event: string) => lines.find((l) => l['event'] === event);
    expect(pick('announcing')).toMatchObject({ level: 'info', component: 'announcer', ip: VIP4, iface: 'eth0' });
    expect(pick('garpSent')).toMatchObject({ level: 'debug', ip: VIP4, trigger: 'takeover' });
    expect(pick('ipConflict')).toMatchObject({ level: 'warn', ip: VIP4, mac: FOREIGN_MAC, reason: 'foreign-conflict' });
    expect(pick('arpDropped')).toMatchObject({ level: 'debug', reason: 'truncated' });
    expect(pick('withdrawn')).toMatchObject({ level: 'info', ip: VIP4 });
  });

  it('rejects an invalid IP before touching any socket', () => {
    const { net, responder } = setup();
    expect(() => responder.setEntries([{ ip: VIP4, iface: 'eth0' }, { ip: 'bogus', iface: 'eth1' }])).toThrow(/not an IP address/);
    expect(net.sockets).toHaveLength(0);
    responder.close();
  });
});
