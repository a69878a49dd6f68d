// The time-driven path of the membership machine: heartbeats, silence detection, second
// copies, the join and anti-entropy, and when the next tick is due.
import type { Ctx, MembershipCore } from './core.js';
import { isLiveState } from './member-table.js';
import { MAX_STATE_FACTS } from './receive.js';

/** A join goes to our ring neighbours and this many random other peers (someone answers even if our neighbours are down). */
export const JOIN_RANDOM_PEERS = 3;

export function runTick(c: MembershipCore, ctx: Ctx): void {
  const { now } = ctx;
  c.refreshRing(now);
  runResends(c, ctx);
  if (c.leaving) return;
  if (joinPending(c)) join(c, ctx);
  if (c.successors.length > 0 && now >= (c.nextHeartbeatAt ?? now)) {
    let sent = false;
    for (const n of c.successors) sent = c.sendTo(c.members.get(n)!, { type: 'heartbeat', apiFresh: c.apiFresh }, ctx) || sent;
    // ±5 %: speakers started together do not stay in lock-step.
    if (sent) c.nextHeartbeatAt = now + c.jittered(c.config.heartbeatIntervalMs, 0.1);
  }
  detect(c, ctx);
  if (c.suspicions.size > 0)
    for (const subject of [...c.suspicions.subjects()]) {
      const m = c.members.get(subject);
      if (m) c.evaluate(m, ctx); // drops expired suspicions: 'suspect' may return to 'alive'
      else c.suspicions.clear(subject);
    }
  if (c.config.syncIntervalMs > 0 && now >= c.nextSyncAt) sync(c, ctx);
}

/** When the next tick is due; runs after every call, so: no closures, no copies. */
export function nextDue(c: MembershipCore, now: number): number | null {
  let at = Infinity;
  for (const r of c.resends) at = Math.min(at, r.at);
  if (!c.leaving) {
    const canSend = c.outbox.signingKeyId(now) !== undefined;
    if (canSend && joinPending(c)) at = now;
    if (canSend && c.successors.length > 0) at = Math.min(at, c.nextHeartbeatAt ?? now);
    for (const [node, w] of c.watch) {
      const m = c.members.get(node);
      if (m && w.suspectedInc !== m.incarnation) at = Math.min(at, c.detectionDue(m, w));
      else if (m && isLiveState(m.state) && w.renewAt !== undefined) at = Math.min(at, w.renewAt);
    }
    if (c.suspicions.size > 0) at = Math.min(at, c.suspicions.nextExpiry(c.config.suspicionTtlMs, c.ownFirstHand) ?? Infinity);
    if (canSend && c.config.syncIntervalMs > 0 && (c.liveMembers() > 0 || hasDeadPeer(c))) at = Math.min(at, c.nextSyncAt);
    // A tick when the startup wait ends, so the adapter re-checks ready() then. Only a
    // future one: a due time that no tick clears would make the adapter spin.
    const readyBy = (c.startedAt ?? 0) + c.config.startupWaitMs;
    if (readyBy > now) at = Math.min(at, readyBy);
  }
  return at === Infinity ? null : Math.max(at, now);
}

function joinPending(c: MembershipCore): boolean {
  return !c.joinSent && c.peersKnown && c.members.size > 0;
}

/** `alive(join)` to our ring neighbours on both sides and a few random peers, twice; all of them answer. */
function join(c: MembershipCore, ctx: Ctx): void {
  const k = c.config.watchers;
  const targets = new Set([...c.ring.predecessors(c.self, c.isLive, k), ...c.ring.successors(c.self, c.isLive, k)]);
  const others = [...c.members.values()].filter((m) => isLiveState(m.state) && !targets.has(m.node));
  for (const m of c.shuffled(others).slice(0, JOIN_RANDOM_PEERS)) targets.add(m.node);
  let sent = false;
  for (const n of targets) sent = c.sendTo(c.members.get(n)!, { type: 'alive', join: true }, ctx) || sent;
  if (!sent) return;
  c.joinSent = true;
  c.resends.push({ at: ctx.now + c.config.resendMs, kind: 'join', targets: [...targets] });
}

