// What this speaker believes about each peer, and the one place states change, so every
// change emits exactly one event. SWIM's incarnation rule (Das et al., 2002, §4.2) orders
// facts: a higher incarnation overrides anything older; at the same incarnation dead/left
// override alive (a node refutes by bumping its incarnation, never by contradicting).
import type { MemberState, MembershipEvent, Peer } from './types.js';

export interface Member {
  readonly node: string;
  address: string;
  state: MemberState;
  /** 0 until we learn one (from the node, or a fact about it). */
  incarnation: number;
  /** Monotonic ms of the last heartbeat from it at `incarnation`. */
  lastHeartbeat: number | undefined;
  /** What that heartbeat said: the node's view of the API server is fresh (README, "API freshness"). */
  apiFresh: boolean | undefined;
  /** Monotonic ms of the last authenticated packet of any type from it at `incarnation`. */
  lastPacket: number | undefined;
  /** Monotonic ms of the last notice we sent it ("you are known as …"), for rate limiting. */
  lastNoticeAt: number | undefined;
}

export const isLiveState = (s: MemberState): boolean => s === 'alive' || s === 'suspect';

export interface Transition {
  /** The incarnation moved forward: suspicions and watch records of the old one are void. */
  readonly newIncarnation: boolean;
  /** Live ↔ not live: the ring (successors, watched nodes, quorum sizes) changed. */
  readonly livenessChanged: boolean;
}

export type DeadDetail = { detectors: string[]; silentMs?: number; learnedFrom?: string };

export class MemberTable {
  readonly #members = new Map<string, Member>();
  /** Members that are dead or left: what join answers and anti-entropy carry. */
  readonly #down = new Set<string>();

  get(node: string): Member | undefined {
    return this.#members.get(node);
  }

  values(): IterableIterator<Member> {
    return this.#members.values();
  }

  get size(): number {
    return this.#members.size;
  }

  down(): ReadonlySet<string> {
    return this.#down;
  }

  /**
   * Makes the table hold exactly `peers` (minus `self`): new ones start 'alive' at
   * incarnation 0 (the Lease says they exist; heartbeats will tell), gone ones are
   * forgotten. Returns the added and removed names.
   */
  setPeers(peers: readonly Peer[], self: string, events: MembershipEvent[]): { added: string[]; removed: string[] } {
    const wanted = new Map(peers.filter((p) => p.node !== self).map((p) => [p.node, p.address]));
    const removed = [...this.#members.keys()].filter((n) => !wanted.has(n));
    for (const n of removed) {
      this.#members.delete(n);
      this.#down.delete(n);
    }
    const added: string[] = [];
    for (const [node, address] of wanted) {
      const m = this.#members.get(node);
      if (m) {
        m.address = address;
        continue;
      }
      this.#members.set(node, { node, address, state: 'alive', incarnation: 0, lastHeartbeat: undefined, apiFresh: undefined, lastPacket: undefined, lastNoticeAt: undefined });
      added.push(node);
      events.push({ kind: 'peer-alive', node, incarnation: 0, previous: 'unknown' });
    }
    return { added, removed };
  }

  /**
   * Applies "node is `state` at `incarnation`" under the incarnation rule; emits the event
   * for a state change. `suspect` is never passed here: it is derived from suspicions.
   */
  apply(m: Member, incarnation: number, state: 'alive' | 'dead' | 'left', events: MembershipEvent[], dead?: DeadDetail): Transition {
    const newer = incarnation > m.incarnation;
    if (!newer && (incarnation < m.incarnation || state === 'alive' || m.state === 'left' || m.state === state)) {
      return { newIncarnation: false, livenessChanged: false };
    }
    if (newer) {
      m.incarnation = incarnation;
      m.lastHeartbeat = undefined;
      m.apiFresh = undefined;
      m.lastPacket = undefined;
    }
    const nextState: MemberState = state;
    return { newIncarnation: newer, livenessChanged: this.#setState(m, nextState, events, dead) };
  }

  /** Moves between 'alive' and 'suspect' (quorum bookkeeping); no incarnation change. */
  setSuspect(m: Member, suspect: boolean, events: MembershipEvent[]): void {
    if (!isLiveState(m.state)) return;
    this.#setState(m, suspect ? 'suspect' : 'alive', events);
  }

  /** Sets a state and emits its event; true when liveness flipped. */
  #setState(m: Member, next: MemberState, events: MembershipEvent[], dead?: DeadDetail): boolean {
    const previous = m.state;
    if (previous === next) return false;
    m.state = next;
    if (next === 'dead' || next === 'left') this.#down.add(m.node);
    else this.#down.delete(m.node);
    if (next === 'alive') events.push({ kind: 'peer-alive', node: m.node, incarnation: m.incarnation, previous });
    else if (next === 'left') events.push({ kind: 'peer-left', node: m.node, incarnation: m.incarnation });
    else if (next === 'dead') {
      const d = dead ?? { detectors: [] };
      events.push({
        kind: 'peer-dead',
        node: m.node,
        incarnation: m.incarnation,
        via: 'heartbeat',
        detectors: d.detectors,
        ...(d.silentMs !== undefined ? { silentMs: d.silentMs } : {}),
        ...(d.learnedFrom !== undefined ? { learnedFrom: d.learnedFrom } : {}),
      });
    }
    return isLiveState(previous) !== isLiveState(next);
  }
}
