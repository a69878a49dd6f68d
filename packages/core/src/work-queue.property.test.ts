// The work queue against a plain model, over random histories of adds, completions
// (success or failure) and clock advances: the same keys start in the same order, the
// same keys run, the same retries are due. The model is the queue's contract written
// the slow, obvious way (arrays and linear scans).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ManualClock } from './clock.js';
import { WorkQueue } from './work-queue.js';

const MIN = 100;
const MAX = 800;
const CONC = 3;

class Model {
  pending: string[] = [];
  running: string[] = [];
  dirty: string[] = [];
  failures = new Map<string, number>();
  timers: { at: number; seq: number; key: string }[] = [];
  started: string[] = [];
  now = 0;
  seq = 0;

  add(k: string): void {
    if (this.running.includes(k)) {
      if (!this.dirty.includes(k)) this.dirty.push(k);
      return;
    }
    if (!this.pending.includes(k)) this.pending.push(k);
    this.pump();
  }

  pump(): void {
    while (this.running.length < CONC && this.pending.length > 0) {
      const k = this.pending.shift()!;
      this.running.push(k);
      this.started.push(k);
    }
  }

  complete(k: string, ok: boolean): void {
    if (ok) this.failures.delete(k);
    else {
      const n = (this.failures.get(k) ?? 0) + 1;
      this.failures.set(k, n);
      if (!this.timers.some((t) => t.key === k)) this.timers.push({ at: this.now + Math.min(MAX, MIN * 2 ** (n - 1)), seq: this.seq++, key: k });
    }
    this.running = this.running.filter((x) => x !== k);
    if (this.dirty.includes(k)) {
      this.dirty = this.dirty.filter((x) => x !== k);
      this.pending.push(k);
    }
    this.pump();
  }

  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.now = due.at;
      this.timers = this.timers.filter((t) => t !== due);
      this.add(due.key);
    }
    this.now = end;
  }
}

type Op = { op: 'add'; key: string } | { op: 'complete'; pick: number; ok: boolean } | { op: 'advance'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('add' as const), key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f') }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('complete' as const), pick: fc.nat(10), ok: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 900 }) }) },
);

const settle = async () => {
  for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
};

describe('WorkQueue vs model', () => {
  it('starts the same keys in the same order, runs the same keys and retries the same way', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 60 }), async (ops) => {
        const clock = new ManualClock();
        const model = new Model();
        const started: string[] = [];
        const waiting = new Map<string, { ok: () => void; fail: () => void }>();
        const q = new WorkQueue({
          clock, concurrency: CONC, minBackoffMs: MIN, maxBackoffMs: MAX,
          handle: (k) => new Promise<void>((ok, fail) => {
            started.push(k);
            waiting.set(k, { ok, fail: () => fail(new Error('x')) });
          }),
        });
        for (const o of ops) {
          if (o.op === 'add') {
            q.add(o.key);
            model.add(o.key);
          } else if (o.op === 'complete') {
            if (model.running.length === 0) continue;
            const k = model.running[o.pick % model.running.length]!;
            const w = waiting.get(k)!;
            waiting.delete(k);
            if (o.ok) w.ok();
            else w.fail();
            model.complete(k, o.ok);
          } else {
            clock.advance(o.ms);
            model.advance(o.ms);
          }
          await settle();
          expect(started).toEqual(model.started);
          expect([...waiting.keys()].sort()).toEqual([...model.running].sort());
          expect(q.length).toBe(model.pending.length + model.running.length + model.timers.length);
        }
        q.stop();
      }),
      { numRuns: 150 },
    );
  });
});
