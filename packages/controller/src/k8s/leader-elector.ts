// Leader election on a coordination.k8s.io Lease so two controller replicas can run and
// only one acts. The decisions are pure (leader/decide.ts); this file does the I/O.
// Writes use the lease's resourceVersion, so two candidates racing for an expired lease
// cannot both win: the loser gets 409 Conflict.
//
// Deadlines, as client-go's RenewDeadline: every call is aborted when its deadline passes
// (client-node has none), each try of a leader is bounded by what is left of the renew
// deadline, and a watchdog ends leadership the moment no renew has succeeded within the
// renew deadline, even while a try is still stuck on the wire. The lease lasts longer
// than the renew deadline, so the old leader has stopped before anyone may take over.
import { V1MicroTime, type ConfigurationOptions, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { callWithDeadline, httpStatusOf, isConflict, isNotFound, type Clock, type Logger, type TimerHandle } from '@ironlb/core';
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
  /**
   * Called once the lease is ours. A returned promise that rejects is a failed take-over:
   * the lease is given back at once (so another replica takes over without waiting for it
   * to expire), then onStoppedLeading is called.
   */
  onStartedLeading: () => void | Promise<void>;
  /** Leadership ended: renew deadline passed, another holder seen, or take-over failed. */
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
  /** Fires when the renew deadline passes without a successful renew. */
  #watchdog: TimerHandle | undefined;
  /** True once leadership ended; this elector never leads again (the process restarts). */
  #lost = false;

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
    this.#watchdog?.cancel();
    await this.#ticking;
    const wasLeading = this.#leading;
    this.#leading = false;
    if (!wasLeading && !this.#mayHold) return;
    await this.#release();
  }

  /** Gives the lease back (holder '') if we still hold it; best effort, each call bounded. */
  async #release(): Promise<void> {
    const { name, namespace } = this.#o;
    for (let attempt = 1; ; attempt++) {
      try {
        const cur = await this.#call((o) => this.#o.api.readNamespacedLease({ name, namespace }, o), `read lease ${namespace}/${name}`, this.#o.renewDeadlineMs);
        if (cur.spec?.holderIdentity !== this.#o.identity) return;
        cur.spec.holderIdentity = '';
        cur.spec.leaseDurationSeconds = 1;
        await this.#call((o) => this.#o.api.replaceNamespacedLease({ name, namespace, body: cur }, o), `release lease ${namespace}/${name}`, this.#o.renewDeadlineMs);
        this.#mayHold = false;
        this.#o.log.info({ event: 'leaseReleased', lease: name }, 'released leadership');
        return;
      } catch (err) {
        // A conflict means the lease changed between our read and write: read it again.
        if (isConflict(err) && attempt < 3) continue;
        this.#o.log.warn({ err, lease: name }, 'could not release the lease; it will expire');
        return;
      }
    }
  }

  /** One API call, aborted after `ms`. */
  #call<T>(fn: (o: ConfigurationOptions) => Promise<T>, what: string, ms: number): Promise<T> {
    return callWithDeadline(fn, Math.max(1, ms), what, this.#o.clock);
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

  /**
   * One try, bounded by `budgetMs` in total: a leader's try by what is left of its renew
   * deadline, a candidate's by the renew deadline.
   */
  async #attempt(budgetMs: number): Promise<boolean> {
    const { api, namespace, name } = this.#o;
    const clock = this.#o.clock;
    const end = clock.monotonic() + budgetMs;
    const call = <T>(fn: (o: ConfigurationOptions) => Promise<T>, what: string) => this.#call(fn, what, end - clock.monotonic());
    let cur: V1Lease | undefined;
    try {
      cur = await call((o) => api.readNamespacedLease({ name, namespace }, o), `read lease ${namespace}/${name}`);
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
        await call((o) => api.createNamespacedLease({ namespace, body: this.#spec(0, true) }, o), `create lease ${namespace}/${name}`);
        return true;
      case 'acquire':
        this.#mayHold = true;
        await call((o) => api.replaceNamespacedLease({ name, namespace, body: this.#spec(d.transitions, true, cur) }, o), `acquire lease ${namespace}/${name}`);
        return true;
      case 'renew':
        await call((o) => api.replaceNamespacedLease({ name, namespace, body: this.#spec(view?.transitions ?? 0, false, cur) }, o), `renew lease ${namespace}/${name}`);
        return true;
      case 'wait':
        // Someone else holds it: if we thought we led, we must stop at once.
        this.#otherHolds = true;
        return false;
    }
  }

  async #tick(): Promise<void> {
    if (this.#stopped || this.#lost) return;
    const clock = this.#o.clock;
    const budget = this.#leading ? this.#lastRenew + this.#o.renewDeadlineMs - clock.monotonic() : this.#o.renewDeadlineMs;
    // A renew counts from when the try began (the renewTime it writes), never later.
    const began = clock.monotonic();
    let held = false;
    try {
      held = await this.#attempt(budget);
      this.#decided = true;
    } catch (err) {
      this.#o.log.debug({ err, status: httpStatusOf(err), lease: this.#o.name }, 'lease attempt failed');
    }
    // Leadership may have ended while the try was on the wire (watchdog, failed take-over).
    if (this.#stopped || this.#lost) return;
    const now = clock.monotonic();
    if (held) {
      this.#lastRenew = began;
      this.#armWatchdog();
      if (!this.#leading) {
        this.#leading = true;
        this.#o.log.info({ event: 'leaderElected', lease: this.#o.name, identity: this.#o.identity }, 'became leader');
        this.#startLeading();
      }
    } else if (this.#leading && (this.#otherHolds || now - this.#lastRenew >= this.#o.renewDeadlineMs)) {
      this.#lose(this.#otherHolds ? 'another replica holds the lease' : 'could not renew the lease in time');
    }
    if (this.#lost) return;
    this.#timer = clock.setTimer(this.#o.retryPeriodMs, () => this.#run());
  }

  #armWatchdog(): void {
    this.#watchdog?.cancel();
    const at = this.#lastRenew + this.#o.renewDeadlineMs;
    this.#watchdog = this.#o.clock.setTimer(at - this.#o.clock.monotonic(), () => {
      if (this.#leading && !this.#stopped && this.#o.clock.monotonic() >= this.#lastRenew + this.#o.renewDeadlineMs) {
        this.#lose('no renew succeeded within the renew deadline');
      }
    });
  }

  #lose(why: string): void {
    if (!this.#leading) return;
    this.#leading = false;
    this.#lost = true;
    this.#watchdog?.cancel();
    this.#timer?.cancel();
    const sinceRenewMs = Math.round(this.#o.clock.monotonic() - this.#lastRenew);
    this.#o.log.error({ event: 'leaderLost', lease: this.#o.name, reason: why, sinceRenewMs, renewDeadlineMs: this.#o.renewDeadlineMs }, `${why}; stopping`);
    this.#o.onStoppedLeading();
  }

  #startLeading(): void {
    let started: void | Promise<void>;
    try {
      started = this.#o.onStartedLeading();
    } catch (err) {
      started = Promise.reject(err);
    }
    if (!started) return;
    started.catch(async (err: unknown) => {
      if (!this.#leading || this.#stopped) return;
      // Give the lease back first: a standby then takes over in one retry period
      // instead of waiting for the lease to expire.
      this.#o.log.error({ err, event: 'takeOverFailed', lease: this.#o.name }, 'take-over failed; releasing the lease');
      this.#leading = false;
      this.#lost = true;
      this.#watchdog?.cancel();
      this.#timer?.cancel();
      await this.#ticking;
      await this.#release();
      this.#o.onStoppedLeading();
    });
  }
}
