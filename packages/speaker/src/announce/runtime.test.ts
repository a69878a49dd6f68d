import { afterEach, beforeEach, describe, it, expect } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, ErrorCodes, ManualClock } from '@ironlb/core';
import { createSysfsInterfaceLister } from '../interfaces/sysfs-lister.js';
import type { InterfaceLister, NetInterface } from '../interfaces/types.js';
import type { OpenPacketSocket } from '../packet/packet-socket.js';
import { PacketSocketError } from '../packet/socket-error.js';
import { arpFilter, ndpFilter } from '../packet/bpf.js';
import { buildArpRequest, buildGratuitousArpRequest } from '../packet/codec/arp-builders.js';
import { decodeFrame } from '../packet/codec/frame.js';
import { buildNeighborSolicitation } from '../packet/codec/ndp-builders.js';
import { createResponder, type ResponderDeps, type ResponderEvent } from './runtime.js';
import { FakeNetwork, FakeSocket } from './test-support/fake-sockets.js';
import { CLIENT4, CLIENT6, CLIENT_MAC, ETH0_MAC, ETH1_MAC, FOREIGN_MAC, SPEAKER_B_MAC, VIP4, VIP6 } from './test-support/fixtures.js';

const ARP = 0x0806;
const IPV6 = 0x86dd;

