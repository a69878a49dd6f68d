// The membership machine's state and the primitives every path shares: verdicts, state
// transitions and sending. Internal: `Membership` (membership.ts) is the public face;
// receive.ts and timers.ts hold the packet-driven and time-driven paths.
import type { MembershipConfig } from './config.js';
import { KeyRing } from './keyring.js';
import { isLiveState, MemberTable, type DeadDetail, type Member, type Transition } from './member-table.js';
import { Outbox, type Recipient } from './outbox.js';
import { ReplayGuard } from './replay-guard.js';
import { Ring } from './ring.js';
import { Suspicions } from './suspicions.js';
import { DROP_REASONS, type HeartbeatDropReason, type MembershipAction, type MembershipEvent } from './types.js';
import type { MemberFact, PacketBody } from './wire.js';

/** One call's output, collected while it runs. */
export interface Ctx {
  readonly now: number;
  /** undefined for calls that cannot send (setKeys): packets need a timestamp. */
  readonly wallNow: number | undefined;
  readonly events: MembershipEvent[];
  readonly sends: MembershipAction[];
}

export interface Watch {
  /** Monotonic ms we started watching the node (at its current incarnation). */
  since: number;
  /** We raised a suspicion at this incarnation and still stand by it. */
  suspectedInc: number | undefined;
  /** While it stands without a verdict: when we next repeat it to the node's other watchers. */
  renewAt?: number;
}

/** Packets to send again later: the second copy of a broadcast, or a watcher's late confirmation. */
export type Resend =
  | { at: number; kind: 'alive' }
  | { at: number; kind: 'leave' }
  | { at: number; kind: 'join'; targets: readonly string[] }
  | { at: number; kind: 'suspect'; node: string; incarnation: number };

export class MembershipCore {
  readonly keys = new KeyRing();
  readonly outbox: Outbox;
  readonly members = new MemberTable();
  readonly ring = new Ring();
  readonly suspicions = new Suspicions();
  readonly replay = new ReplayGuard();
  /** Nodes we watch: our K live ring predecessors (they send us heartbeats). */
  watch = new Map<string, Watch>();
  /** Our K live ring successors: we send them heartbeats. */
  successors: string[] = [];
  ringDirty = true;
  #liveCount: number | undefined;
  startedAt: number | undefined;
  peersKnown = false;
  joinSent = false;
  /** Our incarnation we last broadcast `alive` for (revival or refutation): once each. */
  aliveBroadcastFor: number | undefined;
  gotAnswer = false;
  ready = false;
  leaving = false;
  /** What our heartbeats say about our own view of the API server (Membership.setApiFresh). */
  apiFresh = true;
  nextHeartbeatAt: number | undefined;
  nextSyncAt = 0;
  resends: Resend[] = [];
  lastPeerPacketAt = 0;
  received = 0;
  readonly dropped = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<HeartbeatDropReason, number>;

  constructor(
    readonly self: string,
    public incarnation: number,
    readonly config: MembershipConfig,
    readonly random: () => number,
  ) {
    this.outbox = new Outbox(self, this.keys, config.keyActivationDelayMs);
    this.ring.setNodes([self]);
  }

  isLive = (n: string): boolean => (n === this.self ? !this.leaving : isLiveState(this.members.get(n)?.state ?? 'dead'));

  /** Our own suspicion that still stands first-hand: it does not expire by TTL. */
  ownFirstHand = (subject: string, detector: string): boolean => detector === this.self && this.watch.get(subject)?.suspectedInc !== undefined;

  jittered(ms: number, spread: number): number {
    return ms * (1 - spread / 2 + spread * this.random());
  }

  invalidateRing(): void {
    this.ringDirty = true;
    this.#liveCount = undefined;
  }

  /** Live peers (self excluded). */
  liveMembers(): number {
    this.#liveCount ??= [...this.members.values()].filter((m) => isLiveState(m.state)).length;
    return this.#liveCount;
  }

  /** Recomputes whom we watch and whom we send to after the live set changed. */
  refreshRing(now: number): void {
    if (!this.ringDirty) return;
    this.ringDirty = false;
    const k = this.config.watchers;
    const watched = this.leaving ? [] : this.ring.predecessors(this.self, this.isLive, k);
    this.watch = new Map(watched.map((n) => [n, this.watch.get(n) ?? { since: now, suspectedInc: undefined }]));
    this.successors = this.leaving ? [] : this.ring.successors(this.self, this.isLive, k);
  }

  /** Applies a fact through the member table and keeps suspicions, watches and the ring in step. */
  apply(m: Member, incarnation: number, state: 'alive' | 'dead' | 'left', ctx: Ctx, dead?: DeadDetail): void {
    this.#after(m, this.members.apply(m, incarnation, state, ctx.events, dead), ctx.now);
  }

