// The speaker: learns what to announce from the API server, agrees with its peers on who
// is live (per-node Leases + authenticated UDP heartbeats), elects one owner per service
// IP, and drives the ARP/NDP responder. createSpeaker is what main.ts and the tests call;
// every decision is a pure function (election/, plan/, membership/, preflight) and this
// file only feeds them and applies what they return.
//
// When it announces (docs/operations.md, "Split views"):
// - not before its caches synced, its Lease was written once and membership is ready
//   (it knows who else is live, or a bounded wait passed);
// - not while the strictARP preflight refuses (unless --strict-arp=warn);
// - not while isolated: it expects heartbeats from live peers and has heard none for the
//   isolation time — its peers have declared it dead and taken over, so it withdraws
//   rather than answer on a stale view; it resumes as soon as it hears a peer again.
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig, type KubernetesObject, type V1Node } from '@kubernetes/client-node';
import { checkStrictArp, createEventRecorder, LogFields, WorkQueue, type ChangeType, type Clock, type EventRecorder, type Logger, type StrictArpVerdict, type TimerHandle } from '@ironlb/core';
import type { AnnouncerConfigInput } from './announce/config.js';
import type { ResponderEvent } from './announce/runtime.js';
import { createResponder, type Responder } from './announce/runtime.js';
import { electServices } from './election/elect.js';
import type { ServiceDecision } from './election/types.js';
import { selectAnnounceInterfaces } from './interfaces/select.js';
import type { InterfaceLister } from './interfaces/types.js';
import { electionInput, heartbeatKeysOf, l2StatusesOf, watchInputs, type InputKind, type SpeakerInputs } from './k8s/inputs.js';
import { createL2StatusWriter, planL2Statuses, type L2StatusWriter, type WantedL2Status } from './k8s/l2-status.js';
import { createNodeLeaseWriter, leaseInfo, speakerLeaseName, type NodeLeaseWriter } from './k8s/node-lease.js';
import { combineLiveness, LeaseView } from './membership/lease-view.js';
import { Membership } from './membership/membership.js';
import type { MembershipAction, MembershipConfig, MembershipEvent, Peer } from './membership/types.js';
import type { HeartbeatSocket } from './membership/udp-transport.js';
import type { SpeakerMetrics } from './metrics.js';
import type { OpenPacketSocket } from './packet/packet-socket.js';
import { planEntries } from './plan/entries.js';
import { logOwnerChange } from './plan/log-changes.js';
import { noOwnerMessage, reportsNoOwner } from './plan/no-owner.js';
import { EMPTY_OWNERSHIP, nextHandoffExpiry, planOwnership, type ChangeCause, type OwnershipState, type Suppression } from './plan/ownership.js';

export interface SpeakerTimings {
  /** Per-node Lease duration (s); a peer whose Lease is not renewed for this long is dead. */
  readonly leaseDurationSeconds: number;
  /** How often the own Lease is renewed (ms). */
  readonly leaseRenewMs: number;
  /** Deadline of every API call (ms). */
  readonly apiDeadlineMs: number;
  /** Quiet answering after losing an IP to another node (ms). */
  readonly handoffMs: number;
  /** On SIGTERM: how long to keep answering (quietly) after announcing the leave (ms). */
  readonly drainMs: number;
  /** Full re-evaluation and ServiceL2Status reconcile, whatever happened (ms). */
  readonly resyncMs: number;
  /** Interface list refresh (ms). */
  readonly interfaceScanMs: number;
  readonly membership: Partial<MembershipConfig>;
  /** Server-side watch timeout (s). */
  readonly watchTimeoutSeconds: number;
}

export const DEFAULT_SPEAKER_TIMINGS: SpeakerTimings = {
  leaseDurationSeconds: 15,
  leaseRenewMs: 5_000,
  apiDeadlineMs: 5_000,
  handoffMs: 1_000,
  drainMs: 1_500,
  resyncMs: 60_000,
  interfaceScanMs: 10_000,
  membership: {},
  watchTimeoutSeconds: 60,
};

