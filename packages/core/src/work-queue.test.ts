import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { WorkQueue } from './work-queue.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('WorkQueue', () => {
  it('runs a key queued many times while it waits only once', async () => {
    const seen: string[] = [];
    let release!: () => void;
    const q = new WorkQueue({
      clock: new ManualClock(),
      concurrency: 1,
      handle: async (k) => {
        seen.push(k);
        if (k === 'busy') await new Promise<void>((r) => (release = r));
      },
    });
    q.add('busy'); // occupies the only worker, so the rest wait
    q.add('a');
    q.add('b');
    q.add('a');
    release();
    await q.idle();
    expect(seen).toEqual(['busy', 'a', 'b']);
  });

  it('never runs one key twice at once, and reruns a key queued while it ran', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    let release!: () => void;
    const q = new WorkQueue({
      clock: new ManualClock(),
      concurrency: 4,
      handle: async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        runs++;
        if (runs === 1) await new Promise<void>((r) => (release = r));
        active--;
      },
    });
    q.add('k');
    await tick();
    q.add('k'); // while running
    q.add('k');
    release();
    await q.idle();
    expect(maxActive).toBe(1);
    expect(runs).toBe(2);
  });

  it('retries failures with exponential backoff on the injected clock', async () => {
    const clock = new ManualClock();
    const attempts: number[] = [];
    const waits: number[] = [];
    const q = new WorkQueue({
      clock,
      minBackoffMs: 100,
      handle: async () => {
        attempts.push(clock.now());
        if (attempts.length < 4) throw new Error('api down');
      },
      onError: (_k, _e, w) => waits.push(w),
    });
    q.add('svc');
    for (let i = 0; i < 20; i++) {
      await q.idle();
      clock.advance(50);
      await tick();
    }
    expect(waits).toEqual([100, 200, 400]);
    expect(attempts).toEqual([0, 100, 300, 700]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('respects concurrency across different keys', async () => {
    let active = 0;
    let maxActive = 0;
    const q = new WorkQueue({
      clock: new ManualClock(),
      concurrency: 2,
      handle: async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await tick();
        active--;
      },
    });
    for (const k of ['a', 'b', 'c', 'd', 'e']) q.add(k);
    await q.idle();
    expect(maxActive).toBe(2);
  });
});