function setup(overrides: Partial<ResponderDeps> = {}) {
  const clock = new ManualClock(1_000_000);
  const net = new FakeNetwork();
  net.ifaces.set('eth0', { mac: ETH0_MAC, hwType: 1 });
  net.ifaces.set('eth1', { mac: ETH1_MAC, hwType: 1 });
  const events: ResponderEvent[] = [];
  // The interface rescan has its own tests below (these fakes have no interface listing).
  const noRescan = { rescanIntervalMs: 0, interfaceLister: { list: () => Promise.reject(new Error('not listed in these tests')) } };
  const responder = createResponder({ clock, openSocket: net.open, onEvent: (e) => events.push(e), random: () => 0, ...noRescan, ...overrides });
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

  it('refuses interfaces that are not Ethernet once, and retries only when they or their entries change', async () => {
    const IB_MAC = '80:00:00:48:fe:80';
    let listing: NetInterface[] = [];
    const { clock, net, events, responder } = setup({ socketRetryMs: 5000, interfaceLister: { list: () => Promise.resolve(listing) } });
    net.ifaces.set('ib0', { mac: IB_MAC, hwType: 32 });
    const ibErrors = () => events.filter((e) => e.kind === 'socket-error' && e.iface === 'ib0');
    const ibOpens = () => net.sockets.filter((s) => s.iface === 'ib0').length;
    // eth9 does not exist yet, so the socket retry timer keeps running.
    responder.setEntries([{ ip: VIP4, iface: 'ib0' }, { ip: VIP6, iface: 'ib0' }, { ip: VIP4, iface: 'eth9' }]);
    expect(net.sockets[0]!.closed).toBe(true);
    expect(ibErrors()).toEqual([{ kind: 'socket-error', iface: 'ib0', family: 4, error: expect.objectContaining({ errno: 'EPROTONOSUPPORT' }) }]);
    expect(ibOpens()).toBe(1); // the IPv6 socket is not even tried

    clock.advance(60_000); // twelve socket retries
    expect([ibOpens(), ibErrors().length]).toEqual([1, 1]);
    responder.setEntries([{ ip: VIP6, iface: 'ib0' }, { ip: VIP4, iface: 'ib0' }, { ip: VIP4, iface: 'eth9' }]); // same entries
    const ifindex = net.sockets[0]!.ifindex;
    const ib = (over: Partial<NetInterface>): NetInterface => ({ name: 'ib0', ifindex, mac: IB_MAC, type: 32, flags: 0x1043, operstate: 'up', mtu: 2044, master: undefined, ...over });
    listing = [ib({})];
    await responder.rescanInterfaces(); // unchanged
    expect([ibOpens(), ibErrors().length]).toEqual([1, 1]);

    responder.setEntries([{ ip: VIP4, iface: 'ib0' }, { ip: VIP4, iface: 'eth9' }]); // its entries changed: one more try
    expect([ibOpens(), ibErrors().length]).toEqual([2, 2]);
    clock.advance(10_000);
    expect(ibOpens()).toBe(2);

    listing = [ib({ ifindex: ifindex + 10 })]; // replaced under the same name: try again
    await responder.rescanInterfaces();
    expect([ibOpens(), ibErrors().length]).toEqual([3, 3]);
    responder.close();
  });

  it('replaces a socket that reports it stopped receiving, keeping its groups and entries', () => {
    const { net, events, responder } = setup();
    responder.setEntries([{ ip: VIP6, iface: 'eth0' }, { ip: VIP4, iface: 'eth0' }]);
    const ndp = net.socket('eth0', IPV6)!;
    const arp = net.socket('eth0', ARP)!;
    const stopped = new PacketSocketError(ErrorCodes.SocketIo, 'receiving stopped', { errno: 'EIO', iface: 'eth0', syscall: 'poll', stopped: true });
    ndp.options.onError?.(stopped);
    expect(events).toContainEqual({ kind: 'socket-error', iface: 'eth0', family: 6, error: stopped });
    expect(ndp.closed).toBe(true);
    expect(arp.closed).toBe(false);
    const ndp2 = net.socket('eth0', IPV6)!;
    expect(ndp2).not.toBe(ndp);
    expect([...ndp2.groups]).toEqual(['33:33:ff:00:00:10']);
    expect(responder.status().map((s) => s.phase)).toEqual(['announcing', 'announcing']);
    ndp2.deliver(buildNeighborSolicitation({ mac: CLIENT_MAC, src: CLIENT6, target: VIP6 }));
    expect(ndp2.sent).toHaveLength(1); // the answer; no new burst for a mere socket swap
    ndp.options.onError?.(stopped); // a late report from the closed one changes nothing
    expect(net.socket('eth0', IPV6)).toBe(ndp2);
    // An ordinary receive error leaves the socket alone.
    arp.options.onError?.(new PacketSocketError(ErrorCodes.SocketIo, 'no buffer space', { errno: 'ENOBUFS', iface: 'eth0' }));
    expect(arp.closed).toBe(false);
    responder.close();
  });

  it("drops an IP's counters when its last entry is withdrawn, and keeps them while one remains", () => {
    const { net, responder } = setup();
    const ask = (iface: string) => net.socket(iface, ARP)!.deliver(buildArpRequest({ mac: CLIENT_MAC, senderIp: CLIENT4, targetIp: VIP4 }));
    responder.setEntries([{ ip: VIP4, iface: 'eth0' }, { ip: VIP4, iface: 'eth1' }, { ip: VIP6, iface: 'eth0' }]);
    ask('eth0');
    ask('eth1');
    expect(responder.counters().perIp[VIP4]).toMatchObject({ requestsReceived: 2, gratuitousSent: 4 });
    responder.setEntries([{ ip: VIP4, iface: 'eth1' }, { ip: VIP6, iface: 'eth0' }]); // one interface left: counts go on
    ask('eth1');
    expect(responder.counters().perIp[VIP4]).toMatchObject({ requestsReceived: 3, responsesSent: 3 });
    responder.setEntries([{ ip: VIP4, iface: 'eth0' }, { ip: VIP6, iface: 'eth0' }]); // moved in one call: still announced
    expect(responder.counters().perIp[VIP4]).toMatchObject({ requestsReceived: 3 });
    responder.setEntries([{ ip: VIP6, iface: 'eth0' }]);
    expect(Object.keys(responder.counters().perIp)).toEqual([VIP6]);
    responder.setEntries([{ ip: VIP4, iface: 'eth0' }]); // back again: a new series from 0
    expect(responder.counters().perIp[VIP4]).toEqual({ requestsReceived: 0, responsesSent: 0, gratuitousSent: 2, probesSent: 0, conflicts: 0 });
    expect(responder.counters().perIp[VIP6]).toBeUndefined();
    responder.close();
    expect(responder.counters().perIp).toEqual({});
  });

  it('reports send failures and conflicts as events and counters', () => {
    const { net, events, responder } = setup();
    responder.setKnownSpeakerMacs([SPEAKER_B_MAC]);
    responder.setEntries([{ ip: VIP4, iface: 'eth0' }]);
    const arp = net.socket('eth0', ARP)!;
    arp.deliver(buildGratuitousArpRequest({ mac: SPEAKER_B_MAC, ip: VIP4 }));
    arp.deliver(buildGratuitousArpRequest({ mac: FOREIGN_MAC, ip: VIP4 }));
    const conflicts = events.filter((e) => e.kind === 'conflict');
    expect(conflicts).toEqual([
      expect.objectContaining({ mac: SPEAKER_B_MAC, knownSpeaker: true, classification: 'split-view', defended: false }),
      expect.objectContaining({ mac: FOREIGN_MAC, knownSpeaker: false, classification: 'foreign-conflict', defended: true }),
    ]);
    expect(responder.counters().perIp[VIP4]).toMatchObject({ conflicts: 2, gratuitousSent: 4 }); // takeover round + one defence
    expect(events.filter((e) => e.kind === 'send-failed')).toEqual([]);
    arp.failSends = true;
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
    expect(pick('announcing')).toMatchObject({ level: 'info', component: 'speaker', subsystem: 'announcer', ip: VIP4, iface: 'eth0' });
    expect(pick('gratuitousSent')).toMatchObject({ level: 'debug', ip: VIP4, trigger: 'takeover' });
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

// A host whose "kernel" is a fake /sys/class/net tree: the real sysfs lister reads it, and
// opening a socket reads the interface's MAC and ifindex from it, as the addon's ioctls would.
class SysfsHost {
  readonly sockets: FakeSocket[] = [];
  readonly listed: Promise<unknown>[] = [];
  readonly lister: InterfaceLister;

  constructor(readonly root: string) {
    const sysfs = createSysfsInterfaceLister({ root });
    this.lister = {
      list: () => {
        const p = sysfs.list();
        this.listed.push(p);
        return p;
      },
    };
  }

  setLink(name: string, link: { ifindex?: number; mac?: string; up?: boolean; carrier?: boolean }): void {
    const dir = join(this.root, name);
    mkdirSync(dir, { recursive: true });
    const write = (f: string, v: string | number) => writeFileSync(join(dir, f), `${v}\n`);
    if (link.ifindex !== undefined) write('ifindex', link.ifindex);
    if (link.mac !== undefined) write('address', link.mac);
    write('type', 1);
    write('mtu', 1500);
    const up = link.up ?? true;
    // IFF_UP|IFF_BROADCAST|IFF_MULTICAST, plus IFF_RUNNING when the carrier is there.
    write('flags', `0x${(up ? 0x1003 | (link.carrier === false ? 0 : 0x40) : 0x1002).toString(16)}`);
    write('operstate', up && link.carrier !== false ? 'up' : up ? 'lowerlayerdown' : 'down');
  }

  removeLink(name: string): void {
    rmSync(join(this.root, name), { recursive: true, force: true });
  }

  readonly open: OpenPacketSocket = (options) => {
    const read = (f: string) => readFileSync(join(this.root, options.iface, f), 'utf8').trim();
    if (!existsSync(join(this.root, options.iface))) {
      throw new PacketSocketError(ErrorCodes.SocketOpen, `no such device ${options.iface}`, { errno: 'ENODEV', iface: options.iface });
    }
    const s = new FakeSocket(options, read('address'), 1, Number(read('ifindex')));
    this.sockets.push(s);
    return s;
  };

  socket(iface: string, protocol: number): FakeSocket | undefined {
    return this.sockets.find((s) => !s.closed && s.iface === iface && s.options.protocol === protocol);
  }

  /** Waits for the rescans started so far, and for the runtime to apply their results. */
  async settled(): Promise<void> {
    await Promise.allSettled(this.listed);
    await new Promise((r) => setImmediate(r));
  }
}

describe('responder runtime: interface rescan', () => {
  const NEW_MAC = '00:00:5e:00:53:0e';
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'ironlb-rescan-'));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  function setupHost(overrides: Partial<ResponderDeps> = {}) {
    const clock = new ManualClock(1_000_000);
    const host = new SysfsHost(root);
    host.setLink('eth0', { ifindex: 2, mac: ETH0_MAC });
    const events: ResponderEvent[] = [];
    const responder = createResponder({
      clock,
      openSocket: host.open,
      interfaceLister: host.lister,
      onEvent: (e) => events.push(e),
      random: () => 0,
      config: { burstCount: 2, reannounceIntervalMs: 0 },
      ...overrides,
    });
    const frames = (s: FakeSocket | undefined) =>
      (s?.sent ?? []).map((f) => {
        const d = decodeFrame(f);
        if (!d.ok) return d.reason;
        return d.frame.kind === 'arp' ? `arp op${d.frame.arp.op} ${d.frame.arp.senderMac}` : `${d.frame.message.type} ${d.frame.eth.src}`;
      });
    const linkEvents = () => events.filter((e) => e.kind.startsWith('interface-') || e.kind === 'rescan-failed');
    return { clock, host, events, responder, frames, linkEvents };
  }

  it('every 10 s: a link going down closes its sockets and parks its entries; up again reopens them with a fresh burst', async () => {
    const { clock, host, responder, frames, linkEvents, events } = setupHost();
    responder.setEntries([{ ip: VIP4, iface: 'eth0' }, { ip: VIP6, iface: 'eth0' }]);
    const arp = host.socket('eth0', ARP)!;
    const ndp = host.socket('eth0', IPV6)!;
    clock.advance(1100); // the burst's second round; nothing left scheduled but the rescan
    expect(frames(arp)).toHaveLength(4);

    host.setLink('eth0', { up: false });
    clock.advance(8899);
    expect(host.listed).toHaveLength(0);
    clock.advance(1);
    expect(host.listed).toHaveLength(1);
    await host.settled();
    expect(linkEvents()).toEqual([{ kind: 'interface-down', iface: 'eth0', reason: 'down' }]);
    expect(arp.closed && ndp.closed).toBe(true);
    expect(responder.status().map((s) => s.phase)).toEqual(['waiting-interface', 'waiting-interface']);

    // Still down: no event repeated, and setEntries does not reopen on a down link.
    clock.advance(10_000);
    await host.settled();
    responder.setEntries([{ ip: VIP4, iface: 'eth0' }, { ip: VIP6, iface: 'eth0' }]);
    expect(linkEvents()).toHaveLength(1);
    expect(host.sockets.filter((s) => !s.closed)).toEqual([]);

    host.setLink('eth0', { carrier: false });
    clock.advance(10_000);
    await host.settled();
    expect(host.sockets.filter((s) => !s.closed)).toEqual([]);

    host.setLink('eth0', {});
    const before = events.length;
    clock.advance(10_000);
    await host.settled();
    expect(linkEvents().slice(1)).toEqual([{ kind: 'interface-up', iface: 'eth0', mac: ETH0_MAC }]);
    const arp2 = host.socket('eth0', ARP)!;
    const ndp2 = host.socket('eth0', IPV6)!;
    expect(arp2).not.toBe(arp);
    expect([...ndp2.groups]).toEqual(['33:33:ff:00:00:10']);
    expect(frames(arp2)).toEqual([`arp op1 ${ETH0_MAC}`, `arp op2 ${ETH0_MAC}`]);
    expect(frames(ndp2)).toEqual([`na ${ETH0_MAC}`]);
    expect(events.slice(before).filter((e) => e.kind === 'sent').map((e) => e.kind === 'sent' && e.trigger)).toEqual(['takeover', 'takeover', 'takeover']);
    clock.advance(1100);
    expect(frames(arp2)).toHaveLength(4); // the rest of the burst follows on the clock
    responder.close();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a MAC change reopens the sockets, keeps the groups and announces the new MAC', async () => {
    const { host, responder, frames, linkEvents, events } = setupHost();
    responder.setEntries([{ ip: VIP4, iface: 'eth0' }, { ip: VIP6, iface: 'eth0' }]);
    const arp = host.socket('eth0', ARP)!;
    host.setLink('eth0', { mac: NEW_MAC });
    const before = events.length;
    await responder.rescanInterfaces(); // on demand, no clock needed

    expect(linkEvents()).toEqual([{ kind: 'interface-changed', iface: 'eth0', mac: NEW_MAC, previousMac: ETH0_MAC, ifindex: 2, previousIfindex: 2 }]);
    expect(arp.closed).toBe(true);
    const arp2 = host.socket('eth0', ARP)!;
    const ndp2 = host.socket('eth0', IPV6)!;
    expect(arp2.mac).toBe(NEW_MAC);
    expect([...ndp2.groups]).toEqual(['33:33:ff:00:00:10']);
    expect(frames(arp2)).toEqual([`arp op1 ${NEW_MAC}`, `arp op2 ${NEW_MAC}`]);
    expect(frames(ndp2)).toEqual([`na ${NEW_MAC}`]);
    const after = events.slice(before);
    expect(after.filter((e) => e.kind === 'sent').map((e) => e.kind === 'sent' && e.trigger)).toEqual(['mac-change', 'mac-change', 'mac-change']);
    // One interface with a new MAC, not a withdrawal and a takeover.
    expect(after.filter((e) => e.kind === 'withdrawn' || e.kind === 'announcing')).toEqual([]);

    // Frames from the old MAC are no longer ours: another host now claims the IP.
    arp2.deliver(buildGratuitousArpRequest({ mac: ETH0_MAC, ip: VIP4 }));
    expect(events.at(-1)).toMatchObject({ kind: 'conflict', mac: ETH0_MAC });
    responder.close();
  });

  it('an interface replaced under the same name (new ifindex) gets new sockets', async () => {
    const { host, responder, linkEvents } = setupHost();
    responder.setEntries([{ ip: VIP4, iface: 'eth0' }]);
    const arp = host.socket('eth0', ARP)!;
    host.removeLink('eth0');
    host.setLink('eth0', { ifindex: 7, mac: ETH0_MAC });
    await responder.rescanInterfaces();
    expect(linkEvents()).toEqual([{ kind: 'interface-changed', iface: 'eth0', mac: ETH0_MAC, previousMac: ETH0_MAC, ifindex: 7, previousIfindex: 2 }]);
    expect(arp.closed).toBe(true);
    expect(host.socket('eth0', ARP)!.ifindex).toBe(7);
    responder.close();
  });

  it('a vanished interface closes its sockets; the socket retry brings it back with a burst', async () => {
    const { clock, host, responder, frames, linkEvents } = setupHost({ socketRetryMs: 2000 });
    responder.setEntries([{ ip: VIP4, iface: 'eth0' }]);
    host.removeLink('eth0');
    await responder.rescanInterfaces();
    expect(linkEvents()).toEqual([{ kind: 'interface-down', iface: 'eth0', reason: 'gone' }]);
    expect(host.sockets.every((s) => s.closed)).toBe(true);
    expect(responder.status()[0]!.phase).toBe('waiting-interface');

    host.setLink('eth0', { ifindex: 9, mac: ETH0_MAC });
    clock.advance(2000);
    expect(linkEvents().at(-1)).toEqual({ kind: 'interface-up', iface: 'eth0', mac: ETH0_MAC });
    expect(frames(host.socket('eth0', ARP))).toEqual([`arp op1 ${ETH0_MAC}`, `arp op2 ${ETH0_MAC}`]);
    await responder.rescanInterfaces();
    expect(linkEvents()).toHaveLength(2); // the rescan agrees; nothing reported twice
    responder.close();
  });

  it('rescans at once when a socket reports ENETDOWN, so a short flap still ends with a burst', async () => {
    const { clock, host, responder, linkEvents } = setupHost();
    responder.setEntries([{ ip: VIP4, iface: 'eth0' }]);
    const arp = host.socket('eth0', ARP)!;
    host.setLink('eth0', { up: false });
    arp.options.onError?.(new PacketSocketError(ErrorCodes.SocketIo, 'Network is down', { errno: 'ENETDOWN', iface: 'eth0' }));
    await host.settled();
    expect(linkEvents()).toEqual([{ kind: 'interface-down', iface: 'eth0', reason: 'down' }]);
    host.setLink('eth0', {});
    clock.advance(10_000);
    await host.settled();
    expect(linkEvents().at(-1)).toMatchObject({ kind: 'interface-up' });
    expect(host.socket('eth0', ARP)!.sent).toHaveLength(2);
    responder.close();
  });

  it('rescans only while entries exist, reports a failed listing and keeps its view', async () => {
    const host = new SysfsHost(root);
    host.setLink('eth0', { ifindex: 2, mac: ETH0_MAC });
    const clock = new ManualClock(0);
    let fail = false;
    const interfaceLister: InterfaceLister = { list: () => (fail ? Promise.reject(new Error('EACCES /sys')) : host.lister.list()) };
    const events: ResponderEvent[] = [];
    const quiet = { burstCount: 1, reannounceIntervalMs: 0 };
    const r = createResponder({ clock, openSocket: host.open, interfaceLister, onEvent: (e) => events.push(e), rescanIntervalMs: 5000, config: quiet });
    expect(clock.pendingTimers()).toBe(0);
    r.setEntries([{ ip: VIP4, iface: 'eth0' }]);
    expect(clock.pendingTimers()).toBe(1); // the rescan, nothing else with this config

    fail = true;
    clock.advance(5000);
    await new Promise((res) => setImmediate(res));
    expect(events.filter((e) => e.kind === 'rescan-failed')).toEqual([{ kind: 'rescan-failed', error: expect.objectContaining({ message: 'EACCES /sys' }) }]);
    expect(r.status()[0]!.phase).toBe('announcing');
    expect(clock.pendingTimers()).toBe(1); // re-armed after the failure

    r.setEntries([]);
    expect(clock.pendingTimers()).toBe(0);
    r.close();

    const off = createResponder({ clock, openSocket: host.open, interfaceLister, rescanIntervalMs: 0, config: quiet });
    off.setEntries([{ ip: VIP4, iface: 'eth0' }]);
    expect(clock.pendingTimers()).toBe(0);
    off.close();
  });
});
