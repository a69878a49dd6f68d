// Scenario tests on the in-process network (test-support/sim.ts): virtual time, real
// signed packets, seeded loss and delay.
import { describe, expect, it } from 'vitest';
import { Sim, SIM_KEY, type SimOptions } from './test-support/sim.js';
import type { HeartbeatKey, MembershipEvent } from './types.js';
import { decodePacket } from './wire.js';

type Logged = { observer: string; event: MembershipEvent; at: number };

function cluster(nodes: number, o: Partial<SimOptions> = {}) {
  const log: Logged[] = [];
  const sim = new Sim({ nodes, seed: 1, delayMs: [0, 20], timerLatenessMs: 5, ...o, onEvent: (observer, event, at) => log.push({ observer, event, at }) });
  for (const n of sim.nodes) sim.start(n.name);
  sim.runFor(2000);
  const since = (t: number, kind?: MembershipEvent['kind']) => log.filter((l) => l.at >= t && (kind === undefined || l.event.kind === kind));
  return { sim, log, since };
}

const liveOf = (sim: Sim, name: string) => [...sim.node(name).membership!.live()].sort();
const runningSorted = (sim: Sim) => [...sim.running()].sort();

describe('Membership on a simulated network', () => {
  it.each([1, 2, 3, 4, 5])('detects a crash within deadAfterMs + one hop + jitter at every node (seed %d)', (seed) => {
    const { sim, since } = cluster(7, { seed });
    expect(since(0, 'peer-dead')).toEqual([]);
    const t0 = sim.now + seed * 17; // a different phase against the heartbeat timers each time
    sim.runUntil(t0);
    sim.crash('n003');
    sim.runFor(1000);
    const verdicts = since(t0, 'peer-dead');
    expect(verdicts.map((v) => v.observer).sort()).toEqual(runningSorted(sim));
    for (const v of verdicts) {
      expect(v.event).toMatchObject({ node: 'n003' });
      // ≥ deadAfterMs minus one heartbeat interval (the last one came just before the crash),
      // ≤ deadAfterMs + one delay + timer lateness + broadcast delay.
      expect(v.at - t0).toBeGreaterThanOrEqual(290);
      expect(v.at - t0).toBeLessThanOrEqual(450);
    }
    for (const n of sim.running()) expect(liveOf(sim, n)).toEqual(runningSorted(sim));
  });

  it('a single broken link kills nobody (quorum), though the cut-off watcher suspects', () => {
    const { sim, since } = cluster(6);
    const victim = 'n002';
    const [watcher] = sim.node(victim).membership!.neighbours().heartbeatsTo as [string];
    const t0 = sim.now;
    sim.block(victim, watcher);
    sim.runFor(10_000);
    expect(since(t0, 'suspected').some((l) => l.observer === watcher && l.event.kind === 'suspected' && l.event.node === victim && l.event.by === watcher)).toBe(true);
    expect(since(t0, 'peer-dead')).toEqual([]);
    for (const n of sim.running()) expect(liveOf(sim, n)).toHaveLength(6);
  });

  it('a broken link to two of a node\'s three watchers does kill it (the quorum is two)', () => {
    const { sim, since } = cluster(6);
    const victim = 'n002';
    const [w1, w2] = sim.node(victim).membership!.neighbours().heartbeatsTo as [string, string];
    const t0 = sim.now;
    sim.block(victim, w1);
    sim.block(victim, w2);
    sim.runFor(1000);
    expect(since(t0, 'peer-dead').some((l) => l.event.kind === 'peer-dead' && l.event.node === victim)).toBe(true);
  });

  it('graceful leave: every peer marks it left within one hop, nobody declares it dead', () => {
    const { sim, since } = cluster(5);
    const t0 = sim.now;
    sim.leave('n001');
    sim.runFor(30);
    for (const n of sim.running()) expect(sim.node(n).membership!.state('n001')).toBe('left');
    sim.runFor(5000);
    expect(since(t0, 'peer-left').map((l) => l.observer).sort()).toEqual(runningSorted(sim));
    expect(since(t0, 'peer-dead')).toEqual([]);
    expect(since(t0, 'suspected')).toEqual([]);
  });

  it('a restarted node (higher incarnation) is alive again everywhere within a round trip and a hop', () => {
    // 15 nodes: more than a join reaches (2 × 3 neighbours + 3 random), so the rest learn from the revival broadcast.
    const { sim, since } = cluster(15);
    const old = sim.node('n004').membership!.incarnation;
    sim.crash('n004');
    sim.runFor(1500);
    for (const n of sim.running()) expect(sim.node(n).membership!.state('n004')).toBe('dead');
    const t0 = sim.now;
    sim.start('n004');
    expect(sim.node('n004').membership!.incarnation).toBeGreaterThan(old);
    sim.runFor(100);
    for (const n of sim.running()) expect(liveOf(sim, n)).toEqual(runningSorted(sim));
    const revived = since(t0, 'peer-alive').filter((l) => l.event.kind === 'peer-alive' && l.event.node === 'n004');
    expect(revived.map((l) => l.observer).sort()).toEqual(runningSorted(sim).filter((n) => n !== 'n004'));
    expect(revived.every((l) => l.event.kind === 'peer-alive' && l.event.previous === 'dead')).toBe(true);
  });

  it('a restart with a clock behind its old incarnation is told the newer one and refutes past it', () => {
    const { sim, log } = cluster(5);
    const old = sim.node('n001').membership!.incarnation;
    sim.crash('n001');
    sim.runFor(100); // not yet detected: the others still hold n001 alive at `old`
    sim.start('n001', { incarnation: old - 60_000 });
    sim.runFor(2000);
    expect(log.some((l) => l.observer === 'n001' && l.event.kind === 'refuted')).toBe(true);
    expect(sim.node('n001').membership!.incarnation).toBeGreaterThan(old);
    for (const n of sim.running()) expect(liveOf(sim, n)).toEqual(runningSorted(sim));
  });

  it('a restarted node learns the dead peers from join answers before it is ready, and is ready early', () => {
    const { sim } = cluster(6);
    sim.crash('n001');
    sim.runFor(1500);
    sim.crash('n005');
    sim.start('n005');
    const m = sim.node('n005').membership!;
    expect(m.state('n001')).toBe('alive'); // a new process knows only the Leases
    let learnedAt: number | undefined;
    let readyAt: number | undefined;
    const t0 = sim.now;
    for (let t = 0; t < 1200 && readyAt === undefined; t += 2) {
      sim.runFor(2);
      if (learnedAt === undefined && m.state('n001') === 'dead') learnedAt = sim.now - t0;
      if (m.ready(sim.now)) readyAt = sim.now - t0;
    }
    expect(learnedAt).toBeDefined();
    expect(learnedAt!).toBeLessThanOrEqual(readyAt!);
    expect(readyAt!).toBeLessThan(m.config.startupWaitMs);
  });

  it('two nodes: the survivor alone is a quorum', () => {
    const { sim, since } = cluster(2);
    const t0 = sim.now;
    sim.crash('n000');
    sim.runFor(1000);
    expect(since(t0, 'peer-dead').map((l) => l.observer)).toEqual(['n001']);
  });

  it('a node and all its watchers crashing at once are all declared dead (new watchers take over)', () => {
    const { sim } = cluster(9);
    const victim = 'n004';
    const watchers = sim.node(victim).membership!.neighbours().heartbeatsTo;
    expect(watchers).toHaveLength(3);
    for (const n of [victim, ...watchers]) sim.crash(n);
    sim.runFor(5000);
    for (const n of sim.running()) expect(liveOf(sim, n)).toEqual(runningSorted(sim));
  });

  it('an isolated node says so (and, a minority, declares nobody dead); it heals when the links come back', () => {
    const { sim, since } = cluster(5);
    const m = sim.node('n000').membership!;
    expect(m.isolated(sim.now)).toBe(false);
    const t0 = sim.now;
    for (const n of sim.nodes) if (n.name !== 'n000') sim.block('n000', n.name);
    sim.runFor(1100);
    expect(m.isolated(sim.now)).toBe(false);
    sim.runFor(300);
    expect(m.isolated(sim.now)).toBe(true);
    expect(m.live().size).toBe(5);
    for (const n of sim.running()) if (n !== 'n000') expect(sim.node(n).membership!.state('n000')).toBe('dead');
    for (const n of sim.nodes) if (n.name !== 'n000') sim.block('n000', n.name, false);
    sim.runFor(3000);
    expect(m.isolated(sim.now)).toBe(false);
    expect(since(t0, 'refuted').some((l) => l.observer === 'n000')).toBe(true);
    for (const n of sim.running()) expect(liveOf(sim, n)).toEqual(runningSorted(sim));
  });

  it('a lone speaker restarting while its peers are down is isolated by heartbeats alone, not once the Lease layer agrees they are dead', () => {
    const { sim } = cluster(3);
    sim.crash('n001');
    sim.runFor(1000);
    sim.crash('n002');
    sim.runFor(1000);
    sim.crash('n000');
    sim.start('n000');
    sim.runFor(3000);
    const m = sim.node('n000').membership!;
    expect(m.live().size).toBe(3); // no quorum to declare the two it watches dead
    expect(m.isolated(sim.now)).toBe(true);
    expect(m.isolated(sim.now, new Set(['n000']))).toBe(false);
    expect(m.isolated(sim.now, new Set(['n000', 'n001']))).toBe(true);
  });

  it('API freshness: one speaker cut off from the API hears fresh peers; when everyone is, nobody does; heartbeats keep everyone live', () => {
    const { sim, since } = cluster(6, { loss: 0.01 });
    const ms = () => sim.nodes.map((n) => n.membership!);
    const reporting = () => sim.nodes.filter((n) => n.membership!.peersReportApiFresh(sim.now)).map((n) => n.name);
    const t0 = sim.now;
    expect(reporting()).toEqual(runningSorted(sim));
    // Only n002 lost the API server: it still hears fresh peers (it must withdraw once its Lease lapses).
    sim.node('n002').membership!.setApiFresh(false);
    sim.runFor(500);
    expect(sim.node('n002').membership!.peersReportApiFresh(sim.now)).toBe(true);
    // Everyone lost it: within deadAfterMs nobody hears a fresh peer (nobody withdraws).
    for (const m of ms()) m.setApiFresh(false);
    sim.runFor(500);
    expect(reporting()).toEqual([]);
    // One speaker's API view comes back: the nodes it heartbeats hear so within an interval or two.
    const back = sim.node('n004').membership!;
    back.setApiFresh(true);
    sim.runFor(300);
    expect(reporting().sort()).toEqual([...back.neighbours().heartbeatsTo].sort());
    // Stale heartbeats are heartbeats: no drops, nobody suspected dead.
    expect(since(t0, 'peer-dead')).toEqual([]);
    for (const m of ms()) expect(m.stats().dropped.malformed).toBe(0);
  });

  it('ticks ~once per heartbeat interval in steady state (no busy loop), with no drops', () => {
    const { sim } = cluster(8, { loss: 0 });
    let ticks = 0;
    const before = sim.nodes.map((n) => n.membership!.stats());
    const orig = sim.nodes.map((n) => n.membership!);
    for (const m of orig) {
      const tick = m.tick.bind(m);
      m.tick = (now, wall) => (ticks++, tick(now, wall));
    }
    sim.runFor(10_000);
    expect(ticks / 8 / 10).toBeLessThan(15);
    const after = sim.nodes.map((n) => n.membership!.stats());
    for (const [i, a] of after.entries()) {
      expect(Object.values(a.dropped).every((d) => d === 0)).toBe(true);
      expect((a.sent - before[i]!.sent) / 10).toBeLessThan(35); // 30 heartbeats/s + anti-entropy
    }
  });
});

