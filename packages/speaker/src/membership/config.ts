import { ErrorCodes, IronlbError } from '@ironlb/core';

// Timings of the heartbeat layer, with the reasoning behind each default. The budget is
// architecture.md's failover target: a crashed owner replaced within 500 ms, of which the
// new owner's gratuitous ARP needs ~1–10 ms (measured, bench/README.md "arp").

export interface MembershipConfig {
  /**
   * Each speaker sends one heartbeat to each of its `watchers` ring successors this often.
   * 100 ms: 10 packets/s per successor, and 4 chances to be heard within `deadAfterMs`.
   * Range 20..5000.
   */
  readonly heartbeatIntervalMs: number;
  /**
   * A watcher that heard a node and then hears nothing for this long reports it (a
   * "suspicion"). 400 ms = 4 heartbeat intervals; as the 4th heartbeat after the last one
   * heard arrives right around the deadline (timer and network jitter), in practice 3 lost
   * in a row plus a late 4th: ~1e-6 per window per watcher at 1 % independent loss — a
   * lone suspicion, which kills nobody (quorum) and which the node refutes. A verdict needs
   * `quorum` watchers at once (~1e-12). Detection is then ~400 ms after the last heartbeat
   * + one hop: p99 ~450 ms at every node of 1,000 (bench:membership), leaving ~50 ms of the
   * 500 ms target for the gratuitous ARP (which takes 1–10 ms). At least 3 × heartbeatIntervalMs.
   */
  readonly deadAfterMs: number;
  /**
   * K: how many ring successors each speaker sends heartbeats to, i.e. how many watchers
   * each speaker has. Traffic per node is 2·K/interval, independent of cluster size.
   * 3: a quorum of 2 still forms with one watcher dead or cut off. Range 1..8.
   */
  readonly watchers: number;
  /**
   * Distinct watchers whose suspicions (for the same incarnation) make a node dead; capped
   * by the watchers the node actually has, so a 2-node cluster needs 1. 2: a single broken
   * link (one watcher cannot hear the node, the others can) never kills. Range 1..watchers.
   */
  readonly quorum: number;
  /**
   * `ready()` stays false this long after start unless we heard from every node we watch
   * and got a join answer earlier: a restarting speaker must not announce before it knows
   * who is live (MetalLB announced ~200 ms after start, before it rejoined: two owners for
   * ~100 ms). 1000 ms ≫ one join round trip and one heartbeat interval, ≪ a pod restart.
   */
  readonly startupWaitMs: number;
  /**
   * A suspicion counts this long after it arrived (no "unsuspect" packet: a watcher that
   * hears the node again just drops its own suspicion, and the suspected node refutes with
   * a new incarnation, which voids every older suspicion at once). 2000 ms: the suspicions
   * of a crashed node arrive within ~one heartbeat interval of each other, so a short TTL
   * costs nothing, and a stray suspicion from one broken link cannot linger to combine with
   * an unrelated later one. A standing suspicion without a verdict is repeated every TTL/2
   * to the node's other watchers (and the node), so it never lapses there. At least deadAfterMs.
   */
  readonly suspicionTtlMs: number;
  /**
   * Suspicions, joins and `alive` broadcasts are sent a second time this much later, for
   * loss. 50 ms: far enough apart that one queue overflow rarely drops both, close enough
   * that a node that lost its first copies still reaches the verdict within the 500 ms
   * budget (every node needs 2 of the 3 detectors' copies; with 1 % loss, 1 node in ~3000
   * loses 2 first copies — at 1,000 nodes that is a third of all deaths).
   */
  readonly resendMs: number;
  /**
   * A watcher that never heard a node since it started watching it (a ring change after
   * deaths, or a node that never came up) reports it after deadAfterMs + this. The extra
   * wait covers peers whose Lease view lags ours (they do not send to us yet). 1000 ms.
   */
  readonly newWatcherGraceMs: number;
  /**
   * Anti-entropy: every this often (±50 % random), push our dead/left facts to one random
   * live peer, which answers with corrections and the facts we lack. Repairs what lost
   * broadcasts left behind. 2000 ms: ~2 packets/s per node. 0 disables.
   */
  readonly syncIntervalMs: number;
  /**
   * A new key signs our packets only after we have known it this long, so every peer has
   * it by then and a rotation never makes anyone drop our heartbeats. 10 s ≫ a Secret watch
   * event's spread between nodes.
   */
  readonly keyActivationDelayMs: number;
  /**
   * `isolated()` turns true when we watch at least one live peer and have heard from no
   * peer at all for this long: we are the one cut off, not everyone else dead. Default
   * 3 × deadAfterMs (1200 ms): past any verdict the others could reach about us.
   */
  readonly isolationMs: number;
  /** Packets whose timestamp is further than this from our wall clock are 'stale'. 30 s. */
  readonly maxClockSkewMs: number;
  /** At most one "you are known as dead / at a newer incarnation" notice per node this often. 1000 ms. */
  readonly noticeIntervalMs: number;
  /** `leave()` sends its goodbye twice, this far apart, for loss. 20 ms. */
  readonly leaveRepeatMs: number;
}

