// The speaker: learns what to announce from the API server, agrees with its peers on who
// is live (per-node Leases + authenticated UDP heartbeats), elects one owner per service
// IP, and drives the ARP/NDP responder. createSpeaker is what main.ts and the tests call;
// every decision is a pure function (core's election, plan/, membership/, preflight) and this
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
import { checkStrictArp, createEventRecorder, splitKey, LogFields, WorkQueue, type ChangeType, type Clock, type EventRecorder, type Logger, type StrictArpVerdict, type TimerHandle } from '@ironlb/core';
import type { AnnouncerConfigInput } from './announce/config.js';
import type { ResponderEvent } from './announce/runtime.js';
import { createResponder, type Responder } from './announce/runtime.js';
import { electServices, noOwnerMessage, reportsNoOwner, type ServiceDecision } from '@ironlb/core';
import { selectAnnounceInterfaces } from './interfaces/select.js';
import type { InterfaceLister } from './interfaces/types.js';
import { electionInput, heartbeatKeysOf, l2StatusesOf, watchInputs, type InputKind, type SpeakerInputs } from './k8s/inputs.js';
import { createL2StatusWriter, planL2Statuses, type L2StatusWriter, type WantedL2Status } from './k8s/l2-status.js';
import { createNodeLeaseWriter, leaseInfo, speakerLeaseName, type NodeLeaseWriter } from './k8s/node-lease.js';
import { combineLiveness, LeaseView } from '@ironlb/core';
import { Membership } from './membership/membership.js';
import type { MembershipAction, MembershipConfig, MembershipEvent, Peer } from './membership/types.js';
import type { HeartbeatSocket } from './membership/udp-transport.js';
import type { SpeakerMetrics } from './metrics.js';
import type { OpenPacketSocket } from './packet/packet-socket.js';
import { planEntries } from './plan/entries.js';
import { logOwnerChange } from './plan/log-changes.js';
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
  // Above membership's startup wait (1 s): a node that peers elect the moment its Lease
  // appears may need that long to announce; the old owner keeps answering meanwhile.
  handoffMs: 2_000,
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
  #started = false;
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
  #apiLost = false;
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
    // Fresh = our own renewal seen through the watch within two renew intervals (+1 s):
    // shorter than the Lease duration, so a node whose watch broke never outlives its view
    // and declares healthy peers dead from a cache that stopped moving.
    this.#leaseView = new LeaseView({ leaseDurationSeconds: this.#t.leaseDurationSeconds, apiFreshMs: 2 * this.#t.leaseRenewMs + 1_000 });
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
      // One line, not the client's full HTTP dump: a long API outage retries many times.
      onError: (_k, err, retryInMs) => this.#log.warn({ [LogFields.reason]: String((err as Error)?.message ?? err).split('\n')[0]?.slice(0, 300), retryInMs, event: 'l2StatusFailed' }, 'could not write ServiceL2Status; retrying'),
    });
  }

  async start(): Promise<void> {
    const d = this.#d;
    this.#startedAt = d.clock.monotonic();
    this.#started = true;
    this.#inputs = watchInputs({ kc: d.kc, namespace: d.namespace, node: d.node, clock: d.clock, log: this.#log, watchTimeoutSeconds: this.#t.watchTimeoutSeconds, onChange: (k, t, o) => this.#onInput(k, t, o) });
    this.#l2Writer = createL2StatusWriter(d.kc.makeApiClient(CustomObjectsApi), d.namespace, d.node, () => this.#nodeUid, this.#t.apiDeadlineMs, d.clock);
    const socket = await d.heartbeat.open(d.heartbeat.bindAddress, (bytes) => {
      if (this.#stopped) return;
      d.metrics.heartbeatPackets.inc({ direction: 'received' });
      this.#runMembership(this.#membership.receive(bytes, d.clock.monotonic(), d.clock.now()));
    });
    if (this.#stopped || this.#leaving) {
      await socket.close(); // stop() came while we were binding
      return;
    }
    this.#socket = socket;
    await this.#scanInterfaces();
    await this.#inputs.synced;
    if (this.#stopped || this.#leaving) return;
    for (const s of this.#inputs.services.list()) this.#knownAtStart.add(`${s.metadata?.namespace}/${s.metadata?.name}`);
    this.#synced = true;
    d.metrics.configLoaded.set(1);
    this.#log.info({ event: 'cachesSynced', ms: Math.round(d.clock.monotonic() - this.#startedAt) }, 'caches synced');
    this.#onInput('lease', 'update', {});
    this.#onInput('secret', 'update', {});
    this.#onInput('kube-proxy', 'update', {});
    // Our Lease is what makes peers count us (and elect us): write it only now that we
    // can act on our view and heartbeat.
    this.#renewLoop();
    this.#every('resync', this.#t.resyncMs, () => {
      // Still refusing: say it again (the recorder bumps the count), so the Event never
      // expires while the problem lasts.
      if (this.#strict && !this.#strict.ok) void this.#events.record(this.#nodeTarget(), 'Warning', 'StrictARPOff', this.#strict.message);
      this.#setCause({ reason: 'resync', at: d.clock.monotonic() });
      this.#schedule();
      this.#l2Queue.add('l2');
    });
    this.#every('interfaces', this.#t.interfaceScanMs, () => void this.#scanInterfaces().then((changed) => {
      if (!changed) return;
      this.#setCause({ reason: 'interfaces-changed', at: d.clock.monotonic() });
      this.#schedule();
    }));
    // The Lease layer and isolation are judged by time passing, not only by events.
    this.#every('liveness', 200, () => this.#checkLiveness());
    this.#schedule();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    const d = this.#d;
    if (!this.#started) {
      // Stopped before start() got going: nothing was announced or written.
      this.#stopped = true;
      this.#responder.close();
      return;
    }
    this.#leaving = true;
    const now = d.clock.monotonic();
    this.#log.info({ event: 'leaving', drainMs: this.#t.drainMs }, 'leaving: telling peers, answering quietly while they take over');
    this.#runMembership(this.#membership.leave(now, d.clock.now()));
    this.#setCause({ reason: 'leaving', peer: d.node, at: now });
    this.#reconcile();
    await new Promise<void>((r) => d.clock.setTimer(this.#t.drainMs, r));
    this.#stopped = true;
    for (const t of Object.values(this.#timers)) t?.cancel();
    this.#responder.close();
    this.#state = EMPTY_OWNERSHIP;
    // A status write still on the wire could re-create what we are about to delete.
    this.#l2Queue.stop();
    await this.#l2Queue.idle();
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
    if (this.#keyIds.size === 0) why.push(`no usable heartbeat key in Secret ${this.#d.namespace}/ironlb-heartbeat: the controller creates it when missing; a Secret without a key of >= 16 bytes (name <= 64 bytes) must be fixed or deleted`);
    if (!this.#membership.ready(this.#d.clock.monotonic())) why.push('membership not ready (waiting to hear from peers)');
    if (this.#strict && !this.#strict.ok && this.#d.strictArp === 'enforce') why.push(`strictARP preflight refused: ${this.#strict.message}`);
    if (this.#isolated) why.push('isolated: no heartbeat from any live peer');
    if (this.#apiLost) why.push('own Lease lapsed while peers reach the API server (they took over)');
    if (this.#leaving) why.push('leaving');
    const now = this.#d.clock.monotonic();
    if (this.#duplicateSince !== undefined && now - this.#duplicateSince < 30_000) why.push(`another speaker runs with node name "${this.#d.node}"`);
    if (this.#synced && !this.#inputs.nodes.get(this.#d.node)) why.push(`no Node named "${this.#d.node}": check --node-name / NODE_NAME`);
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
        const secret = this.#inputs.secret.list()[0];
        const keys = heartbeatKeysOf(secret);
        const unusable = Object.keys(secret?.data ?? {}).filter((id) => !keys.some((k) => k.id === id));
        if (unusable.length > 0) this.#log.warn({ event: 'heartbeatKeyUnusable', keys: unusable }, `ignoring heartbeat key(s) ${unusable.join(', ')}: a key needs a name of at most 64 bytes and at least 16 bytes of data`);
        if (keys.length === 0 && this.#keyIds.size === 0) {
          this.#log.warn({ event: 'heartbeatKeyMissing' }, `waiting for a heartbeat key in Secret ${d.namespace}/ironlb-heartbeat (the controller creates it when missing); not announcing until then`);
          return;
        }
        if (keys.length === 0 && this.#keyIds.size > 0) {
          // Deleted or emptied: keep signing with what we have (peers do the same) rather
          // than fall silent everywhere at once; the controller re-creates the Secret.
          this.#log.warn({ event: 'heartbeatKeyMissing' }, `the heartbeat key Secret ${d.namespace}/ironlb-heartbeat has no usable key; keeping the keys already loaded`);
          return;
        }
        // While we hold no key, any key is usable at once (nobody can be signing with one we
        // lack). Only a key added beside one we use waits out the activation delay, so peers
        // that have not loaded it yet never drop our heartbeats (rotation without a failover).
        const initial = this.#keyIds.size === 0;
        for (const k of keys) if (!this.#firstSeen.has(k.id)) this.#firstSeen.set(k.id, initial ? Number.NEGATIVE_INFINITY : now);
        this.#keyIds = new Set(keys.map((k) => k.id));
        try {
          this.#runMembership(this.#membership.setKeys(keys.map((k) => ({ ...k, firstSeenAt: this.#firstSeen.get(k.id)! })), now));
        } catch (err) {
          this.#log.error({ err, event: 'heartbeatKeyRejected' }, 'could not load the heartbeat keys; keeping the previous ones');
          return;
        }
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
    this.#setCause({ reason: `${kind}-changed`, at: now });
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
      if (info.node === d.node) {
        // Our own renewal coming back through the watch proves the watch is live, not just
        // that writes succeed: only then may expired peer Leases be believed.
        const renewTime = l.spec?.renewTime ? new Date(l.spec.renewTime).getTime() : undefined;
        if (renewTime !== undefined && renewTime !== this.#ownRenewSeen) {
          this.#ownRenewSeen = renewTime;
          if (this.#synced) this.#leaseView.markApiFresh(now);
        }
      }
      this.#leaseView.observe(info.node, { ...(l.spec?.renewTime ? { renewTime: new Date(l.spec.renewTime).toISOString() } : {}), leaseDurationSeconds: l.spec?.leaseDurationSeconds ?? this.#t.leaseDurationSeconds, holderIdentity: l.spec?.holderIdentity ?? info.node }, now, d.clock.now());
      if (info.node === d.node) continue;
      peers.push({ node: info.node, address: info.heartbeatAddress });
      macs.push(...info.macs);
    }
    for (const node of this.#leaseView.nodes()) if (!seen.has(node)) this.#leaseView.delete(node);
    this.#responder.setKnownSpeakerMacs(macs);
    // Join the heartbeat mesh only once we could announce (caches, own Lease, key): peers
    // elect a node as soon as they hear it, and a node they elect must be able to answer.
    const peerKey = peers.map((p) => `${p.node}@${p.address}`).sort().join(',');
    if (this.#leaseWritten && this.#keyIds.size > 0 && (peerKey !== this.#peerKey || !this.#joined)) {
      // Only when the peer set changed: a renewal of some Lease is not news to membership.
      this.#peerKey = peerKey;
      this.#joined = true;
      this.#runMembership(this.#membership.setPeers(peers, now, d.clock.now()));
    }
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
    this.#setCause({ reason: 'strict-arp-changed', at: d.clock.monotonic() });
    this.#schedule();
  }

  #nodeTarget() {
    // Cluster-scoped: the Event lives in 'default' with no involvedObject namespace, which
    // is where `kubectl describe node` looks.
    return { kind: 'Node', apiVersion: 'v1', namespace: '', eventNamespace: 'default', name: this.#d.node, ...(this.#nodeUid ? { uid: this.#nodeUid } : {}) };
  }

  /** Lists the eligible interfaces; true when the list (or their MACs) changed. */
  async #scanInterfaces(): Promise<boolean> {
    try {
      const sel = selectAnnounceInterfaces(await this.#d.interfaceLister.list());
      const eligible = sel.included.map((i) => i.name);
      const macs = [...new Set(sel.included.map((i) => i.mac.toLowerCase()))];
      const changed = eligible.join() !== this.#eligible.join() || macs.join() !== this.#macs.join();
      this.#eligible = eligible;
      this.#macs = macs;
      return changed;
    } catch (err) {
      this.#log.warn({ err, event: 'interfaceScanFailed' }, 'could not list interfaces');
      return false;
    }
  }

  // ── own Lease ─────────────────────────────────────────────────────────────

  #renewLoop(): void {
    if (this.#stopped || this.#leaving) return;
    const d = this.#d;
    if (this.#keyIds.size === 0) {
      // Without a heartbeat key peers could not hear us: stay out until the Secret has one.
      this.#timers.renew = d.clock.setTimer(1_000, () => this.#renewLoop());
      return;
    }
    const info = { node: d.node, heartbeatAddress: d.heartbeat.advertiseAddress, macs: this.#macs };
    let ok = false;
    this.#leaseWriter.renew(info).then(
      () => {
        ok = true;
        const first = !this.#leaseWritten;
        this.#leaseWritten = true;
        this.#lastRenewAt = d.clock.monotonic();
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
    let verdicts = false;
    for (const a of actions) {
      if (a.kind === 'send') {
        this.#socket?.send(a.to, a.bytes);
        d.metrics.heartbeatPackets.inc({ direction: 'sent' });
      } else if (a.kind === 'event') {
        verdicts = this.#onMembershipEvent(a.event) || verdicts;
      } else {
        this.#timers.membership?.cancel();
        this.#timers.membership = a.at === null || this.#stopped ? undefined : d.clock.setTimer(Math.max(0, a.at - d.clock.monotonic()), () => {
          this.#timers.membership = undefined;
          this.#runMembership(this.#membership.tick(d.clock.monotonic(), d.clock.now()));
        });
      }
    }
    if (this.#stopped) return;
    // Readiness turns true silently (the startup wait ends, the last awaited heartbeat
    // arrives): re-plan then, or a restarted node would sit out its own IPs.
    const now = d.clock.monotonic();
    const ready = this.#membership.ready(now);
    if (ready !== this.#membershipReady) {
      this.#membershipReady = ready;
      if (ready) this.#setCause({ reason: 'ready', at: now });
      verdicts = true;
    }
    // Hearing a peer again ends isolation at once (not at the next liveness poll).
    if (this.#isolated && !this.#membership.isolated(now, this.#leaseView.live(now))) this.#checkLiveness();
    // One reconcile per batch, synchronously: a verdict changes the election at once, and
    // N events (a cold start's N peer-alive) cost one election, not N.
    if (verdicts) this.#reconcile();
  }

  #membershipReady = false;
  #peerKey = '';
  #duplicateSince: number | undefined;
  #duplicateWarnedAt = 0;
  #ownRenewSeen: number | undefined;
  #joined = false;

  /** Logs and counts one membership event; true when it changes who is live. */
  #onMembershipEvent(e: MembershipEvent): boolean {
    const d = this.#d;
    const now = d.clock.monotonic();
    switch (e.kind) {
      case 'dropped':
        d.metrics.heartbeatDropped.inc({ reason: e.reason });
        if (e.reason === 'self') {
          // A packet signed with our key, from "us", that we did not send: another speaker
          // runs with our node name (a wrong NODE_NAME). Say it loudly, at most every 10 s.
          if (this.#duplicateSince === undefined || now - this.#duplicateWarnedAt > 10_000) {
            this.#duplicateWarnedAt = now;
            this.#log.error({ event: 'duplicateNodeName' }, `another speaker runs with node name "${d.node}" (a heartbeat signed as this node that it did not send): check --node-name / NODE_NAME on every node`);
          }
          this.#duplicateSince = now;
          return false;
        }
        this.#log.debug({ event: 'heartbeatDropped', [LogFields.reason]: e.reason, from: e.from }, 'heartbeat dropped');
        return false;
      case 'suspected':
        this.#log.info({ event: 'peerSuspected', peer: e.node, by: e.by }, `peer ${e.node} suspected by ${e.by}`);
        return false;
      case 'refuted':
        this.#log.warn({ event: 'suspicionRefuted', incarnation: e.incarnation }, 'a peer suspected this node; refuted with a new incarnation');
        return false;
      case 'peer-dead':
        if (e.silentMs !== undefined) d.metrics.detection.observe({ via: 'heartbeat' }, e.silentMs / 1000);
        this.#log.warn({ event: 'peerDead', peer: e.node, via: e.via, ...(e.silentMs !== undefined ? { detectMs: Math.round(e.silentMs) } : {}), detectors: e.detectors, incarnation: e.incarnation }, `peer ${e.node} is dead (heartbeat${e.silentMs !== undefined ? `, silent ${Math.round(e.silentMs)} ms` : ''}; detectors ${e.detectors.join(', ')})`);
        this.#setCause({ reason: 'peer-dead', peer: e.node, via: 'heartbeat', ...(e.silentMs !== undefined ? { detectMs: Math.round(e.silentMs) } : {}), at: now });
        return true;
      case 'peer-left':
        this.#log.info({ event: 'peerLeft', peer: e.node, incarnation: e.incarnation }, `peer ${e.node} is leaving`);
        this.#setCause({ reason: 'peer-left', peer: e.node, via: 'leave', at: now });
        return true;
      case 'peer-alive':
        this.#log.info({ event: 'peerAlive', peer: e.node, previous: e.previous, incarnation: e.incarnation }, `peer ${e.node} is alive`);
        if (e.previous !== 'unknown' && e.previous !== 'alive') this.#setCause({ reason: 'peer-alive', peer: e.node, via: 'heartbeat', at: now });
        return true;
    }
  }

  /**
   * The cause the next reconcile reports. Peer verdicts win over input changes within one
   * pass, so a failover's log names the dead peer even if an unrelated event came between;
   * the reconcile clears it.
   */
  #setCause(c: ChangeCause): void {
    if (this.#causeSet && this.#cause.peer !== undefined && c.peer === undefined) return;
    this.#cause = c;
    this.#causeSet = true;
  }

  #causeSet = false;

  #checkLiveness(): void {
    if (!this.#synced || this.#stopped) return;
    const d = this.#d;
    const now = d.clock.monotonic();
    const live = this.#liveSet(now);
    // Not before membership is ready: a starting speaker has heard nobody yet by definition.
    const isolated = this.#membershipReady && this.#membership.isolated(now, this.#leaseView.live(now));
    if (isolated !== this.#isolated) {
      this.#isolated = isolated;
      if (isolated) this.#log.warn({ event: 'isolated' }, 'no heartbeat from any live peer: they have taken over; withdrawing until a peer is heard again');
      else this.#log.info({ event: 'isolationEnded' }, 'hearing peers again');
      this.#setCause({ reason: isolated ? 'isolated' : 'isolation-ended', at: now });
      this.#schedule();
    }
    const stale = this.#lastRenewAt !== undefined && now - this.#lastRenewAt > this.#t.leaseDurationSeconds * 1000;
    d.metrics.configStale.set(stale ? 1 : 0);
    // Our heartbeats tell peers whether we still reach the API server. When our own Lease
    // has lapsed but a peer still reaches it, that peer has declared us dead and taken
    // over: withdraw. When nobody reaches it, nobody is declared dead and nobody withdraws.
    this.#membership.setApiFresh(!stale);
    const apiLost = stale && this.#membership.peersReportApiFresh(now);
    if (apiLost !== this.#apiLost) {
      this.#apiLost = apiLost;
      if (apiLost) this.#log.warn({ event: 'apiLost', lastRenewMsAgo: Math.round(now - (this.#lastRenewAt ?? now)) }, 'own Lease lapsed while peers still reach the API server: they have taken over; withdrawing until the Lease is renewed');
      else this.#log.info({ event: 'apiRegained' }, 'own Lease renewed (or nobody reaches the API server): announcing again');
      this.#setCause({ reason: apiLost ? 'api-lost' : 'api-regained', at: now });
      this.#schedule();
    }
    const changed = live.size !== this.#lastLive.size || [...live].some((n) => !this.#lastLive.has(n));
    if (!changed) return;
    for (const n of this.#lastLive) {
      if (live.has(n) || this.#membership.state(n) !== 'alive') continue;
      // Membership still says alive: the Lease layer declared it dead.
      this.#log.warn({ event: 'peerDead', peer: n, via: 'lease' }, `peer ${n} is dead (its Lease expired)`);
      this.#setCause({ reason: 'peer-dead', peer: n, via: 'lease', at: now });
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
    if (this.#apiLost) return 'api-lost';
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
    const cause = this.#cause;
    // The next pass reports its own cause (a periodic pass is a resync).
    this.#cause = { reason: 'resync', at: now };
    this.#causeSet = false;
    for (const c of step.changes) {
      logOwnerChange(this.#log, d.node, c, suppress, now);
      if (c.kind === 'elected' && !suppress) for (const ip of c.ips) this.#electedBy.set(ip, cause);
      if (c.kind === 'elected' && !suppress && c.previousOwner !== undefined && c.cause.reason !== 'startup') d.metrics.failovers.inc({ reason: c.cause.reason });
    }
    if (!suppress) this.#reportNoOwners(live);
    const plan = planEntries(this.#state, this.#eligible);
    try {
      this.#responder.setEntries(plan.entries);
    } catch (err) {
      this.#log.error({ err, event: 'announceFailed' }, 'could not apply announcements');
    }
    this.#reportProblems(plan.problems);
    // What is really announced: owned IPs with at least one interface to answer on. An IP
    // whose interfaces are all missing is not announced (metric, status, Event say so).
    d.metrics.announced.reset();
    const wanted = new Map<string, WantedL2Status>();
    for (const o of this.#state.owned.values()) {
      const ifaces = plan.interfacesByIp.get(o.ip) ?? [];
      if (o.role !== 'owner' || ifaces.length === 0) continue;
      for (const key of o.services) {
        const { namespace, name } = splitKey(key);
        d.metrics.announced.set({ service: key, protocol: 'layer2', node: d.node, ip: o.ip }, 1);
        const prev = wanted.get(key);
        wanted.set(key, { namespace, name, interfaces: [...new Set([...(prev?.interfaces ?? []), ...ifaces])].sort() });
      }
    }
    // nodeAssigned once per Service each time this node starts announcing it (level: also
    // when a missing interface appears later).
    for (const key of wanted.keys()) {
      if (this.#assignedPosted.has(key)) continue;
      this.#assignedPosted.add(key);
      const svc = this.#serviceTarget(key);
      if (svc) void this.#events.record(svc, 'Normal', 'nodeAssigned', `announcing from node "${d.node}" with protocol "layer2"`);
    }
    for (const key of [...this.#assignedPosted]) if (!wanted.has(key)) this.#assignedPosted.delete(key);
    // Only when what we want changed: a reconcile per heartbeat verdict must not requeue
    // writes (a failing write retries with backoff; the resync and status events requeue too).
    const wantedL2 = [...wanted.values()];
    if (JSON.stringify(wantedL2) !== JSON.stringify(this.#wantedL2)) {
      this.#wantedL2 = wantedL2;
      this.#l2Queue.add('l2');
    }
    this.#timers.handoff?.cancel();
    const expiry = nextHandoffExpiry(this.#state);
    if (expiry !== undefined) {
      this.#timers.handoff = d.clock.setTimer(Math.max(0, expiry - now), () => {
        this.#timers.handoff = undefined;
        this.#setCause({ reason: 'handoff-done', at: d.clock.monotonic() });
        this.#reconcile();
      });
    }
  }

  #wantedL2: WantedL2Status[] = [];
  readonly #assignedPosted = new Set<string>();
  /** IP → the cause of the election that made this node announce it (for `garpSent`). */
  readonly #electedBy = new Map<string, ChangeCause>();

  async #syncL2Statuses(): Promise<void> {
    if (this.#stopped || this.#leaving) return;
    const live = this.#lastLive;
    const services = new Set(this.#decisions.keys());
    // One janitor for Services that are gone: the first live node by name.
    const janitor = [...live].sort()[0] === this.#d.node;
    await this.#l2Writer.apply(planL2Statuses(this.#d.node, l2StatusesOf(this.#inputs), this.#wantedL2, { live, services, janitor }));
  }

  #serviceTarget(key: string) {
    const { namespace, name } = splitKey(key);
    const svc = this.#inputs.services.get(name, namespace);
    if (!svc) return undefined;
    return { kind: 'Service', apiVersion: 'v1', namespace, name, ...(svc.metadata?.uid ? { uid: svc.metadata.uid } : {}) };
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
      // The cause of the election that made us announce this IP, not whatever came since.
      const cause = this.#electedBy.get(e.ip) ?? this.#cause;
      this.#log.info({ event: 'garpSent', [LogFields.ip]: e.ip, [LogFields.iface]: e.iface, purpose: e.purpose, msSinceCause: Math.round(d.clock.monotonic() - cause.at), cause: cause.reason, ...(cause.peer ? { peer: cause.peer } : {}) }, `gratuitous ${e.family === 4 ? 'ARP' : 'NA'} sent for ${e.ip} on ${e.iface}`);
    }
    if (e.kind === 'withdrawn') this.#electedBy.delete(e.ip);
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
        this.#setCause({ reason: 'split-view', ...(owner ? { peer: owner } : {}), at: d.clock.monotonic() });
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

  /** Last counter values exported per IP, to turn the responder's totals into increments. */
  readonly #exported = new Map<string, { requests: number; responses: number; gratuitous: number }>();

  #updateLayer2Counters(): void {
    if (this.#timers.layer2 || this.#stopped) return;
    // Per-frame events are many: refresh the counters at most every 100 ms.
    this.#timers.layer2 = this.#d.clock.setTimer(100, () => {
      this.#timers.layer2 = undefined;
      const m = this.#d.metrics;
      const snap = this.#responder.counters();
      for (const [ip, c] of Object.entries(snap.perIp)) {
        const prev = this.#exported.get(ip) ?? { requests: 0, responses: 0, gratuitous: 0 };
        // The responder restarts an IP's counts after a withdraw: a drop is a new series.
        const delta = (now: number, was: number) => (now >= was ? now - was : now);
        m.requestsReceived.inc({ ip }, delta(c.requestsReceived, prev.requests));
        m.responsesSent.inc({ ip }, delta(c.responsesSent, prev.responses));
        m.gratuitousSent.inc({ ip }, delta(c.gratuitousSent, prev.gratuitous));
        this.#exported.set(ip, { requests: c.requestsReceived, responses: c.responsesSent, gratuitous: c.gratuitousSent });
      }
      for (const ip of [...this.#exported.keys()]) {
        if (snap.perIp[ip]) continue;
        // Withdrawn: drop its series (bounded memory for churning IPs).
        this.#exported.delete(ip);
        m.requestsReceived.remove({ ip });
        m.responsesSent.remove({ ip });
        m.gratuitousSent.remove({ ip });
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
