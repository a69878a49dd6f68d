// Vocabulary of the speaker's membership layer (architecture.md, "Election and failover";
// issue 7, item 2): who the peers are, what the state machine reports, and what it asks
// its adapter to do. Plain data, so tests compare with toEqual.

export type { MembershipConfig } from './config.js';

/** A peer speaker, learned from its per-node Lease. */
export interface Peer {
  /** Kubernetes node name (≤ 253 bytes of UTF-8). */
  readonly node: string;
  /** Heartbeat endpoint: "ip:port" or "[v6]:port". */
  readonly address: string;
}

/**
 * 'alive': live, no quorum of suspicions. 'suspect': live, but at least one watcher reported
 * it silent (not enough for a verdict). 'dead': a quorum of watchers reported it silent at
 * its current incarnation. 'left': it said goodbye (graceful shutdown).
 */
export type MemberState = 'alive' | 'suspect' | 'dead' | 'left';

/** Why an incoming packet was dropped; each has a counter in `stats().dropped`. */
export type HeartbeatDropReason = 'malformed' | 'unknown-key' | 'bad-mac' | 'replay' | 'stale' | 'unknown-sender' | 'self';

export const DROP_REASONS: readonly HeartbeatDropReason[] = ['malformed', 'unknown-key', 'bad-mac', 'replay', 'stale', 'unknown-sender', 'self'];

export type MembershipEvent =
  | {
      kind: 'peer-dead';
      node: string;
      incarnation: number;
      via: 'heartbeat';
      /** Distinct watchers whose suspicion made the quorum; empty when learned from a peer's state (`learnedFrom`). */
      detectors: string[];
      /** When we are one of the detectors: ms since we last heard the node. */
      silentMs?: number;
      /** The death was a fact another speaker told us (join reply / anti-entropy), not a quorum we counted. */
      learnedFrom?: string;
    }
  | { kind: 'peer-alive'; node: string; incarnation: number; previous: MemberState | 'unknown' }
  | { kind: 'peer-left'; node: string; incarnation: number }
  | { kind: 'suspected'; node: string; by: string }
  /** Someone suspected us (or told us we are dead); we bumped our incarnation to this. */
  | { kind: 'refuted'; incarnation: number }
  | { kind: 'dropped'; reason: HeartbeatDropReason; from?: string };

export type MembershipAction =
  | { kind: 'send'; to: string; bytes: Uint8Array }
  | { kind: 'event'; event: MembershipEvent }
  /** Monotonic ms of the next tick, null when nothing is due; always the last action. */
  | { kind: 'schedule'; at: number | null };

/** One shared heartbeat key, from the heartbeat Secret. */
export interface HeartbeatKey {
  /** The Secret's data key (≤ 64 bytes of UTF-8); travels in every packet. */
  readonly id: string;
  /** At least 16 bytes. */
  readonly secret: Uint8Array;
  /**
   * Monotonic ms (the same clock as `now`) when THIS process first saw the key. A key is
   * used for signing only once it has been known for `keyActivationDelayMs`, so every peer
   * has it by then. For the keys read at process start the adapter may pass
   * `-Infinity` ("known for long"): peers that ran before us already sign with them.
   */
  readonly firstSeenAt: number;
}

export interface MembershipStats {
  /** Packets handed to the adapter for sending. */
  sent: number;
  /** Packets given to `receive`, dropped ones included. */
  received: number;
  dropped: Record<HeartbeatDropReason, number>;
}
