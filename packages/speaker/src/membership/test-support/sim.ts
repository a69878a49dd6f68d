// An in-process network of Membership machines on virtual time, for the property tests
// and bench/membership.ts: seeded, so any run can be replayed. Packets are real encoded,
// signed bytes; the network loses each one independently, delays it uniformly, and can
// cut single links. Timers fire a little late, as real ones do.
import { seededRandom } from '../../test-support/seeded-random.js';
import type { MembershipConfig } from '../config.js';
import { Membership } from '../membership.js';
import type { HeartbeatKey, MembershipAction, MembershipEvent, Peer } from '../types.js';
import { peekPacketType, type PacketType } from '../wire.js';
import { EventQueue } from './event-queue.js';

export const SIM_KEY: HeartbeatKey = { id: 'sim', secret: new Uint8Array(32).fill(7), firstSeenAt: -Infinity };

export interface SimOptions {
  /** Node names, or a count (named n000, n001, …). */
  readonly nodes: number | readonly string[];
  readonly seed: number;
  /** Independent loss probability per packet. */
  readonly loss?: number;
  /** One-way delay, uniform in [min, max] ms. */
  readonly delayMs?: readonly [number, number];
  /** Timers fire up to this many ms late (uniform). */
  readonly timerLatenessMs?: number;
  /** Lease propagation: a new node reaches others' peer sets after uniform [min, max] ms. */
  readonly peersLagMs?: readonly [number, number];
  /** Every node's Lease exists from t=0 (peer sets never change): what a bench wants. */
  readonly leasesUpFront?: boolean;
  /** Each node's wall clock is off by a fixed uniform [-x, x] ms. */
  readonly clockSkewMs?: number;
  readonly config?: Partial<MembershipConfig>;
  readonly keys?: readonly HeartbeatKey[];
  /** Wall clock at virtual t = 0. */
  readonly epochMs?: number;
  /** Count each node's packets (sent + received) per window of this many ms. */
  readonly windowMs?: number;
  readonly onEvent?: (observer: string, event: MembershipEvent, at: number) => void;
  /** Every packet a node sends (before loss). */
  readonly onSend?: (from: string, to: string, bytes: Uint8Array, at: number) => void;
}

export interface SimNode {
  readonly name: string;
  readonly address: string;
  readonly skewMs: number;
  membership: Membership | undefined;
  /** Process generation: bumped by crash/stop, so the old process's timers do nothing. */
  gen: number;
  status: 'never-started' | 'running' | 'leaving' | 'stopped';
  /** Due time (as the machine asked, before lateness) and id of the one live timer. */
  pendingTickAt: number | undefined;
  pendingTickId: number;
  sent: number;
  received: number;
  /** Packets per window index (when windowMs is set). */
  windows: Map<number, number>;
  /** Keys set by `setKeys` (else the sim's). */
  keys: readonly HeartbeatKey[] | undefined;
  /** Ticks in the current virtual second, to catch a machine that asks to be ticked in a loop. */
  tickWindow: { second: number; ticks: number };
}

/** A machine asking for more ticks than this per virtual second is spinning: the sim throws. */
export const MAX_TICKS_PER_SECOND = 1000;

type SimEvent =
  | { at: number; kind: 'tick'; node: SimNode; gen: number; id: number }
  | { at: number; kind: 'deliver'; node: SimNode; bytes: Uint8Array }
  | { at: number; kind: 'peers'; node: SimNode; gen: number }
  | { at: number; kind: 'call'; fn: () => void };

export { seededRandom };

export class Sim {
  now = 0;
  readonly nodes: SimNode[];
  readonly byName = new Map<string, SimNode>();
  readonly sentByType = new Map<PacketType | 'unknown', number>();
  loss: number;
  readonly #o: SimOptions;
  readonly #random: () => number;
  readonly #queue = new EventQueue<SimEvent>();
  readonly #byAddress = new Map<string, SimNode>();
  readonly #blocked = new Set<string>();
  readonly #leases = new Set<string>();
  #peers: Peer[] | undefined;

