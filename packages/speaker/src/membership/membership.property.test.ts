// Agreement: whatever happened — loss, delay, crashes, restarts, graceful leaves, Lease
// propagation lag — once the network is quiet again every running speaker believes
// exactly the running speakers are live, and no speaker ever declares itself dead.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Sim } from './test-support/sim.js';

type Op = { at: number; kind: 'crash' | 'restart' | 'leave'; node: number };

const scenario = fc.record({
  nodes: fc.integer({ min: 3, max: 12 }),
  initial: fc.integer({ min: 2, max: 12 }),
  seed: fc.integer(),
  loss: fc.double({ min: 0, max: 0.2, noNaN: true }),
  maxDelay: fc.integer({ min: 0, max: 40 }),
  peersLag: fc.integer({ min: 0, max: 300 }),
  skew: fc.integer({ min: 0, max: 200 }),
  // Crashes are spaced: heartbeats alone cannot tell "all my peers died at once" from "I am
  // cut off" (the Lease layer decides that one), so a verdict must land before the next.
  ops: fc.array(fc.record({ gap: fc.integer({ min: 1500, max: 4000 }), kind: fc.constantFrom('crash' as const, 'restart' as const, 'leave' as const), node: fc.nat() }), { maxLength: 6 }),
});

describe('Membership agreement (property)', () => {
  it('after a quiet period every running node sees exactly the running nodes live; nobody ever sees itself dead', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const selfDeaths: string[] = [];
        const sim = new Sim({
          nodes: s.nodes,
          seed: s.seed,
          loss: s.loss,
          delayMs: [0, s.maxDelay],
          timerLatenessMs: 5,
          peersLagMs: [0, s.peersLag],
          clockSkewMs: s.skew,
          onEvent: (observer, e) => {
            if ((e.kind === 'peer-dead' || e.kind === 'peer-left') && e.node === observer) selfDeaths.push(observer);
          },
        });
        const names = sim.nodes.map((n) => n.name);
        for (const n of names.slice(0, Math.min(s.initial, s.nodes))) sim.at(Math.floor(Math.abs(s.seed) % 300), () => sim.start(n));
        let t = 500;
        const ops: Op[] = s.ops.map((o) => ({ at: (t += o.gap), kind: o.kind, node: o.node % s.nodes }));
        for (const op of ops) {
          sim.at(op.at, () => {
            const name = names[op.node]!;
            const status = sim.node(name).status;
            // At least two survivors of a crash, one of a leave: heartbeats alone cannot tell
            // "the peers I watch all died" from "I am cut off" — the Lease layer settles that
            // (Membership.isolated with the Lease view) — and a restarted speaker learns the
            // dead from a running one.
            if (op.kind === 'crash' && status === 'running' && sim.running().size > 2) sim.crash(name);
            else if (op.kind === 'leave' && status === 'running' && sim.running().size > 1) sim.leave(name);
            else if (op.kind === 'restart' && (status === 'stopped' || status === 'never-started')) sim.start(name);
          });
        }
        sim.runUntil(t + 1000);
        // Quiet: no loss from now on.
        sim.loss = 0;
        sim.runFor(15_000);
        const running = [...sim.running()].sort();
        for (const n of running) {
          const m = sim.node(n).membership!;
          expect([...m.live()].sort(), `${n}'s view`).toEqual(running);
          expect(m.state(n)).toBe('alive');
        }
        expect(selfDeaths).toEqual([]);
      }),
      {
        numRuns: 100,
        // Found by a 1,500-run search: with 17 % loss the only two running speakers declared
        // each other dead and, no longer heartbeating each other, never healed (fixed by
        // probing one dead peer per anti-entropy round).
        examples: [[{ nodes: 3, initial: 2, seed: -15046732, loss: 0.17136046849191192, maxDelay: 0, peersLag: 0, skew: 1, ops: [{ gap: 1500, kind: 'crash', node: 0 }] }]],
      },
    );
  }, 120_000);
});