  #after(m: Member, t: Transition, now: number): void {
    if (t.newIncarnation) {
      this.suspicions.clear(m.node);
      const w = this.watch.get(m.node);
      if (w) Object.assign(w, { since: now, suspectedInc: undefined });
    }
    if (t.livenessChanged) {
      this.invalidateRing();
      if (!isLiveState(m.state)) this.suspicions.clear(m.node);
    }
  }

  /** When a watched node counts as silent: deadAfterMs after its last heartbeat, or after deadAfterMs + newWatcherGraceMs if we never heard one. */
  detectionDue(m: Member, w: Watch): number {
    const armed = m.lastHeartbeat !== undefined && m.lastHeartbeat >= w.since;
    return armed ? m.lastHeartbeat! + this.config.deadAfterMs : w.since + this.config.deadAfterMs + this.config.newWatcherGraceMs;
  }

  /** Re-counts the suspicions of `m`: dead at quorum, 'suspect' with some, 'alive' with none. */
  evaluate(m: Member, ctx: Ctx): void {
    if (!isLiveState(m.state)) return this.suspicions.clear(m.node);
    const w = this.watch.get(m.node);
    const own = w !== undefined && w.suspectedInc === m.incarnation;
    const detectors = this.suspicions.current(m.node, m.incarnation, ctx.now, this.config.suspicionTtlMs, this.self, own);
    // q = quorum, capped by the watchers m has in our view: its live successors.
    const watchers = Math.min(this.config.watchers, this.liveMembers() - 1 + (this.leaving ? 0 : 1));
    const q = Math.max(1, Math.min(this.config.quorum, watchers));
    if (detectors.length < q) return this.members.setSuspect(m, detectors.length > 0, ctx.events);
    // Silent since our last heartbeat from it, or since we began watching if we never heard one.
    const silentMs = own ? ctx.now - Math.max(m.lastHeartbeat ?? -Infinity, w!.since) : undefined;
    this.apply(m, m.incarnation, 'dead', ctx, { detectors, ...(silentMs !== undefined ? { silentMs } : {}) });
    if (w && !own) {
      // Others' suspicions made the verdict before our own deadline. Still confirm it at
      // that deadline: every node then gets copies from all K watchers, not just the first
      // `quorum`, and one that lost a detector's both copies still has a verdict in time.
      const at = Math.max(ctx.now, this.detectionDue(m, w));
      this.resends.push({ at, kind: 'suspect', node: m.node, incarnation: m.incarnation }, { at: at + this.config.resendMs, kind: 'suspect', node: m.node, incarnation: m.incarnation });
    }
  }

  /** Someone holds us suspect or dead at `incarnation` (or knows a newer one): bump ours past it and say so. */
  refuteIfNeeded(incarnation: number, bad: boolean, ctx: Ctx): void {
    if (this.leaving || incarnation < this.incarnation || (incarnation === this.incarnation && !bad)) return;
    this.incarnation = Math.max(this.incarnation, incarnation) + 1;
    ctx.events.push({ kind: 'refuted', incarnation: this.incarnation });
    this.broadcastAlive(ctx);
  }

  /** `alive` at our current incarnation to every peer, twice; once per incarnation. */
  broadcastAlive(ctx: Ctx): void {
    if (this.leaving || this.aliveBroadcastFor === this.incarnation) return;
    this.aliveBroadcastFor = this.incarnation;
    this.broadcast({ type: 'alive', join: false }, ctx);
    this.resends.push({ at: ctx.now + this.config.resendMs, kind: 'alive' });
  }

  /** Tells a node what we hold about it (rate-limited), so it refutes if it must. */
  notice(m: Member, fact: MemberFact, ctx: Ctx): void {
    if (m.lastNoticeAt !== undefined && ctx.now - m.lastNoticeAt < this.config.noticeIntervalMs) return;
    if (this.sendTo(m, { type: 'state', request: false, answer: false, facts: [fact] }, ctx)) m.lastNoticeAt = ctx.now;
  }

  sendTo(to: Recipient, body: PacketBody, ctx: Ctx): boolean {
    if (ctx.wallNow === undefined || (this.leaving && body.type !== 'leave')) return false;
    return this.outbox.send(ctx.sends, to, body, this.incarnation, ctx.now, ctx.wallNow);
  }

  /** To every peer that has not left (dead ones too: one may be alive and need to refute); `all` includes left ones. */
  broadcast(body: PacketBody, ctx: Ctx, all = false): boolean {
    let sent = false;
    for (const m of this.members.values()) if (all || m.state !== 'left') sent = this.sendTo(m, body, ctx) || sent;
    return sent;
  }

  drop(ctx: Ctx, reason: HeartbeatDropReason, from?: string): void {
    this.dropped[reason]++;
    ctx.events.push(from === undefined ? { kind: 'dropped', reason } : { kind: 'dropped', reason, from });
  }

  factOf(m: Member): MemberFact {
    return { node: m.node, incarnation: m.incarnation, state: m.state === 'suspect' ? 'alive' : m.state };
  }

  /** What we hold about every dead or left peer. */
  downFacts(): MemberFact[] {
    return [...this.members.down()].map((n) => this.factOf(this.members.get(n)!));
  }

  /** Fisher–Yates in place with our random source. */
  shuffled<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }
}
