// Holds the namespace's class claim (reconcile/class-claim.ts) for the acting leader:
// acquired before the leader re-claims or allocates anything, renewed while it acts,
// released on a clean stop so a successor of another class need not wait for expiry.
// Writes carry the read resourceVersion, so two candidates racing for a free claim
// cannot both win (the loser gets 409 and reads again).
import { V1MicroTime, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { isConflict, isNotFound, withDeadline, type Clock, type Logger, type TimerHandle } from '@ironlb/core';
import { observe, type Observation } from '../leader/decide.js';
import { ClassClaimLeaseName, LbClassAnnotation, judgeClassClaim, type ClaimView } from '../reconcile/class-claim.js';

export interface ClassClaimOptions {
  api: Pick<CoordinationV1Api, 'readNamespacedLease' | 'createNamespacedLease' | 'replaceNamespacedLease'>;
  namespace: string;
  identity: string;
  lbClass: string | undefined;
  clock: Clock;
  log: Logger;
  durationSeconds: number;
  /** Called once when a held claim could not be kept (taken, or not renewed within its duration). */
  onLost: () => void;
  /** Told once per distinct refusal (the holder or its class changed), e.g. to post an Event. */
  onRefused?: (message: string) => void;
  deadlineMs?: number;
}

export interface ClassClaim {
  /** Resolves true once held; false if `wanted()` turned false or stop() was called first. Never rejects. */
  acquire(wanted: () => boolean): Promise<boolean>;
  /** Why this controller does not act, while refused. */
  blocked(): string | undefined;
  /** Stops renewing and releases a held claim (best effort). */
  release(): Promise<void>;
}

const viewOf = (l: V1Lease): ClaimView => ({
  holder: l.spec?.holderIdentity ?? '',
  durationSeconds: l.spec?.leaseDurationSeconds ?? 15,
  renewTime: l.spec?.renewTime ? new Date(l.spec.renewTime).toISOString() : undefined,
  transitions: l.spec?.leaseTransitions ?? 0,
  resourceVersion: l.metadata?.resourceVersion,
  lbClass: l.metadata?.annotations?.[LbClassAnnotation] ?? '',
});

export function createClassClaim(o: ClassClaimOptions): ClassClaim {
  const name = ClassClaimLeaseName;
  const { namespace } = o;
  const deadline = o.deadlineMs ?? Math.max(1_000, Math.floor((o.durationSeconds * 1000) / 3));
  const period = Math.max(500, Math.floor((o.durationSeconds * 1000) / 3));
  let obs: Observation | undefined;
  let held = false;
  let stopped = false;
  let lastOk = 0;
  let blockedBy: string | undefined;
  let lastRefusal = '';
  let renewTimer: TimerHandle | undefined;
  const call = <T>(p: Promise<T>, what: string) => withDeadline(p, deadline, `${what} lease ${namespace}/${name}`, o.clock);

  const body = (transitions: number, acquire: boolean, prev?: V1Lease): V1Lease => {
    const now = new V1MicroTime(o.clock.now());
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        ...(prev?.metadata ?? {}),
        name,
        namespace,
        annotations: { ...(prev?.metadata?.annotations ?? {}), [LbClassAnnotation]: o.lbClass ?? '' },
        labels: { ...(prev?.metadata?.labels ?? {}), 'app.kubernetes.io/name': 'ironlb' },
      },
      spec: {
        holderIdentity: o.identity,
        leaseDurationSeconds: o.durationSeconds,
        acquireTime: acquire ? now : prev?.spec?.acquireTime,
        renewTime: now,
        leaseTransitions: transitions,
      },
    };
  };

  /** One read-judge-write round; true when we hold the claim afterwards. */
  async function attempt(renewing: boolean): Promise<boolean> {
    let cur: V1Lease | undefined;
    try {
      cur = await call(o.api.readNamespacedLease({ name, namespace }), 'read');
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    const view = cur ? viewOf(cur) : undefined;
    // While we act, anyone else in the claim (even our own class) means we lost it.
    if (renewing && view?.holder !== o.identity) return false;
    const now = o.clock.monotonic();
    if (view) obs = observe(obs, view, now);
    const d = judgeClassClaim(view, obs, { identity: o.identity, lbClass: o.lbClass }, namespace, now);
    switch (d.action) {
      case 'create':
        await call(o.api.createNamespacedLease({ namespace, body: body(0, true) }), 'create');
        break;
      case 'acquire':
        await call(o.api.replaceNamespacedLease({ name, namespace, body: body(d.transitions, true, cur) }), 'acquire');
        break;
      case 'renew':
        await call(o.api.replaceNamespacedLease({ name, namespace, body: body(view?.transitions ?? 0, false, cur) }), 'renew');
        break;
      case 'refuse': {
        blockedBy = d.message;
        const key = `${d.holder}|${d.lbClass}`;
        if (key !== lastRefusal) {
          lastRefusal = key;
          o.log.error({ event: 'lbClassConflict', holder: d.holder, lbClass: d.lbClass, ourClass: o.lbClass ?? '' }, d.message);
          o.onRefused?.(d.message);
        }
        return false;
      }
    }
    blockedBy = undefined;
    lastRefusal = '';
    return true;
  }

  function renewLoop(): void {
    renewTimer = o.clock.setTimer(period, () => {
      if (stopped || !held) return;
      attempt(true).then(
        (ok) => {
          if (ok) lastOk = o.clock.monotonic();
          return ok;
        },
        (err: unknown) => {
          o.log.warn({ err, lease: name }, 'could not renew the lb-class claim; retrying');
          return undefined;
        },
      ).then((ok) => {
        if (stopped || !held) return;
        // Taken by another class, or not renewed within its duration: someone else may act now.
        if (ok === false || o.clock.monotonic() - lastOk > o.durationSeconds * 1000) {
          held = false;
          o.log.error({ event: 'lbClassClaimLost', lease: name }, 'lost the lb-class claim of this namespace; stopping');
          o.onLost();
          return;
        }
        renewLoop();
      }, () => undefined);
    });
  }

  return {
    async acquire(wanted) {
      while (!stopped && wanted()) {
        let ok = false;
        try {
          ok = await attempt(false);
        } catch (err) {
          if (!isConflict(err)) o.log.warn({ err, lease: name }, 'could not take the lb-class claim; retrying');
        }
        if (ok) {
          held = true;
          lastOk = o.clock.monotonic();
          if (stopped || !wanted()) return false; // release() gives it back
          o.log.info({ event: 'lbClassClaimed', lease: name, lbClass: o.lbClass ?? '' }, 'holding the lb-class claim of this namespace');
          renewLoop();
          return true;
        }
        await new Promise<void>((resolve) => o.clock.setTimer(period, resolve));
      }
      return false;
    },
    blocked() {
      return blockedBy;
    },
    async release() {
      stopped = true;
      renewTimer?.cancel();
      if (!held) return;
      held = false;
      try {
        const cur = await call(o.api.readNamespacedLease({ name, namespace }), 'read');
        if (cur.spec?.holderIdentity !== o.identity) return;
        cur.spec.holderIdentity = '';
        await call(o.api.replaceNamespacedLease({ name, namespace, body: cur }), 'release');
        o.log.info({ event: 'lbClassClaimReleased', lease: name }, 'released the lb-class claim');
      } catch (err) {
        o.log.warn({ err, lease: name }, 'could not release the lb-class claim; it will expire');
      }
    },
  };
}