export interface SpeakerDeps {
  readonly kc: KubeConfig;
  readonly node: string;
  readonly namespace: string;
  readonly lbClass?: string;
  readonly ignoreExcludeLb: boolean;
  /** 'enforce': refuse to announce when kube-proxy's IPVS mode lacks strictARP; 'warn': warn only. */
  readonly strictArp: 'enforce' | 'warn';
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: SpeakerMetrics;
  readonly openSocket: OpenPacketSocket;
  readonly interfaceLister: InterfaceLister;
  /** Heartbeat socket: bound to `bindAddress`, advertised to peers as `advertiseAddress`. */
  readonly heartbeat: {
    readonly bindAddress: string;
    readonly advertiseAddress: string;
    readonly open: (bindAddress: string, onPacket: (bytes: Uint8Array) => void) => Promise<HeartbeatSocket>;
  };
  readonly timings?: Partial<SpeakerTimings>;
  readonly announcer?: AnnouncerConfigInput;
  readonly random?: () => number;
}

export interface Speaker {
  start(): Promise<void>;
  /** Graceful stop (SIGTERM): announce the leave, keep answering while the next owners take over, then withdraw. */
  stop(): Promise<void>;
  /** Why /readyz fails; empty when this speaker may announce. */
  notReady(): string[];
  /** Current decisions (for tests and the CLI's explain). */
  decisions(): ReadonlyMap<string, ServiceDecision>;
}

export function createSpeaker(d: SpeakerDeps): Speaker {
  return new SpeakerRuntime(d);
}

class SpeakerRuntime implements Speaker {
  readonly #d: SpeakerDeps;
  readonly #t: SpeakerTimings;
  readonly #log: Logger;
  readonly #events: EventRecorder;
  readonly #leaseWriter: NodeLeaseWriter;
  readonly #leaseView: LeaseView;
  readonly #membership: Membership;
  readonly #responder: Responder;
  #l2Writer!: L2StatusWriter;
  #inputs!: SpeakerInputs;
  #socket: HeartbeatSocket | undefined;
  #state: OwnershipState = EMPTY_OWNERSHIP;
  #decisions: ReadonlyMap<string, ServiceDecision> = new Map();
  #cause: ChangeCause;
  #synced = false;
  #leaseWritten = false;
  #lastRenewAt: number | undefined;
  #leaving = false;
  #stopped = false;
  #strict: StrictArpVerdict | undefined;
  #eligible: string[] = [];
  #macs: string[] = [];
  #nodeUid: string | undefined;
  #firstSeen = new Map<string, number>();
  #startedAt = 0;
  #lastLive = new Set<string>();
  #isolated = false;
  #keyIds = new Set<string>();
  readonly #timers: Record<string, TimerHandle | undefined> = {};
  readonly #l2Queue: WorkQueue;
  /** Services seen before start-up finished: their IPs may have been announced already. */
  readonly #knownAtStart = new Set<string>();
  readonly #reportedProblems = new Map<string, string>();

