// The adapter around the pure Announcer: one ARP and one NDP packet socket per interface
// that has entries of that family, a real (or manual) Clock for the schedule, counters,
// logs and events. Sockets come from the injected OpenPacketSocket port, so this file never
// touches the addon and tests drive it with fakes and a ManualClock. A periodic (and
// on-demand) interface rescan through the injected lister notices links going down and up
// and MACs changing, reopens sockets and re-announces.
import { ErrorCodes, IronlbError, LogFields, type Clock, type Logger, type TimerHandle } from '@ironlb/core';
import { isLinkEvent, linkDownReason, logLinkEvent, type LinkEvent } from '../interfaces/link-state.js';
import { createSysfsInterfaceLister } from '../interfaces/sysfs-lister.js';
import type { InterfaceLister, NetInterface } from '../interfaces/types.js';
import { arpFilter, ndpFilter } from '../packet/bpf.js';
import { canonicalIp, type IpFamily } from '../packet/codec/ip.js';
import type { MacAddress } from '../packet/codec/mac.js';
import type { OpenPacketSocket, PacketSocket } from '../packet/packet-socket.js';
import { PacketSocketError } from '../packet/socket-error.js';
import { Announcer } from './announcer.js';
import type { AnnouncerConfigInput } from './config.js';
import { AnnounceCounters, type CounterSnapshot } from './counters.js';
import { logAnnouncerEvent } from './log-events.js';
import type { AnnouncerAction, AnnouncerEvent, DesiredEntry, EntryStatus, FramePurpose, InterfaceView, SendAction } from './types.js';

const ARPHRD_ETHER = 1;

export type ResponderEvent =
  | AnnouncerEvent
  | { readonly kind: 'sent'; readonly iface: string; readonly family: IpFamily; readonly ip: string; readonly purpose: FramePurpose; readonly trigger?: SendAction['trigger'] }
  | { readonly kind: 'send-failed'; readonly iface: string; readonly family: IpFamily; readonly ip: string; readonly purpose: FramePurpose; readonly error: unknown }
  | { readonly kind: 'socket-opened'; readonly iface: string; readonly family: IpFamily; readonly mac: MacAddress; readonly ifindex: number }
  /**
   * Opening failed (retried every socketRetryMs; a non-Ethernet interface is reported once
   * and retried only when it or its entries change), or a receive error on an open socket
   * (one with `stopped: true` is closed and reopened at once).
   */
  | { readonly kind: 'socket-error'; readonly iface: string; readonly family: IpFamily; readonly error: unknown }
  | LinkEvent;

export interface ResponderDeps {
  readonly clock: Clock;
  readonly openSocket: OpenPacketSocket;
  readonly logger?: Logger;
  readonly config?: AnnouncerConfigInput;
  readonly random?: () => number;
  readonly onEvent?: (event: ResponderEvent) => void;
  /** How often to retry sockets that could not be opened (interface not there yet…). Default 5 s. */
  readonly socketRetryMs?: number;
  /**
   * Lists the node's interfaces for the rescan. Default: /sys/class/net, which shows the
   * network namespace sysfs was mounted in (right for hostNetwork pods and `ip netns exec`).
   */
  readonly interfaceLister?: InterfaceLister;
  /** How often to rescan the interfaces that have entries. Default 10 s; 0 turns the periodic rescan off. */
  readonly rescanIntervalMs?: number;
}

export interface Responder {
  /** The complete set of (ip, iface) this node must answer for; replaces the previous set. */
  setEntries(entries: readonly DesiredEntry[]): void;
  /** MACs of the other speakers, to tell split views from foreign conflicts. */
  setKnownSpeakerMacs(macs: Iterable<MacAddress>): void;
  status(): EntryStatus[];
  counters(): CounterSnapshot;
  /**
   * Lists interfaces now (the periodic rescan does the same): an interface with entries
   * that went down or vanished gets its sockets closed and its entries wait; one that came
   * back, or changed MAC or ifindex, gets fresh sockets and a fresh gratuitous burst. A
   * call made while a rescan runs starts another one after it. A failed listing is
   * reported as a 'rescan-failed' event, not as a rejection.
   */
  rescanInterfaces(): Promise<void>;
  /** Withdraws everything, cancels timers and closes the sockets. */
  close(): void;
}

