// Pure leader-election decisions over a coordination.k8s.io Lease, as client-go does it:
// expiry is judged by when WE last saw the lease change (our own monotonic clock), never
// by comparing the holder's renewTime with our wall clock, so clock skew between nodes
// cannot make two replicas both think they lead.

export interface LeaseView {
  holder: string;
  durationSeconds: number;
  renewTime?: string;
  transitions: number;
  resourceVersion?: string;
}

/** What we remember of the lease between attempts. */
export interface Observation {
  /** holder + renewTime: any change means the holder is alive. */
  fingerprint: string;
  /** Monotonic ms at which we saw `fingerprint` first. */
  seenAt: number;
}

export type LeaseDecision =
  | { action: 'create' }
  | { action: 'acquire'; transitions: number }
  | { action: 'renew' }
  | { action: 'wait'; holder: string; expiresInMs: number };

export function fingerprintOf(l: LeaseView): string {
  return `${l.holder}|${l.renewTime ?? ''}`;
}

/** Updates the observation for a freshly read lease. */
export function observe(prev: Observation | undefined, lease: LeaseView, nowMono: number): Observation {
  const fp = fingerprintOf(lease);
  return prev && prev.fingerprint === fp ? prev : { fingerprint: fp, seenAt: nowMono };
}

export function decide(lease: LeaseView | undefined, obs: Observation | undefined, me: string, nowMono: number): LeaseDecision {
  if (!lease) return { action: 'create' };
  if (lease.holder === me) return { action: 'renew' };
  if (!lease.holder) return { action: 'acquire', transitions: lease.transitions + 1 };
  const seenAt = obs?.seenAt ?? nowMono;
  const expiresInMs = seenAt + lease.durationSeconds * 1000 - nowMono;
  if (expiresInMs <= 0) return { action: 'acquire', transitions: lease.transitions + 1 };
  return { action: 'wait', holder: lease.holder, expiresInMs };
}