export const DEFAULT_MEMBERSHIP_CONFIG: Omit<MembershipConfig, 'isolationMs'> = {
  heartbeatIntervalMs: 100,
  deadAfterMs: 400,
  watchers: 3,
  quorum: 2,
  startupWaitMs: 1000,
  suspicionTtlMs: 2000,
  resendMs: 50,
  newWatcherGraceMs: 1000,
  syncIntervalMs: 2000,
  keyActivationDelayMs: 10_000,
  maxClockSkewMs: 30_000,
  noticeIntervalMs: 1000,
  leaveRepeatMs: 20,
};

/** Defaults filled in and every field checked; throws IronlbError(Config) naming the field. */
export function resolveMembershipConfig(input: Partial<MembershipConfig> = {}): MembershipConfig {
  const base = { ...DEFAULT_MEMBERSHIP_CONFIG, ...stripUndefined(input) };
  const c: MembershipConfig = { ...base, isolationMs: input.isolationMs ?? 3 * base.deadAfterMs };
  const problems = [
    ...Object.entries(c).filter(([, v]) => typeof v !== 'number' || !Number.isFinite(v)).map(([k]) => `${k} must be a finite number`),
    !inRange(c.heartbeatIntervalMs, 20, 5000) && 'heartbeatIntervalMs must be within 20..5000',
    c.deadAfterMs < 3 * c.heartbeatIntervalMs && 'deadAfterMs must be at least 3 × heartbeatIntervalMs',
    (!Number.isInteger(c.watchers) || !inRange(c.watchers, 1, 8)) && 'watchers must be an integer within 1..8',
    (!Number.isInteger(c.quorum) || !inRange(c.quorum, 1, c.watchers)) && 'quorum must be an integer within 1..watchers',
    c.startupWaitMs < 0 && 'startupWaitMs must not be negative',
    c.suspicionTtlMs < c.deadAfterMs && 'suspicionTtlMs must be at least deadAfterMs',
    !inRange(c.resendMs, 1, c.suspicionTtlMs) && 'resendMs must be within 1..suspicionTtlMs',
    c.newWatcherGraceMs < 0 && 'newWatcherGraceMs must not be negative',
    c.syncIntervalMs !== 0 && c.syncIntervalMs < c.heartbeatIntervalMs && 'syncIntervalMs must be 0 (off) or at least heartbeatIntervalMs',
    c.keyActivationDelayMs < 0 && 'keyActivationDelayMs must not be negative',
    c.isolationMs < c.deadAfterMs && 'isolationMs must be at least deadAfterMs',
    c.maxClockSkewMs < 1000 && 'maxClockSkewMs must be at least 1000',
    c.noticeIntervalMs < 0 && 'noticeIntervalMs must not be negative',
    c.leaveRepeatMs < 1 && 'leaveRepeatMs must be positive',
  ].filter((p): p is string => typeof p === 'string');
  if (problems.length > 0) throw new IronlbError(ErrorCodes.Config, `invalid membership config: ${problems.join('; ')}`);
  return c;
}

function inRange(v: number, min: number, max: number): boolean {
  return v >= min && v <= max;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