  constructor(d: SpeakerDeps) {
    this.#d = d;
    this.#t = { ...DEFAULT_SPEAKER_TIMINGS, ...d.timings, membership: { ...DEFAULT_SPEAKER_TIMINGS.membership, ...d.timings?.membership } };
    this.#log = d.log.child({ [LogFields.node]: d.node });
    const core = d.kc.makeApiClient(CoreV1Api);
    this.#events = createEventRecorder(core, 'metallb-speaker', d.node, d.clock, this.#log);
    this.#leaseWriter = createNodeLeaseWriter(d.kc.makeApiClient(CoordinationV1Api), d.namespace, d.node, this.#t.leaseDurationSeconds, this.#t.apiDeadlineMs, d.clock);
    this.#leaseView = new LeaseView({ leaseDurationSeconds: this.#t.leaseDurationSeconds });
    this.#membership = new Membership({ self: d.node, incarnation: d.clock.now(), config: this.#t.membership, ...(d.random ? { random: d.random } : {}) });
    this.#responder = createResponder({
      clock: d.clock,
      openSocket: d.openSocket,
      logger: this.#log,
      interfaceLister: d.interfaceLister,
      ...(d.announcer ? { config: d.announcer } : {}),
      ...(d.random ? { random: d.random } : {}),
      onEvent: (e) => this.#onResponderEvent(e),
    });
    this.#cause = { reason: 'startup', at: d.clock.monotonic() };
    this.#l2Queue = new WorkQueue({
      clock: d.clock,
      concurrency: 1,
      maxBackoffMs: 10_000,
      handle: () => this.#syncL2Statuses(),
      onError: (_k, err, retryInMs) => this.#log.warn({ err, retryInMs, event: 'l2StatusFailed' }, 'could not write ServiceL2Status; retrying'),
    });
  }

  async start(): Promise<void> {
    const d = this.#d;
    this.#startedAt = d.clock.monotonic();
    this.#inputs = watchInputs({ kc: d.kc, namespace: d.namespace, node: d.node, clock: d.clock, log: this.#log, watchTimeoutSeconds: this.#t.watchTimeoutSeconds, onChange: (k, t, o) => this.#onInput(k, t, o) });
    this.#l2Writer = createL2StatusWriter(d.kc.makeApiClient(CustomObjectsApi), d.namespace, d.node, () => this.#nodeUid, this.#t.apiDeadlineMs, d.clock);
    this.#socket = await d.heartbeat.open(d.heartbeat.bindAddress, (bytes) => this.#runMembership(this.#membership.receive(bytes, d.clock.monotonic(), d.clock.now())));
    await this.#scanInterfaces();
    this.#renewLoop();
    await this.#inputs.synced;
    for (const s of this.#inputs.services.list()) this.#knownAtStart.add(`${s.metadata?.namespace}/${s.metadata?.name}`);
    this.#synced = true;
    d.metrics.configLoaded.set(1);
    this.#log.info({ event: 'cachesSynced', ms: Math.round(d.clock.monotonic() - this.#startedAt) }, 'caches synced');
    this.#onInput('lease', 'update', {});
    this.#onInput('secret', 'update', {});
    this.#onInput('kube-proxy', 'update', {});
    this.#every('resync', this.#t.resyncMs, () => {
      this.#cause = { reason: 'resync', at: d.clock.monotonic() };
      this.#schedule();
      this.#l2Queue.add('l2');
    });
    this.#every('interfaces', this.#t.interfaceScanMs, () => void this.#scanInterfaces().then(() => this.#schedule()));
    // The Lease layer and isolation are judged by time passing, not only by events.
    this.#every('liveness', 500, () => this.#checkLiveness());
    this.#schedule();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    const d = this.#d;
    this.#leaving = true;
    const now = d.clock.monotonic();
    this.#log.info({ event: 'leaving', drainMs: this.#t.drainMs }, 'leaving: telling peers, answering quietly while they take over');
    this.#runMembership(this.#membership.leave(now, d.clock.now()));
    this.#cause = { reason: 'leaving', peer: d.node, at: now };
    this.#reconcile();
    await new Promise<void>((r) => d.clock.setTimer(this.#t.drainMs, r));
    this.#stopped = true;
    for (const t of Object.values(this.#timers)) t?.cancel();
    this.#responder.close();
    this.#state = EMPTY_OWNERSHIP;
    this.#l2Queue.stop();
    await Promise.allSettled([this.#l2Writer.apply(planL2Statuses(d.node, l2StatusesOf(this.#inputs), [])), this.#leaseWriter.remove()]);
    d.metrics.announced.reset();
    await this.#inputs.stop();
    await this.#socket?.close();
    this.#log.info({ event: 'stopped' }, 'speaker stopped');
  }

  notReady(): string[] {
    const why: string[] = [];
    if (!this.#synced) why.push('caches not synced');
    if (!this.#leaseWritten) why.push(`own Lease ${this.#d.namespace}/${speakerLeaseName(this.#d.node)} not written yet`);
    if (this.#keyIds.size === 0) why.push(`heartbeat key Secret ${this.#d.namespace}/ironlb-heartbeat missing or empty (the controller creates it)`);
    if (!this.#membership.ready(this.#d.clock.monotonic())) why.push('membership not ready (waiting to hear from peers)');
    if (this.#strict && !this.#strict.ok && this.#d.strictArp === 'enforce') why.push(`strictARP preflight refused: ${this.#strict.message}`);
    if (this.#isolated) why.push('isolated: no heartbeat from any live peer');
    if (this.#leaving) why.push('leaving');
    return why;
  }

  decisions(): ReadonlyMap<string, ServiceDecision> {
    return this.#decisions;
  }

  // ── inputs ────────────────────────────────────────────────────────────────

  #onInput(kind: InputKind, type: ChangeType, obj: KubernetesObject): void {
    if (this.#stopped) return;
    const d = this.#d;
    const now = d.clock.monotonic();
    switch (kind) {
      case 'lease':
        if (!this.#synced) return;
        this.#applyLeases(now);
        return;
      case 'secret': {
        if (!this.#synced) return;
        const keys = heartbeatKeysOf(this.#inputs.secret.list()[0]);
        // While we hold no key, any key is usable at once (nobody can be signing with one we
        // lack). Only a key added beside one we use waits out the activation delay, so peers
        // that have not loaded it yet never drop our heartbeats (rotation without a failover).
        const initial = this.#keyIds.size === 0;
        for (const k of keys) if (!this.#firstSeen.has(k.id)) this.#firstSeen.set(k.id, initial ? Number.NEGATIVE_INFINITY : now);
        this.#keyIds = new Set(keys.map((k) => k.id));
        this.#runMembership(this.#membership.setKeys(keys.map((k) => ({ ...k, firstSeenAt: this.#firstSeen.get(k.id)! })), now));
        this.#applyLeases(now);
        this.#schedule();
        return;
      }
      case 'kube-proxy':
        if (!this.#synced) return;
        this.#applyStrictArp();
        return;
      case 'node':
        if ((obj as V1Node).metadata?.name === d.node) this.#nodeUid = type === 'delete' ? undefined : (obj as V1Node).metadata?.uid;
        break;
      case 'l2status':
        if (this.#synced) this.#l2Queue.add('l2');
        return;
      default:
        break;
    }
    if (!this.#synced) return;
    this.#cause = { reason: `${kind}-changed`, at: now };
    this.#schedule();
  }

  #applyLeases(now: number): void {
    const d = this.#d;
    const peers: Peer[] = [];
    const macs: string[] = [];
    const seen = new Set<string>();
    for (const l of this.#inputs.leases.list()) {
      const info = leaseInfo(l);
      if (!info) continue;
      seen.add(info.node);
      this.#leaseView.observe(info.node, { ...(l.spec?.renewTime ? { renewTime: new Date(l.spec.renewTime).toISOString() } : {}), leaseDurationSeconds: l.spec?.leaseDurationSeconds ?? this.#t.leaseDurationSeconds, holderIdentity: l.spec?.holderIdentity ?? info.node }, now, d.clock.now());
      if (info.node === d.node) continue;
      peers.push({ node: info.node, address: info.heartbeatAddress });
      macs.push(...info.macs);
    }
    for (const node of this.#leaseView.nodes()) if (!seen.has(node)) this.#leaseView.delete(node);
    this.#responder.setKnownSpeakerMacs(macs);
    // Join the heartbeat mesh only once we could announce (caches, own Lease, key): peers
    // elect a node as soon as they hear it, and a node they elect must be able to answer.
    if (this.#leaseWritten && this.#keyIds.size > 0) this.#runMembership(this.#membership.setPeers(peers, now, d.clock.now()));
    this.#checkLiveness();
  }

  #applyStrictArp(): void {
    const d = this.#d;
    const verdict = checkStrictArp(this.#inputs.kubeProxy.list()[0]);
    const before = this.#strict;
    this.#strict = verdict;
    d.metrics.strictArp.set(verdict.ok ? 1 : 0);
    if (before && before.ok === verdict.ok && before.reason === verdict.reason) return;
    if (!verdict.ok) {
      const refuse = d.strictArp === 'enforce';
      this.#log.warn({ event: 'strictArpRefused', [LogFields.reason]: verdict.reason, mode: verdict.mode, enforce: refuse, fix: verdict.fix, restart: verdict.restart },
        `${refuse ? 'not announcing' : 'announcing anyway (--strict-arp=warn)'}: ${verdict.message}`);
      void this.#events.record(this.#nodeTarget(), 'Warning', 'StrictARPOff', verdict.message);
    } else if (before && !before.ok) {
      this.#log.info({ event: 'strictArpOk', [LogFields.reason]: verdict.reason }, 'strictARP preflight passes');
    }
    this.#cause = { reason: 'strict-arp-changed', at: d.clock.monotonic() };
    this.#schedule();
  }

  #nodeTarget() {
    return { kind: 'Node', apiVersion: 'v1', namespace: 'default', name: this.#d.node, ...(this.#nodeUid ? { uid: this.#nodeUid } : {}) };
  }

  async #scanInterfaces(): Promise<void> {
    try {
      const sel = selectAnnounceInterfaces(await this.#d.interfaceLister.list());
      this.#eligible = sel.included.map((i) => i.name);
      this.#macs = [...new Set(sel.included.map((i) => i.mac.toLowerCase()))];
    } catch (err) {
      this.#log.warn({ err, event: 'interfaceScanFailed' }, 'could not list interfaces');
    }
  }

  // ── own Lease ─────────────────────────────────────────────────────────────

  #renewLoop(): void {
    if (this.#stopped || this.#leaving) return;
    const d = this.#d;
    const info = { node: d.node, heartbeatAddress: d.heartbeat.advertiseAddress, macs: this.#macs };
    let ok = false;
    this.#leaseWriter.renew(info).then(
      () => {
        ok = true;
        const first = !this.#leaseWritten;
        this.#leaseWritten = true;
        this.#lastRenewAt = d.clock.monotonic();
        this.#leaseView.markApiFresh(this.#lastRenewAt);
        d.metrics.configStale.set(0);
        if (first && this.#synced) this.#applyLeases(d.clock.monotonic());
      },
      (err: unknown) => this.#log.warn({ err, event: 'leaseRenewFailed' }, 'could not renew own Lease'),
    ).finally(() => {
      // A failed renew is retried sooner: the Lease must not lapse over one lost call.
      if (!this.#stopped && !this.#leaving) this.#timers.renew = d.clock.setTimer(ok ? this.#t.leaseRenewMs : Math.min(1_000, this.#t.leaseRenewMs), () => this.#renewLoop());
    });
  }

  // ── membership ────────────────────────────────────────────────────────────

  #runMembership(actions: readonly MembershipAction[]): void {
    const d = this.#d;
    for (const a of actions) {
      if (a.kind === 'send') {
        this.#socket?.send(a.to, a.bytes);
        d.metrics.heartbeatPackets.inc({ direction: 'sent' });
      } else if (a.kind === 'event') {
        this.#onMembershipEvent(a.event);
      } else {
        this.#timers.membership?.cancel();
        this.#timers.membership = a.at === null || this.#stopped ? undefined : d.clock.setTimer(Math.max(0, a.at - d.clock.monotonic()), () => {
          this.#timers.membership = undefined;
          this.#runMembership(this.#membership.tick(d.clock.monotonic(), d.clock.now()));
        });
      }
    }
  }

  #onMembershipEvent(e: MembershipEvent): void {
    const d = this.#d;
    const now = d.clock.monotonic();
    switch (e.kind) {
      case 'dropped':
        d.metrics.heartbeatDropped.inc({ reason: e.reason });
        this.#log.debug({ event: 'heartbeatDropped', [LogFields.reason]: e.reason, from: e.from }, 'heartbeat dropped');
        return;
      case 'suspected':
        this.#log.info({ event: 'peerSuspected', peer: e.node, by: e.by }, `peer ${e.node} suspected by ${e.by}`);
        return;
      case 'refuted':
        this.#log.warn({ event: 'suspicionRefuted', incarnation: e.incarnation }, 'a peer suspected this node; refuted with a new incarnation');
        return;
      case 'peer-dead':
        if (e.silentMs !== undefined) d.metrics.detection.observe({ via: 'heartbeat' }, e.silentMs / 1000);
        this.#log.warn({ event: 'peerDead', peer: e.node, via: e.via, detectMs: e.silentMs, detectors: e.detectors, incarnation: e.incarnation }, `peer ${e.node} is dead (heartbeat${e.silentMs !== undefined ? `, silent ${Math.round(e.silentMs)} ms` : ''}; detectors ${e.detectors.join(', ')})`);
        this.#cause = { reason: 'peer-dead', peer: e.node, via: 'heartbeat', ...(e.silentMs !== undefined ? { detectMs: Math.round(e.silentMs) } : {}), at: now };
        break;
      case 'peer-left':
        this.#log.info({ event: 'peerLeft', peer: e.node, incarnation: e.incarnation }, `peer ${e.node} is leaving`);
        this.#cause = { reason: 'peer-left', peer: e.node, via: 'leave', at: now };
        break;
      case 'peer-alive':
        this.#log.info({ event: 'peerAlive', peer: e.node, previous: e.previous, incarnation: e.incarnation }, `peer ${e.node} is alive`);
        if (e.previous !== 'unknown' && e.previous !== 'alive') this.#cause = { reason: 'peer-alive', peer: e.node, via: 'heartbeat', at: now };
        break;
    }
    // A verdict changes the election at once: no debounce on the failover path.
    this.#reconcile();
  }

  #checkLiveness(): void {
    if (!this.#synced || this.#stopped) return;
    const d = this.#d;
    const now = d.clock.monotonic();
    const live = this.#liveSet(now);
    const isolated = this.#membership.isolated(now, this.#leaseView.live(now));
    if (isolated !== this.#isolated) {
      this.#isolated = isolated;
      if (isolated) this.#log.warn({ event: 'isolated' }, 'no heartbeat from any live peer: they have taken over; withdrawing until a peer is heard again');
      else this.#log.info({ event: 'isolationEnded' }, 'hearing peers again');
      this.#cause = { reason: isolated ? 'isolated' : 'isolation-ended', at: now };
      this.#schedule();
    }
    const stale = this.#lastRenewAt !== undefined && now - this.#lastRenewAt > this.#t.leaseDurationSeconds * 1000;
    d.metrics.configStale.set(stale ? 1 : 0);
    const changed = live.size !== this.#lastLive.size || [...live].some((n) => !this.#lastLive.has(n));
    if (!changed) return;
    for (const n of this.#lastLive) {
      if (live.has(n) || this.#membership.state(n) !== 'alive') continue;
      // Membership still says alive: the Lease layer declared it dead.
      this.#log.warn({ event: 'peerDead', peer: n, via: 'lease' }, `peer ${n} is dead (its Lease expired)`);
      this.#cause = { reason: 'peer-dead', peer: n, via: 'lease', at: now };
    }
    this.#schedule();
  }

  #liveSet(now: number): Set<string> {
    return combineLiveness(this.#leaseView.live(now), this.#membership, this.#d.node);
  }

  // ── decide and apply ──────────────────────────────────────────────────────

  #schedule(): void {
    if (this.#timers.reconcile || this.#stopped) return;
    // Coalesces a burst of informer events (an apply of many objects) into one pass.
    this.#timers.reconcile = this.#d.clock.setTimer(0, () => {
      this.#timers.reconcile = undefined;
      this.#reconcile();
    });
  }

  #suppression(now: number): Suppression | undefined {
    if (this.#leaving) return 'leaving';
    if (!this.#synced || !this.#leaseWritten || this.#keyIds.size === 0 || !this.#membership.ready(now)) return 'not-ready';
    if (this.#strict && !this.#strict.ok && this.#d.strictArp === 'enforce') return 'strict-arp';
    if (this.#isolated) return 'isolated';
    return undefined;
  }

  #reconcile(): void {
    if (this.#stopped || !this.#synced) return;
    const d = this.#d;
    const now = d.clock.monotonic();
    const live = this.#liveSet(now);
    this.#lastLive = live;
    d.metrics.livePeers.set(live.size);
    this.#decisions = electServices(electionInput(this.#inputs, d.lbClass, live, d.ignoreExcludeLb));
    const suppress = this.#suppression(now);
    d.metrics.announcing.set(suppress ? 0 : 1);
    const step = planOwnership(this.#state, {
      self: d.node,
      decisions: this.#decisions,
      now,
      cause: this.#cause,
      ...(suppress ? { suppress } : {}),
      handoffMs: this.#leaving ? this.#t.drainMs : this.#t.handoffMs,
      isNew: (key) => !this.#knownAtStart.has(key),
    });
    this.#state = step.state;
    for (const c of step.changes) {
      logOwnerChange(this.#log, d.node, c, suppress, now);
      if (c.kind === 'elected' && !suppress) {
        if (c.previousOwner !== undefined && c.cause.reason !== 'startup') d.metrics.failovers.inc({ reason: c.cause.reason });
        const svc = this.#serviceTarget(c.service);
        if (svc) void this.#events.record(svc, 'Normal', 'nodeAssigned', `announcing from node "${d.node}" with protocol "layer2"`);
      }
    }
    if (!suppress) this.#reportNoOwners(live);
    const plan = planEntries(this.#state, this.#eligible);
    try {
      this.#responder.setEntries(plan.entries);
    } catch (err) {
      this.#log.error({ err, event: 'announceFailed' }, 'could not apply announcements');
    }
    this.#reportProblems(plan.problems);
    d.metrics.announced.reset();
    const wanted = new Map<string, WantedL2Status>();
    for (const o of this.#state.owned.values()) {
      if (o.role !== 'owner') continue;
      for (const key of o.services) {
        const [namespace, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
        d.metrics.announced.set({ service: key, protocol: 'layer2', node: d.node, ip: o.ip }, 1);
        const prev = wanted.get(key);
        const ifaces = plan.interfacesByIp.get(o.ip) ?? [];
        wanted.set(key, { namespace, name, interfaces: [...new Set([...(prev?.interfaces ?? []), ...ifaces])].sort() });
      }
    }
    this.#wantedL2 = [...wanted.values()];
    this.#l2Queue.add('l2');
    this.#timers.handoff?.cancel();
    const expiry = nextHandoffExpiry(this.#state);
    if (expiry !== undefined) {
      this.#timers.handoff = d.clock.setTimer(Math.max(0, expiry - now), () => {
        this.#timers.handoff = undefined;
        this.#cause = { reason: 'handoff-done', at: d.clock.monotonic() };
        this.#reconcile();
      });
    }
  }

  #wantedL2: WantedL2Status[] = [];

  async #syncL2Statuses(): Promise<void> {
    if (this.#stopped) return;
    await this.#l2Writer.apply(planL2Statuses(this.#d.node, l2StatusesOf(this.#inputs), this.#wantedL2));
  }

  #serviceTarget(key: string) {
    const i = key.indexOf('/');
    const svc = this.#inputs.services.get(key.slice(i + 1), key.slice(0, i));
    if (!svc) return undefined;
    return { kind: 'Service', apiVersion: 'v1', namespace: key.slice(0, i), name: key.slice(i + 1), ...(svc.metadata?.uid ? { uid: svc.metadata.uid } : {}) };
  }

  /** Level-triggered: every Service nobody announces gets one Warning per reason, from one speaker. */
  #reportNoOwners(live: ReadonlySet<string>): void {
    const seen = new Set<string>();
    for (const [key, decision] of this.#decisions) {
      const why = noOwnerMessage(decision);
      if (!why || !reportsNoOwner(this.#d.node, live, decision)) continue;
      seen.add(key);
      if (this.#noOwnerReported.get(key) === why) continue;
      this.#noOwnerReported.set(key, why);
      this.#log.warn({ event: 'noAnnouncer', [LogFields.service]: key, [LogFields.ip]: decision.ips, [LogFields.reason]: decision.noOwner }, why);
      const svc = this.#serviceTarget(key);
      if (svc) void this.#events.record(svc, 'Warning', 'announceFailed', why);
    }
    for (const key of [...this.#noOwnerReported.keys()]) if (!seen.has(key)) this.#noOwnerReported.delete(key);
  }

  readonly #noOwnerReported = new Map<string, string>();

  #reportProblems(problems: readonly { ip: string; services: readonly string[]; missing: readonly string[] }[]): void {
    const current = new Map<string, string>();
    for (const p of problems) {
      const msg = `cannot announce ${p.ip} from node "${this.#d.node}": interface ${p.missing.join(', ')} missing or not eligible`;
      current.set(p.ip, msg);
      if (this.#reportedProblems.get(p.ip) === msg) continue;
      this.#log.warn({ event: 'announceFailed', [LogFields.ip]: p.ip, services: p.services, missing: p.missing }, msg);
      for (const s of p.services) {
        const t = this.#serviceTarget(s);
        if (t) void this.#events.record(t, 'Warning', 'announceFailed', msg);
      }
    }
    this.#reportedProblems.clear();
    for (const [k, v] of current) this.#reportedProblems.set(k, v);
  }

  #onResponderEvent(e: ResponderEvent): void {
    const d = this.#d;
    if (e.kind === 'sent' && e.trigger === 'takeover') {
      const since = this.#cause.at;
      this.#log.info({ event: 'garpSent', [LogFields.ip]: e.ip, [LogFields.iface]: e.iface, purpose: e.purpose, msSinceCause: Math.round(d.clock.monotonic() - since), cause: this.#cause.reason, peer: this.#cause.peer }, `gratuitous ${e.family === 4 ? 'ARP' : 'NA'} sent for ${e.ip} on ${e.iface}`);
    }
    if (e.kind === 'conflict') {
      const classification = e.classification === 'split-view' && e.via === 'arp-reply' && !this.#recentlyChanged(e.ip) ? 'strict-arp-off' : e.classification;
      d.metrics.conflicts.inc({ classification });
      const owner = this.#peerOfMac(e.mac);
      if (classification === 'foreign-conflict') {
        const o = this.#state.owned.get(e.ip);
        for (const s of o?.services ?? []) {
          const t = this.#serviceTarget(s);
          if (t) void this.#events.record(t, 'Warning', 'AddressConflict', `another host (MAC ${e.mac}, not a speaker) uses ${e.ip} on ${e.iface}`);
        }
      } else if (classification === 'strict-arp-off') {
        this.#log.warn({ event: 'strictArpSuspect', [LogFields.ip]: e.ip, [LogFields.mac]: e.mac, [LogFields.node]: owner ?? 'unknown' }, `strictARP looks off on node ${owner ?? e.mac}: its kernel answers ARP for ${e.ip}`);
      } else {
        this.#cause = { reason: 'split-view', ...(owner ? { peer: owner } : {}), at: d.clock.monotonic() };
        this.#schedule();
      }
    }
    this.#updateLayer2Counters();
  }

  #recentlyChanged(ip: string): boolean {
    const o = this.#state.owned.get(ip);
    return o !== undefined && this.#d.clock.monotonic() - o.since < this.#t.handoffMs + 1_000;
  }

  #peerOfMac(mac: string): string | undefined {
    for (const l of this.#inputs.leases.list()) {
      const info = leaseInfo(l);
      if (info?.macs.includes(mac.toLowerCase())) return info.node;
    }
    return undefined;
  }

  #layer2Pending = false;

  #updateLayer2Counters(): void {
    if (this.#layer2Pending) return;
    this.#layer2Pending = true;
    // Per-frame events are many: refresh the gauges at most every 100 ms.
    this.#d.clock.setTimer(100, () => {
      this.#layer2Pending = false;
      const m = this.#d.metrics;
      const snap = this.#responder.counters();
      m.requestsReceived.reset();
      m.responsesSent.reset();
      m.gratuitousSent.reset();
      for (const [ip, c] of Object.entries(snap.perIp)) {
        m.requestsReceived.set({ ip }, c.requestsReceived);
        m.responsesSent.set({ ip }, c.responsesSent);
        m.gratuitousSent.set({ ip }, c.gratuitousSent);
      }
    });
  }

  #every(name: string, ms: number, fn: () => void): void {
    this.#timers[name] = this.#d.clock.setTimer(ms, () => {
      if (this.#stopped) return;
      fn();
      this.#every(name, ms, fn);
    });
  }
}
