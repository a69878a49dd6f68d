// The speaker's heartbeat membership (architecture.md, "Election and failover"; issue 7,
// item 2): a pure state machine. It never reads a clock or touches a socket: the adapter
// passes monotonic `now` and epoch `wallNow`, sends what `send` actions say, and calls
// `tick` at the time the last action (`schedule`) names. The protocol — ring watchers,
// quorum of suspicions, incarnations, leave, join and anti-entropy — is described in
// ./README.md; core.ts, receive.ts and timers.ts implement it.
import { resolveMembershipConfig, type MembershipConfig } from './config.js';
import { MembershipCore, type Ctx } from './core.js';
import { isLiveState } from './member-table.js';
import { receivePacket } from './receive.js';
import { nextDue, runTick } from './timers.js';
import type { HeartbeatKey, MemberState, MembershipAction, MembershipStats, Peer } from './types.js';

export interface MembershipOptions {
  /** Our node name. */
  readonly self: string;
  /** Our starting incarnation: the wall-clock ms at process start, so a restart beats every older fact. */
  readonly incarnation: number;
  readonly config?: Partial<MembershipConfig>;
  /** Uniform [0, 1): heartbeat and anti-entropy jitter, random peer choices. Default Math.random. */
  readonly random?: () => number;
}

export class Membership {
  readonly #c: MembershipCore;

  /** Throws IronlbError(Config) for an invalid config. */
  constructor(o: MembershipOptions) {
    this.#c = new MembershipCore(o.self, o.incarnation, resolveMembershipConfig(o.config), o.random ?? Math.random);
  }

  get self(): string {
    return this.#c.self;
  }

  /** Current incarnation (grows when we refute a suspicion). */
  get incarnation(): number {
    return this.#c.incarnation;
  }

  get config(): MembershipConfig {
    return this.#c.config;
  }

