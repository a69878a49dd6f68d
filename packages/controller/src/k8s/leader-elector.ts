// Leader election on a coordination.k8s.io Lease so two controller replicas can run and
// only one acts. The decisions are pure (leader/decide.ts); this file does the I/O.
// Writes use the lease's resourceVersion, so two candidates racing for an expired lease
// cannot both win: the loser gets 409 Conflict.
import { V1MicroTime, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { httpStatusOf, isConflict, isNotFound, type Clock, type Logger, type TimerHandle } from '@ironlb/core';
import { decide, observe, type LeaseView, type Observation } from '../leader/decide.js';

export interface LeaderElectorOptions {
  api: Pick<CoordinationV1Api, 'readNamespacedLease' | 'createNamespacedLease' | 'replaceNamespacedLease'>;
  namespace: string;
  name: string;
  identity: string;
  clock: Clock;
  log: Logger;
  leaseDurationSeconds?: number;
  /** A leader that cannot renew for this long stops leading (must be < lease duration). */
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

function viewOf(l: V1Lease): LeaseView {
  return {
    holder: l.spec?.holderIdentity ?? '',
    durationSeconds: l.spec?.leaseDurationSeconds ?? 15,
    renewTime: l.spec?.renewTime ? new Date(l.spec.renewTime).toISOString() : undefined,
    transitions: l.spec?.leaseTransitions ?? 0,
    resourceVersion: l.metadata?.resourceVersion,
  };
}

export class LeaderElector {
  #o: Required<Omit<LeaderElectorOptions, 'api' | 'clock' | 'log' | 'onStartedLeading' | 'onStoppedLeading'>> & LeaderElectorOptions;
  #obs: Observation | undefined;
  #leading = false;
  #lastRenew = 0;
  #timer: TimerHandle | undefined;
  /** The attempt on the wire, if any: stop() waits for it before releasing. */
  #ticking: Promise<void> | undefined;
  #stopped = false;
  #otherHolds = false;
  #decided = false;
  /** True once we wrote the lease as holder, even if stop() came before we noticed. */
  #mayHold = false;

  constructor(o: LeaderElectorOptions) {
    this.#o = { leaseDurationSeconds: 15, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...o };
  }

  /** True once an attempt has told us who leads (us or another replica). Until then a
   * replica must not call itself a ready standby: it may be about to lead. */
  get decided(): boolean {
    return this.#decided;
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  start(): void {
    this.#stopped = false;
    this.#run();
  }

  #run(): void {
    const t = this.#tick();
    this.#ticking = t;
    const clear = () => {
      if (this.#ticking === t) this.#ticking = undefined;
    };
    t.then(clear, clear);
  }

  /**
   * Stops trying; a leader releases the lease so a standby takes over at once. An attempt
   * still on the wire is waited for first: it may renew (or even acquire) the lease, which
   * would make a release based on an older read fail with 409 and leave the standby
   * waiting for the whole lease duration.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    await this.#ticking;
    const wasLeading = this.#leading;
    this.#leading = false;
    if (!wasLeading && !this.#mayHold) return;
    for (let attempt = 1; ; attempt++) {
      try {
        const cur = await this.#o.api.readNamespacedLease({ name: this.#o.name, namespace: this.#o.namespace });
        if (cur.spec?.holderIdentity !== this.#o.identity) return;
        cur.spec.holderIdentity = '';
        cur.spec.leaseDurationSeconds = 1;
        await this.#o.api.replaceNamespacedLease({ name: this.#o.name, namespace: this.#o.namespace, body: cur });
        this.#o.log.info({ event: 'leaseReleased', lease: this.#o.name }, 'released leadership');
        return;
      } catch (err) {
        // A conflict means the lease changed between our read and write: read it again.
        if (isConflict(err) && attempt < 3) continue;
        this.#o.log.warn({ err, lease: this.#o.name }, 'could not release the lease; it will expire');
        return;
      }
    }
  }

  #spec(transitions: number, acquire: boolean, prev?: V1Lease): V1Lease {
    // Lease times are MicroTime: the API server rejects toISOString()'s 3 fraction digits.
    const now = new V1MicroTime(this.#o.clock.now());
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { ...(prev?.metadata ?? {}), name: this.#o.name, namespace: this.#o.namespace },
      spec: {
        holderIdentity: this.#o.identity,
        leaseDurationSeconds: this.#o.leaseDurationSeconds,
        acquireTime: acquire ? now : prev?.spec?.acquireTime,
        renewTime: now,
        leaseTransitions: transitions,
      },
    };
  }

  async #attempt(): Promise<boolean> {
    const { api, namespace, name } = this.#o;
    let cur: V1Lease | undefined;
    try {
      cur = await api.readNamespacedLease({ name, namespace });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    this.#otherHolds = false;
    const view = cur ? viewOf(cur) : undefined;
    const now = this.#o.clock.monotonic();
    if (view) this.#obs = observe(this.#obs, view, now);
    const d = decide(view, this.#obs, this.#o.identity, now);
    switch (d.action) {
      case 'create':
        this.#mayHold = true;
        await api.createNamespacedLease({ namespace, body: this.#spec(0, true) });
        return true;
      case 'acquire':
        this.#mayHold = true;
        await api.replaceNamespacedLease({ name, namespace, body: this.#spec(d.transitions, true, cur) });
        return true;
      case 'renew':
        await api.replaceNamespacedLease({ name, namespace, body: this.#spec(view?.transitions ?? 0, false, cur) });
        return true;
      case 'wait':
        // Someone else holds it: if we thought we led, we must stop at once.
        this.#otherHolds = true;
        return false;
    }
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    let held = false;
    try {
      held = await this.#attempt();
      this.#decided = true;
    } catch (err) {
      this.#o.log.debug({ err, status: httpStatusOf(err), lease: this.#o.name }, 'lease attempt failed');
    }
    if (this.#stopped) return;
    const now = this.#o.clock.monotonic();
    if (held) {
      this.#lastRenew = now;
      if (!this.#leading) {
        this.#leading = true;
        this.#o.log.info({ event: 'leaderElected', lease: this.#o.name, identity: this.#o.identity }, 'became leader');
        this.#o.onStartedLeading();
      }
    } else if (this.#leading && (this.#otherHolds || now - this.#lastRenew > this.#o.renewDeadlineMs)) {
      this.#leading = false;
      this.#o.log.error({ event: 'leaderLost', lease: this.#o.name }, 'could not renew the lease in time; stopping');
      this.#o.onStoppedLeading();
      return;
    }
    this.#timer = this.#o.clock.setTimer(this.#o.retryPeriodMs, () => this.#run());
  }
}
