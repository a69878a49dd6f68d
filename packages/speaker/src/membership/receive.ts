// The packet-driven path of the membership machine: authenticate and filter a datagram,
// then apply what it says. Every drop is counted by reason (types.ts, HeartbeatDropReason).
import type { Ctx, MembershipCore } from './core.js';
import { isLiveState, type Member } from './member-table.js';
import { decodePacket, verifyMac, type DecodedPacket, type MemberFact } from './wire.js';

/** At most this many facts in a join answer or anti-entropy reply (spread over as many packets as they need). */
export const MAX_STATE_FACTS = 256;

export function receivePacket(c: MembershipCore, bytes: Uint8Array, ctx: Ctx): void {
  c.received++;
  const p = decodePacket(bytes);
  if (!p) return c.drop(ctx, 'malformed');
  const h = p.header;
  // Until the MAC is checked `from` is only a claim; still worth a log line (which peer has the wrong key).
  const key = c.keys.verifier(h.keyId);
  if (!key) return c.drop(ctx, 'unknown-key', h.sender);
  if (!verifyMac(p, key)) return c.drop(ctx, 'bad-mac', h.sender);
  if (h.sender === c.self) return c.drop(ctx, 'self', h.sender);
  const m = c.members.get(h.sender);
  if (!m) return c.drop(ctx, 'unknown-sender', h.sender);
  // Stale before replay: a packet outside the clock window must not move the replay window.
  if (ctx.wallNow === undefined || Math.abs(h.timestamp - ctx.wallNow) > c.config.maxClockSkewMs) return c.drop(ctx, 'stale', h.sender);
  if (h.incarnation < m.incarnation) {
    // An old packet, or the node restarted with a clock behind its last incarnation: tell it ours.
    c.notice(m, c.factOf(m), ctx);
    return c.drop(ctx, 'replay', h.sender);
  }
  if (!c.replay.accept(h.sender, h.incarnation, h.seq)) return c.drop(ctx, 'replay', h.sender);
  c.lastPeerPacketAt = ctx.now;
  onPacket(c, m, p, ctx);
}

function onPacket(c: MembershipCore, m: Member, p: DecodedPacket, ctx: Ctx): void {
  const { incarnation } = p.header;
  if (p.body.type === 'leave') return c.apply(m, incarnation, 'left', ctx);
  // What we held before a newer incarnation revived it: a joiner must hear it was down.
  const before = isLiveState(m.state) ? undefined : c.factOf(m);
  // Any packet proves the sender runs at its incarnation.
  if (incarnation > m.incarnation) c.apply(m, incarnation, 'alive', ctx);
  else if (m.state === 'dead') return c.notice(m, c.factOf(m), ctx); // it must refute before we listen again
  else if (m.state === 'left') return; // stragglers sent before its goodbye
  m.lastPacket = ctx.now;
  const body = p.body;
  switch (body.type) {
    case 'heartbeat':
      return onHeartbeat(c, m, body.apiFresh ?? true, ctx);
    case 'alive':
      if (body.join) answerJoin(c, m, before, ctx);
      return;
    case 'suspect':
      return onSuspect(c, m.node, body.node, body.incarnation, ctx);
    case 'state':
      return onState(c, m, body.facts, body.request, body.answer, ctx);
  }
}

function onHeartbeat(c: MembershipCore, m: Member, apiFresh: boolean, ctx: Ctx): void {
  m.lastHeartbeat = ctx.now;
  m.apiFresh = apiFresh;
  const w = c.watch.get(m.node);
  if (w && w.suspectedInc === m.incarnation) {
    // We hear it again: withdraw our own suspicion (others' copies expire by TTL).
    w.suspectedInc = undefined;
    c.suspicions.remove(m.node, c.self);
    c.evaluate(m, ctx);
  }
}

function onSuspect(c: MembershipCore, by: string, node: string, incarnation: number, ctx: Ctx): void {
  if (node === c.self) return c.refuteIfNeeded(incarnation, true, ctx);
  const x = c.members.get(node);
  if (!x) return;
  // The detector heard x at this incarnation: x runs at least at it.
  if (incarnation > x.incarnation) c.apply(x, incarnation, 'alive', ctx);
  if (incarnation !== x.incarnation || !isLiveState(x.state)) return;
  if (c.suspicions.add(node, by, incarnation, ctx.now)) ctx.events.push({ kind: 'suspected', node, by });
  c.evaluate(x, ctx);
}

function onState(c: MembershipCore, from: Member, facts: readonly MemberFact[], request: boolean, answer: boolean, ctx: Ctx): void {
  if (answer) c.gotAnswer = true;
  const corrections: MemberFact[] = [];
  for (const f of facts) mergeFact(c, f, from.node, ctx, corrections);
  if (!request) return;
  // Answer an anti-entropy push with what the requester lacks: newer facts about what it
  // listed, and our dead/left facts it did not list.
  const listed = new Map(facts.map((f) => [f.node, f.incarnation]));
  const missing = c.downFacts().filter((f) => f.node !== from.node && (listed.get(f.node) ?? -1) < f.incarnation);
  const reply = [...corrections, ...c.shuffled(missing)];
  const keyId = c.outbox.signingKeyId(ctx.now);
  if (reply.length === 0 || keyId === undefined) return;
  c.sendTo(from, { type: 'state', request: false, answer: true, facts: c.outbox.chunkFacts(reply, keyId, MAX_STATE_FACTS)[0]! }, ctx);
}

/** Merges "node is `state` at `incarnation`" told by `from`; facts older than ours become corrections. */
function mergeFact(c: MembershipCore, f: MemberFact, from: string, ctx: Ctx, corrections: MemberFact[]): void {
  if (f.node === c.self) {
    // Known as down at an older incarnation (we restarted): tell everyone we are back.
    if (f.state !== 'alive' && f.incarnation < c.incarnation) return c.broadcastAlive(ctx);
    return c.refuteIfNeeded(f.incarnation, f.state !== 'alive', ctx);
  }
  const m = c.members.get(f.node);
  if (!m) return;
  if (f.incarnation < m.incarnation || (f.incarnation === m.incarnation && f.state === 'alive' && !isLiveState(m.state))) {
    corrections.push(c.factOf(m));
    return;
  }
  const heardRecently = m.lastPacket !== undefined && ctx.now - m.lastPacket < c.config.deadAfterMs;
  if (f.incarnation === m.incarnation && f.state === 'dead' && isLiveState(m.state) && heardRecently) {
    // We hear it first-hand: rather than believe the rumour, make it refute.
    return c.notice(m, f, ctx);
  }
  c.apply(m, f.incarnation, f.state, ctx, { detectors: [], learnedFrom: from });
}

/**
 * Answers a join with the dead/left facts we hold — and first, if this join revived the
 * joiner, what we held about it, so it knows to tell everyone. One packet even if empty:
 * it tells the joiner someone heard it (ready()).
 */
function answerJoin(c: MembershipCore, to: Member, wasDown: MemberFact | undefined, ctx: Ctx): void {
  const keyId = c.outbox.signingKeyId(ctx.now);
  if (keyId === undefined) return;
  const facts = c.downFacts();
  if (wasDown) facts.unshift(wasDown);
  const chunks = c.outbox.chunkFacts(facts, keyId, MAX_STATE_FACTS);
  for (const chunk of chunks.length > 0 ? chunks : [[]]) c.sendTo(to, { type: 'state', request: false, answer: true, facts: chunk }, ctx);
}