interface IfaceSockets {
  4?: PacketSocket;
  6?: PacketSocket;
}

export function createResponder(deps: ResponderDeps): Responder {
  return new ResponderRuntime(deps);
}

class ResponderRuntime implements Responder {
  readonly #deps: ResponderDeps;
  readonly #log: Logger | undefined;
  readonly #machine: Announcer;
  readonly #counters = new AnnounceCounters();
  readonly #sockets = new Map<string, IfaceSockets>();
  /** Multicast groups the machine wants per interface, replayed when an NDP socket (re)opens. */
  readonly #groups = new Map<string, Set<MacAddress>>();
  #wanted = new Map<string, Set<IpFamily>>();
  #timer: TimerHandle | undefined;
  #timerAt: number | undefined;
  #retry: TimerHandle | undefined;
  #closed = false;
  readonly #lister: InterfaceLister;
  #rescanTimer: TimerHandle | undefined;
  #scanning: Promise<void> | undefined;
  #scanAgain: Promise<void> | undefined;
  /**
   * Interfaces the last rescan found down or gone. Down ones are not reopened until a
   * rescan sees them up (an AF_PACKET socket opens fine on a down link, and we would then
   * announce into the void); gone ones fail to open by themselves.
   */
  readonly #linkDown = new Map<string, 'down' | 'link-down' | 'gone'>();
  /**
   * Interfaces whose socket showed a non-Ethernet ARPHRD type, with the ifindex and MAC
   * seen then. They are not reopened (nor reported again) by the socket retry: that would
   * fail the same way every socketRetryMs forever. A rescan that sees another ifindex or
   * MAC under the name, or a change of the interface's entries (`entries`: their IPs then,
   * see #entrySignature), tries once more.
   */
  readonly #notEthernet = new Map<string, { ifindex: number; mac: MacAddress; entries: string }>();
  /** The desired entries of the last setEntries. */
  #desired: readonly DesiredEntry[] = [];

  constructor(deps: ResponderDeps) {
    this.#deps = deps;
    this.#log = deps.logger?.child({ [LogFields.subsystem]: 'announcer' });
    this.#machine = new Announcer({ ...(deps.config ? { config: deps.config } : {}), ...(deps.random ? { random: deps.random } : {}) });
    this.#lister = deps.interfaceLister ?? createSysfsInterfaceLister();
  }