  /**
   * The full peer set (from Leases); our own entry is ignored. New peers start 'alive' at
   * incarnation 0 (event peer-alive, previous 'unknown'); peers no longer listed are forgotten.
   */
  setPeers(peers: readonly Peer[], now: number, wallNow: number): MembershipAction[] {
    return this.#run(now, wallNow, (ctx) => {
      const c = this.#c;
      const { removed } = c.members.setPeers(peers, c.self, ctx.events);
      for (const n of removed) {
        c.suspicions.clear(n);
        c.replay.forget(n);
        c.outbox.forget(n);
      }
      c.ring.setNodes([c.self, ...[...c.members.values()].map((m) => m.node)]);
      c.peersKnown = true;
      c.invalidateRing();
    });
  }

  /**
   * The heartbeat Secret's keys (all verify; see KeyRing.signer for which signs). Throws
   * IronlbError(Config) for a bad key; the previous set stays.
   */
  setKeys(keys: readonly HeartbeatKey[], now: number): MembershipAction[] {
    return this.#run(now, undefined, () => this.#c.keys.set(keys));
  }

  /** One datagram from the heartbeat socket. */
  receive(bytes: Uint8Array, now: number, wallNow: number): MembershipAction[] {
    return this.#run(now, wallNow, (ctx) => receivePacket(this.#c, bytes, ctx));
  }

  tick(now: number, wallNow: number): MembershipAction[] {
    return this.#run(now, wallNow, (ctx) => runTick(this.#c, ctx));
  }

  /** Graceful shutdown: goodbye to every peer (twice, leaveRepeatMs apart); from now on we send nothing else and are not live. */
  leave(now: number, wallNow: number): MembershipAction[] {
    return this.#run(now, wallNow, (ctx) => {
      const c = this.#c;
      if (c.leaving) return;
      c.broadcast({ type: 'leave' }, ctx, true);
      c.leaving = true;
      c.resends = [{ at: now + c.config.leaveRepeatMs, kind: 'leave' }];
      c.invalidateRing();
    });
  }

  /** Nodes this node believes live right now (self included unless leaving). */
  live(): Set<string> {
    const out = new Set<string>();
    if (!this.#c.leaving) out.add(this.#c.self);
    for (const m of this.#c.members.values()) if (isLiveState(m.state)) out.add(m.node);
    return out;
  }

  /** What we believe about `node` (undefined: not a peer). Our own: 'alive', or 'left' once leaving. */
  state(node: string): MemberState | undefined {
    if (node === this.#c.self) return this.#c.leaving ? 'left' : 'alive';
    return this.#c.members.get(node)?.state;
  }

  /**
   * False until we may act on our view (announce): `startupWaitMs` after the first call, or
   * earlier once a join answer and a heartbeat from every node we watch arrived. Latches true.
   */
  ready(now: number): boolean {
    const c = this.#c;
    if (c.ready || c.startedAt === undefined) return c.ready;
    const waited = now - c.startedAt >= c.config.startupWaitMs;
    const heardAll = c.watch.size > 0 && [...c.watch].every(([n, w]) => (c.members.get(n)?.lastHeartbeat ?? -Infinity) >= w.since);
    // No "alone" shortcut: at a cold start every speaker may see no peer Lease yet, and
    // announcing at once would make each of them claim every IP until they hear each other.
    c.ready = waited || (c.peersKnown && c.gotAnswer && heardAll);
    return c.ready;
  }

  /**
   * True when we are the one cut off: we watch at least one live peer (so heartbeats are
   * due to us) yet heard no authenticated packet from any peer for `isolationMs`. With a
   * quorum ≥ 2 an isolated speaker cannot declare its peers dead — so it would keep
   * announcing what it owned while they take it over: the speaker must stop announcing
   * while this holds (split-view rule, architecture.md).
   *
   * Heartbeats alone cannot tell "I am cut off" from "every peer I watch died at once" (a
   * lone survivor, or a speaker restarting while the others are down): pass the Lease
   * layer's live set (`LeaseView.live(now)`) and only watched peers it also calls live
   * count — peers whose Leases expired while our API view is fresh do not make us isolated.
   */
  isolated(now: number, leaseLive?: ReadonlySet<string>): boolean {
    const c = this.#c;
    if (c.leaving || now - c.lastPeerPacketAt < c.config.isolationMs) return false;
    for (const n of c.watch.keys()) if (!leaseLive || leaseLive.has(n)) return true;
    return false;
  }

  /**
   * What the heartbeats we send from now on say about our own view of the API server
   * (LeaseView's API freshness). Default true. Lets a peer tell "only I lost the API server"
   * from "everyone did" (`peersReportApiFresh`; README, "API freshness").
   */
  setApiFresh(fresh: boolean): void {
    this.#c.apiFresh = fresh;
  }

  /**
   * True when at least one live peer's last heartbeat, received less than `deadAfterMs`
   * before `now` (monotonic ms), said its API view is fresh. Heartbeats come only from the
   * K nodes we watch, which is enough: one fresh peer means the API server works for the
   * others, so if our own Lease renewals keep failing they have declared us dead through
   * the Lease layer and taken over — we must withdraw. False when every peer we hear lost
   * the API server too (nobody withdraws), or we hear no peer at all (`isolated` covers that).
   */
  peersReportApiFresh(now: number): boolean {
    const windowMs = this.#c.config.deadAfterMs;
    for (const m of this.#c.members.values()) {
      if (m.apiFresh === true && isLiveState(m.state) && m.lastHeartbeat !== undefined && now - m.lastHeartbeat < windowMs) return true;
    }
    return false;
  }

  /** Nodes we watch (our live ring predecessors) and send heartbeats to (successors), for diagnostics. */
  neighbours(): { watching: string[]; heartbeatsTo: string[] } {
    return { watching: [...this.#c.watch.keys()], heartbeatsTo: [...this.#c.successors] };
  }

  stats(): MembershipStats {
    const c = this.#c;
    return { sent: c.outbox.sent, received: c.received, dropped: { ...c.dropped } };
  }

  #run(now: number, wallNow: number | undefined, body: (ctx: Ctx) => void): MembershipAction[] {
    const c = this.#c;
    if (c.startedAt === undefined) {
      c.startedAt = now;
      c.lastPeerPacketAt = now;
      c.nextSyncAt = now + c.jittered(c.config.syncIntervalMs, 1);
    }
    const ctx: Ctx = { now, wallNow, events: [], sends: [] };
    body(ctx);
    c.refreshRing(now);
    const actions: MembershipAction[] = ctx.events.map((event) => ({ kind: 'event', event }));
    actions.push(...ctx.sends, { kind: 'schedule', at: nextDue(c, now) });
    return actions;
  }
}