  constructor(o: SimOptions) {
    this.#o = o;
    this.#random = seededRandom(o.seed);
    this.loss = o.loss ?? 0;
    const names = typeof o.nodes === 'number' ? Array.from({ length: o.nodes }, (_, i) => `n${String(i).padStart(3, '0')}`) : [...o.nodes];
    const skew = o.clockSkewMs ?? 0;
    this.nodes = names.map((name, i) => ({
      name,
      address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:7947`,
      skewMs: skew === 0 ? 0 : (this.#random() * 2 - 1) * skew,
      membership: undefined,
      gen: 0,
      status: 'never-started' as const,
      pendingTickAt: undefined,
      pendingTickId: 0,
      sent: 0,
      received: 0,
      windows: new Map(),
      keys: undefined,
      tickWindow: { second: 0, ticks: 0 },
    }));
    for (const n of this.nodes) {
      this.byName.set(n.name, n);
      this.#byAddress.set(n.address, n);
      if (o.leasesUpFront) this.#leases.add(n.name);
    }
  }

  node(name: string): SimNode {
    const n = this.byName.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  wall(n: SimNode): number {
    return (this.#o.epochMs ?? 1_750_000_000_000) + this.now + n.skewMs;
  }

  /** Starts (or restarts) a node's speaker: a new process with incarnation = its wall clock now (or as given). */
  start(name: string, o: { incarnation?: number } = {}): void {
    const n = this.node(name);
    if (n.status === 'running' || n.status === 'leaving') throw new Error(`${name} is running`);
    n.gen++;
    n.status = 'running';
    n.pendingTickAt = undefined;
    const m = new Membership({ self: n.name, incarnation: o.incarnation ?? Math.floor(this.wall(n)), config: this.#o.config ?? {}, random: seededRandom(Math.floor(this.#random() * 2 ** 32)) });
    n.membership = m;
    this.#handle(n, m.setKeys(n.keys ?? this.#o.keys ?? [SIM_KEY], this.now));
    if (!this.#leases.has(n.name)) {
      this.#leases.add(n.name);
      this.#peers = undefined;
      const [lo, hi] = this.#o.peersLagMs ?? [0, 0];
      for (const other of this.nodes) if (other !== n && other.membership) this.#queue.push({ at: this.now + lo + this.#random() * (hi - lo), kind: 'peers', node: other, gen: other.gen });
    }
    this.#handle(n, m.setPeers(this.#peerList(), this.now, this.wall(n)));
  }

  /** Kills a node's process: no goodbye, its timers die with it (packets in flight still arrive). */
  crash(name: string): void {
    const n = this.node(name);
    n.gen++;
    n.status = 'stopped';
    n.membership = undefined;
  }

  /** Graceful stop: leave(), then the process exits `lingerMs` later. */
  leave(name: string, lingerMs = 50): void {
    const n = this.node(name);
    if (!n.membership || n.status !== 'running') return;
    n.status = 'leaving';
    this.#handle(n, n.membership.leave(this.now, this.wall(n)));
    const gen = n.gen;
    this.at(this.now + lingerMs, () => {
      if (n.gen === gen) this.crash(name);
    });
  }

  /** Replaces a node's keys (as its Secret watch would); they stay with the node across restarts. */
  setKeys(name: string, keys: readonly HeartbeatKey[]): void {
    const n = this.node(name);
    n.keys = keys;
    if (n.membership) this.#handle(n, n.membership.setKeys(keys, this.now));
  }

  /** Cuts (or restores) the link from `a` to `b`; both directions unless `oneWay`. */
  block(a: string, b: string, blocked = true, oneWay = false): void {
    for (const key of oneWay ? [`${a}>${b}`] : [`${a}>${b}`, `${b}>${a}`]) {
      if (blocked) this.#blocked.add(key);
      else this.#blocked.delete(key);
    }
  }

  /** Runs `fn` at virtual time `at`. */
  at(at: number, fn: () => void): void {
    this.#queue.push({ at, kind: 'call', fn });
  }

  /** Processes every event due up to `t`, then sets the clock to `t`. */
  runUntil(t: number): void {
    for (;;) {
      const next = this.#queue.peekAt();
      if (next === undefined || next > t) break;
      const e = this.#queue.pop()!;
      this.now = Math.max(this.now, e.at);
      this.#dispatch(e);
    }
    this.now = Math.max(this.now, t);
  }

  runFor(ms: number): void {
    this.runUntil(this.now + ms);
  }

  /** Nodes whose speaker runs and has not begun leaving. */
  running(): Set<string> {
    return new Set(this.nodes.filter((n) => n.status === 'running').map((n) => n.name));
  }

  #peerList(): Peer[] {
    this.#peers ??= this.nodes.filter((n) => this.#leases.has(n.name)).map((n) => ({ node: n.name, address: n.address }));
    return this.#peers;
  }

  #dispatch(e: SimEvent): void {
    switch (e.kind) {
      case 'call':
        return e.fn();
      case 'tick':
        if (e.gen !== e.node.gen || !e.node.membership || e.node.pendingTickId !== e.id) return;
        e.node.pendingTickAt = undefined;
        this.#countTick(e.node);
        return this.#handle(e.node, e.node.membership.tick(this.now, this.wall(e.node)));
      case 'peers':
        if (e.gen !== e.node.gen || !e.node.membership) return;
        return this.#handle(e.node, e.node.membership.setPeers(this.#peerList(), this.now, this.wall(e.node)));
      case 'deliver': {
        const n = e.node;
        if (!n.membership) return;
        this.#count(n, 'received');
        return this.#handle(n, n.membership.receive(e.bytes, this.now, this.wall(n)));
      }
    }
  }

  #handle(n: SimNode, actions: readonly MembershipAction[]): void {
    for (const a of actions) {
      if (a.kind === 'event') this.#o.onEvent?.(n.name, a.event, this.now);
      else if (a.kind === 'send') this.#send(n, a.to, a.bytes);
      else if (a.at !== null) {
        // Keep one live timer per node: an earlier pending one will tick and reschedule.
        if (n.pendingTickAt !== undefined && a.at >= n.pendingTickAt) continue;
        n.pendingTickAt = a.at;
        const late = (this.#o.timerLatenessMs ?? 0) * this.#random();
        this.#queue.push({ at: Math.max(a.at, this.now) + late, kind: 'tick', node: n, gen: n.gen, id: ++n.pendingTickId });
      }
    }
  }

  #send(from: SimNode, to: string, bytes: Uint8Array): void {
    this.#count(from, 'sent');
    this.#o.onSend?.(from.name, this.#byAddress.get(to)?.name ?? to, bytes, this.now);
    const type = peekPacketType(bytes) ?? 'unknown';
    this.sentByType.set(type, (this.sentByType.get(type) ?? 0) + 1);
    const target = this.#byAddress.get(to);
    if (!target || this.#blocked.has(`${from.name}>${target.name}`) || this.#random() < this.loss) return;
    const [lo, hi] = this.#o.delayMs ?? [0, 0];
    this.#queue.push({ at: this.now + lo + this.#random() * (hi - lo), kind: 'deliver', node: target, bytes });
  }

  #countTick(n: SimNode): void {
    const second = Math.floor(this.now / 1000);
    if (n.tickWindow.second !== second) n.tickWindow = { second, ticks: 0 };
    if (++n.tickWindow.ticks > MAX_TICKS_PER_SECOND) throw new Error(`${n.name} asked for over ${MAX_TICKS_PER_SECOND} ticks in virtual second ${second}: a schedule that no tick clears`);
  }

  #count(n: SimNode, what: 'sent' | 'received'): void {
    n[what]++;
    const w = this.#o.windowMs;
    if (w) {
      const i = Math.floor(this.now / w);
      n.windows.set(i, (n.windows.get(i) ?? 0) + 1);
    }
  }
}