  setEntries(entries: readonly DesiredEntry[]): void {
    if (this.#closed) throw new Error('responder is closed');
    const wanted = new Map<string, Set<IpFamily>>();
    for (const e of entries) {
      const family = canonicalIp(e.ip)?.family;
      // Reject before any socket opens or any entry changes.
      if (family === undefined) throw new IronlbError(ErrorCodes.InvalidAddress, `not an IP address: ${JSON.stringify(e.ip)} (interface ${e.iface})`);
      let set = wanted.get(e.iface);
      if (!set) wanted.set(e.iface, (set = new Set()));
      set.add(family);
    }
    this.#desired = [...entries];
    for (const [iface, seen] of this.#notEthernet) {
      if (this.#entrySignature(iface) !== seen.entries) this.#notEthernet.delete(iface);
    }
    // Open what is newly needed first, so new entries start on live sockets; withdraw
    // next, while the sockets of withdrawn entries can still leave their groups; close last.
    const previous = this.#wanted;
    this.#wanted = new Map([...previous, ...wanted]);
    this.#openMissing();
    this.#run(this.#machine.setEntries(entries, this.#now()));
    this.#wanted = wanted;
    this.#closeUnwanted();
    for (const iface of [...this.#linkDown.keys(), ...this.#groups.keys(), ...this.#notEthernet.keys()]) {
      if (wanted.has(iface) || this.#sockets.has(iface)) continue;
      this.#linkDown.delete(iface);
      this.#groups.delete(iface);
      this.#notEthernet.delete(iface);
    }
    this.#armRescan();
  }

  setKnownSpeakerMacs(macs: Iterable<MacAddress>): void {
    this.#machine.setKnownSpeakerMacs(macs);
  }

  status(): EntryStatus[] {
    return this.#machine.status();
  }

  counters(): CounterSnapshot {
    return this.#counters.snapshot();
  }

  rescanInterfaces(): Promise<void> {
    if (!this.#scanning) {
      this.#scanning = this.#rescan().finally(() => (this.#scanning = undefined));
      return this.#scanning;
    }
    // One is running and may have listed before the caller's change: one more after it
    // answers for now, shared by everyone who asks meanwhile.
    this.#scanAgain ??= this.#scanning
      .catch(() => undefined)
      .then(() => {
        this.#scanAgain = undefined;
        return this.rescanInterfaces();
      });
    return this.#scanAgain;
  }

  close(): void {
    if (this.#closed) return;
    this.#run(this.#machine.setEntries([], this.#now()));
    this.#closed = true;
    this.#timer?.cancel();
    this.#retry?.cancel();
    this.#rescanTimer?.cancel();
    this.#rescanTimer = undefined;
    this.#wanted = new Map();
    this.#closeUnwanted();
  }

  #now(): number {
    return this.#deps.clock.monotonic();
  }

  #emit(event: ResponderEvent): void {
    if (this.#log) {
      if (isLinkEvent(event)) logLinkEvent(this.#log, event);
      else logAnnouncerEvent(this.#log, event);
    }
    this.#deps.onEvent?.(event);
  }

  /** The periodic rescan runs only while some interface has entries. */
  #armRescan(): void {
    const every = this.#deps.rescanIntervalMs ?? 10_000;
    if (this.#wanted.size === 0) {
      this.#rescanTimer?.cancel();
      this.#rescanTimer = undefined;
      return;
    }
    if (every <= 0 || this.#closed || this.#rescanTimer) return;
    this.#rescanTimer = this.#deps.clock.setTimer(every, () => {
      this.#rescanTimer = undefined;
      this.rescanInterfaces()
        .catch((err: unknown) => this.#log?.error({ [LogFields.err]: err }, 'interface rescan failed'))
        .finally(() => this.#armRescan());
    });
  }

  async #rescan(): Promise<void> {
    if (this.#closed || this.#wanted.size === 0) return;
    let listing: NetInterface[];
    try {
      listing = await this.#lister.list([...this.#wanted.keys()]);
    } catch (error) {
      if (!this.#closed) this.#emit({ kind: 'rescan-failed', error });
      return;
    }
    // Entries or the responder may have changed while we listed; apply to what is now.
    if (!this.#closed) this.#applyListing(listing);
  }

  #applyListing(listing: readonly NetInterface[]): void {
    const byName = new Map(listing.map((l) => [l.name, l]));
    let dropped = false;
    for (const iface of this.#wanted.keys()) {
      const link = byName.get(iface);
      const seen = this.#notEthernet.get(iface);
      if (seen && link && (link.ifindex !== seen.ifindex || link.mac.toLowerCase() !== seen.mac.toLowerCase())) this.#notEthernet.delete(iface);
      const reason = linkDownReason(link);
      const open = this.#sockets.get(iface);
      const socket = open?.[4] ?? open?.[6];
      if (reason !== undefined) {
        const known = this.#linkDown.get(iface);
        this.#linkDown.set(iface, reason);
        if (socket) {
          this.#closeSockets(iface);
          dropped = true;
        }
        if (socket || (known === undefined && reason !== 'gone')) this.#emit({ kind: 'interface-down', iface, reason });
        continue;
      }
      if (this.#linkDown.delete(iface)) {
        this.#emit({ kind: 'interface-up', iface, mac: link!.mac });
      } else if (socket && (socket.mac.toLowerCase() !== link!.mac.toLowerCase() || socket.ifindex !== link!.ifindex)) {
        // Reopen before telling the machine, so it sees one interface with a new MAC (a
        // 'mac-change' burst) and the NDP socket rejoins the groups it held.
        this.#closeSockets(iface);
        dropped = true;
        this.#emit({ kind: 'interface-changed', iface, mac: link!.mac, previousMac: socket.mac, ifindex: link!.ifindex, previousIfindex: socket.ifindex });
      }
    }
    this.#openMissing(dropped);
  }

  /** Closes an interface's sockets but keeps its multicast groups, for a reopened socket to rejoin. */
  #closeSockets(iface: string): void {
    const slot = this.#sockets.get(iface);
    slot?.[4]?.close();
    slot?.[6]?.close();
    this.#sockets.delete(iface);
  }

  #openMissing(publish = false): void {
    let changed = publish;
    let missing = false;
    for (const [iface, families] of this.#wanted) {
      const down = this.#linkDown.get(iface);
      if (down === 'down' || down === 'link-down') continue;
      for (const family of families) {
        if (this.#notEthernet.has(iface)) break;
        const slot = this.#sockets.get(iface) ?? {};
        if (slot[family]) continue;
        const socket = this.#open(iface, family);
        if (!socket) {
          missing = true;
          continue;
        }
        slot[family] = socket;
        this.#sockets.set(iface, slot);
        changed = true;
        if (this.#linkDown.get(iface) === 'gone') {
          // It came back before the next rescan noticed: the socket-retry timer found it.
          this.#linkDown.delete(iface);
          this.#emit({ kind: 'interface-up', iface, mac: socket.mac });
        }
      }
    }
    if (changed) this.#publishInterfaces();
    if (missing && !this.#retry && !this.#closed) {
      this.#retry = this.#deps.clock.setTimer(this.#deps.socketRetryMs ?? 5000, () => {
        this.#retry = undefined;
        if (!this.#closed) this.#openMissing();
      });
    }
  }

  #open(iface: string, family: IpFamily): PacketSocket | undefined {
    let socket: PacketSocket | undefined = undefined;
    try {
      socket = this.#deps.openSocket({
        iface,
        protocol: family === 4 ? 0x0806 : 0x86dd,
        filter: family === 4 ? arpFilter() : ndpFilter(),
        onFrame: (frame) => this.#onFrame(iface, frame),
        onError: (error) => {
          this.#emit({ kind: 'socket-error', iface, family, error });
          // The addon gave up on this socket (it stopped polling): replace it.
          if (error.stopped && socket !== undefined && !this.#closed) this.#replaceSocket(iface, family, socket);
          // The kernel tells packet sockets when their link goes down. Rescan at once, so a
          // flap shorter than the rescan interval still ends with a fresh burst once it is up.
          if (error.errno === 'ENETDOWN' && !this.#closed) void this.rescanInterfaces().catch(() => undefined);
        },
      });
    } catch (error) {
      this.#emit({ kind: 'socket-error', iface, family, error });
      return undefined;
    }
    if (socket.hwType !== ARPHRD_ETHER) {
      this.#notEthernet.set(iface, { ifindex: socket.ifindex, mac: socket.mac, entries: this.#entrySignature(iface) });
      socket.close();
      const error = new PacketSocketError(ErrorCodes.SocketOpen, `${iface} is not an Ethernet interface (ARPHRD ${socket.hwType})`, {
        errno: 'EPROTONOSUPPORT',
        iface,
      });
      this.#emit({ kind: 'socket-error', iface, family, error });
      return undefined;
    }
    this.#emit({ kind: 'socket-opened', iface, family, mac: socket.mac, ifindex: socket.ifindex });
    if (family === 6) for (const group of this.#groups.get(iface) ?? []) this.#membership(socket, 'join', group);
    return socket;
  }

  /** The IPs desired on `iface`, canonical, sorted and joined; only computed for non-Ethernet interfaces. */
  #entrySignature(iface: string): string {
    const ips = new Set(this.#desired.filter((e) => e.iface === iface).map((e) => canonicalIp(e.ip)!.ip));
    return [...ips].sort().join(' ');
  }

  /** Closes one socket that stopped receiving and opens its successor (or schedules the retry). */
  #replaceSocket(iface: string, family: IpFamily, socket: PacketSocket): void {
    const slot = this.#sockets.get(iface);
    if (slot?.[family] !== socket) return; // already closed or replaced
    socket.close();
    delete slot[family];
    if (!slot[4] && !slot[6]) this.#sockets.delete(iface); // its groups stay, for the successor to rejoin
    // Publish either way: a successor with the same MAC changes nothing for the machine; if
    // none could be opened, the family's entries wait instead of failing every send.
    this.#openMissing(true);
  }

  #closeUnwanted(): void {
    let changed = false;
    for (const [iface, slot] of this.#sockets) {
      for (const family of [4, 6] as const) {
        if (!slot[family] || this.#wanted.get(iface)?.has(family)) continue;
        slot[family].close();
        delete slot[family];
        changed = true;
      }
      if (!slot[4] && !slot[6]) {
        this.#sockets.delete(iface);
        this.#groups.delete(iface);
      }
    }
    if (changed && !this.#closed) this.#publishInterfaces();
  }

  #publishInterfaces(): void {
    const views: InterfaceView[] = [];
    for (const [name, slot] of this.#sockets) {
      const mac = (slot[4] ?? slot[6])!.mac;
      views.push({ name, mac, families: ([4, 6] as const).filter((f) => slot[f] !== undefined) });
    }
    this.#run(this.#machine.setInterfaces(views, this.#now()));
  }

  #onFrame(iface: string, frame: Uint8Array): void {
    if (this.#closed) return;
    try {
      this.#run(this.#machine.handleFrame(iface, frame, this.#now()));
    } catch (err) {
      // A bug must not take the speaker down through the socket callback; say it loudly.
      this.#log?.error({ [LogFields.iface]: iface, [LogFields.err]: err }, 'announcer failed on a received frame');
    }
  }

  #onTimer(): void {
    this.#timer = undefined;
    this.#timerAt = undefined;
    if (!this.#closed) this.#run(this.#machine.tick(this.#now()));
  }

  #run(actions: readonly AnnouncerAction[]): void {
    for (const a of actions) {
      switch (a.kind) {
        case 'send':
          this.#send(a);
          break;
        case 'join':
        case 'leave': {
          let set = this.#groups.get(a.iface);
          if (!set) this.#groups.set(a.iface, (set = new Set()));
          if (a.kind === 'join') set.add(a.group);
          else set.delete(a.group);
          const socket = this.#sockets.get(a.iface)?.[6];
          if (socket) this.#membership(socket, a.kind, a.group);
          break;
        }
        case 'event':
          this.#counters.recordEvent(a.event);
          // Actions come after the machine's whole change, so an IP that moved to another
          // interface in the same call still has an entry and keeps its counts.
          if (a.event.kind === 'withdrawn' && !this.#machine.hasEntryFor(a.event.ip)) this.#counters.forgetIp(a.event.ip);
          this.#emit(a.event);
          break;
        case 'schedule':
          this.#arm(a.at);
          break;
      }
    }
  }

  #send(a: SendAction): void {
    const socket = this.#sockets.get(a.iface)?.[a.family];
    try {
      if (!socket) throw new PacketSocketError(ErrorCodes.SocketIo, `no IPv${a.family} socket open on ${a.iface}`, { errno: 'ENOTCONN', iface: a.iface });
      socket.send(a.frame);
    } catch (error) {
      this.#counters.recordSend(a, false);
      this.#emit({ kind: 'send-failed', iface: a.iface, family: a.family, ip: a.ip, purpose: a.purpose, error });
      return;
    }
    this.#counters.recordSend(a, true);
    this.#emit({ kind: 'sent', iface: a.iface, family: a.family, ip: a.ip, purpose: a.purpose, ...(a.trigger ? { trigger: a.trigger } : {}) });
  }

  #membership(socket: PacketSocket, kind: 'join' | 'leave', group: MacAddress): void {
    try {
      if (kind === 'join') socket.addMembership(group);
      else socket.dropMembership(group);
    } catch (error) {
      this.#emit({ kind: 'socket-error', iface: socket.iface, family: 6, error });
    }
  }

  #arm(at: number | null): void {
    if (this.#closed || at === this.#timerAt) return;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerAt = undefined;
    if (at === null) return;
    this.#timerAt = at;
    this.#timer = this.#deps.clock.setTimer(Math.max(0, at - this.#now()), () => this.#onTimer());
  }
}