describe('key rotation', () => {
  const k2: HeartbeatKey = { id: 'k2', secret: new Uint8Array(32).fill(42), firstSeenAt: 0 };

  /** Adds k2 on each node 1 s apart (Secret propagation skew), later removes k1 the same way. */
  function rotate(activationDelayMs: number) {
    const keyIds = new Map<string, number>();
    const log: Logged[] = [];
    const sim = new Sim({
      nodes: 5,
      seed: 3,
      delayMs: [0, 10],
      config: { keyActivationDelayMs: activationDelayMs },
      onEvent: (observer, event, at) => log.push({ observer, event, at }),
      onSend: (_from, _to, bytes, at) => {
        if (at >= 20_000) keyIds.set(decodePacket(bytes)!.header.keyId, (keyIds.get(decodePacket(bytes)!.header.keyId) ?? 0) + 1);
      },
    });
    for (const n of sim.nodes) sim.start(n.name);
    sim.runUntil(2000);
    for (const [i, n] of sim.nodes.entries()) {
      sim.at(3000 + i * 1000, () => sim.setKeys(n.name, [SIM_KEY, { ...k2, firstSeenAt: sim.now }]));
      sim.at(20_000 + i * 1000, () => sim.setKeys(n.name, [{ ...k2, firstSeenAt: 3000 + i * 1000 }]));
    }
    sim.runUntil(40_000);
    const dropped = sim.nodes.reduce((s, n) => s + n.membership!.stats().dropped['unknown-key'], 0);
    return { log, keyIds, dropped };
  }

  it('never drops a heartbeat nor suspects anyone; signs with the new key before the old one goes', () => {
    const { log, keyIds, dropped } = rotate(10_000);
    expect(dropped).toBe(0);
    expect(log.filter((l) => l.event.kind === 'suspected' || l.event.kind === 'peer-dead')).toEqual([]);
    expect([...keyIds.keys()]).toEqual(['k2']);
  });

  it('control: without the activation delay the same rotation makes peers drop heartbeats and declare deaths', () => {
    const { log, dropped } = rotate(0);
    expect(dropped).toBeGreaterThan(0);
    expect(log.some((l) => l.event.kind === 'peer-dead')).toBe(true);
  });
});