/**
 * Raises our own suspicion of every watched node that has been silent too long; repeats a
 * standing one that made no verdict every suspicionTtlMs / 2 to the node's other watchers
 * (and the node, so it refutes): if loss ate the first broadcasts, the watchers still meet
 * their quorum, and the verdict then spreads by anti-entropy. A handful of packets, not a
 * broadcast: a lasting broken link costs next to nothing.
 */
function detect(c: MembershipCore, ctx: Ctx): void {
  for (const [node, w] of c.watch) {
    const m = c.members.get(node);
    if (!m || !isLiveState(m.state)) continue;
    if (w.suspectedInc === m.incarnation) {
      if (w.renewAt !== undefined && ctx.now >= w.renewAt) {
        w.renewAt = ctx.now + c.config.suspicionTtlMs / 2;
        for (const n of [node, ...c.ring.successors(node, c.isLive, c.config.watchers)]) {
          if (n !== c.self) c.sendTo(c.members.get(n)!, { type: 'suspect', node, incarnation: m.incarnation }, ctx);
        }
      }
      continue;
    }
    if (ctx.now < c.detectionDue(m, w)) continue;
    w.suspectedInc = m.incarnation;
    w.renewAt = ctx.now + c.config.suspicionTtlMs / 2;
    c.suspicions.add(node, c.self, m.incarnation, ctx.now);
    ctx.events.push({ kind: 'suspected', node, by: c.self });
    c.broadcast({ type: 'suspect', node, incarnation: m.incarnation }, ctx);
    c.resends.push({ at: ctx.now + c.config.resendMs, kind: 'suspect', node, incarnation: m.incarnation });
    c.evaluate(m, ctx);
  }
}

function runResends(c: MembershipCore, ctx: Ctx): void {
  if (c.resends.length === 0) return;
  const due = c.resends.filter((r) => r.at <= ctx.now);
  c.resends = c.resends.filter((r) => r.at > ctx.now);
  for (const r of due) {
    if (r.kind === 'suspect') {
      // Repeat (or confirm) a suspicion only while it stands, or made its verdict: others may lack our copy.
      const m = c.members.get(r.node);
      const stands = m !== undefined && m.incarnation === r.incarnation && (m.state === 'dead' || c.watch.get(r.node)?.suspectedInc === r.incarnation);
      if (stands) c.broadcast({ type: 'suspect', node: r.node, incarnation: r.incarnation }, ctx);
    } else if (r.kind === 'leave') c.broadcast({ type: 'leave' }, ctx, true);
    else if (r.kind === 'alive') c.broadcast({ type: 'alive', join: false }, ctx);
    else
      for (const n of r.targets) {
        const m = c.members.get(n);
        if (m) c.sendTo(m, { type: 'alive', join: true }, ctx);
      }
  }
}

const hasDeadPeer = (c: MembershipCore): boolean => {
  for (const m of c.members.values()) if (m.state === 'dead') return true;
  return false;
};

/**
 * Anti-entropy push: our dead/left facts to one random live peer, which answers with what
 * we lack — and the same push to one random peer we hold DEAD. Two speakers that declared
 * each other dead (a partition, heavy loss) no longer heartbeat each other, so without
 * this nothing would ever tell them they are both alive: the push carries "you are dead",
 * the receiver refutes with a new incarnation, and (being told of our own death in turn)
 * so do we. One packet per interval whatever the number of dead peers.
 */
function sync(c: MembershipCore, ctx: Ctx): void {
  c.nextSyncAt = ctx.now + c.jittered(c.config.syncIntervalMs, 1);
  const keyId = c.outbox.signingKeyId(ctx.now);
  if (keyId === undefined) return;
  const facts = c.outbox.chunkFacts(c.shuffled(c.downFacts()), keyId, MAX_STATE_FACTS)[0] ?? [];
  const live = [...c.members.values()].filter((m) => isLiveState(m.state));
  const peer = live[Math.floor(c.random() * live.length)];
  if (peer) c.sendTo(peer, { type: 'state', request: true, answer: false, facts }, ctx);
  const dead = [...c.members.values()].filter((m) => m.state === 'dead');
  const probe = dead[Math.floor(c.random() * dead.length)];
  if (probe) c.sendTo(probe, { type: 'state', request: true, answer: false, facts }, ctx);
}
