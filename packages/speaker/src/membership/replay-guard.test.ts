import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REPLAY_WINDOW, ReplayGuard } from './replay-guard.js';

describe('ReplayGuard', () => {
  it('accepts increasing sequence numbers, rejects repeats', () => {
    const g = new ReplayGuard();
    expect(g.accept('a', 1, 1)).toBe(true);
    expect(g.accept('a', 1, 2)).toBe(true);
    expect(g.accept('a', 1, 2)).toBe(false);
    expect(g.accept('a', 1, 1)).toBe(false);
    expect(g.accept('b', 1, 1)).toBe(true); // per sender
  });

  it('accepts reordering within the window, not beyond it', () => {
    const g = new ReplayGuard();
    expect(g.accept('a', 1, 100)).toBe(true);
    expect(g.accept('a', 1, 100 - (REPLAY_WINDOW - 1))).toBe(true);
    expect(g.accept('a', 1, 100 - (REPLAY_WINDOW - 1))).toBe(false);
    expect(g.accept('a', 1, 100 - REPLAY_WINDOW)).toBe(false);
    expect(g.accept('a', 1, 99)).toBe(true);
    expect(g.accept('a', 1, 1000)).toBe(true); // a jump clears the window
    expect(g.accept('a', 1, 999)).toBe(true);
  });

  it('a newer incarnation restarts the sequence; an older one is a replay', () => {
    const g = new ReplayGuard();
    expect(g.accept('a', 1, 50)).toBe(true);
    expect(g.accept('a', 2, 1)).toBe(true);
    expect(g.incarnation('a')).toBe(2);
    expect(g.accept('a', 1, 51)).toBe(false);
    g.forget('a');
    expect(g.accept('a', 1, 51)).toBe(true);
  });

  it('accepts every sequence number at most once, and every fresh one delivered in a near order (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 300 }), (seqs) => {
        const g = new ReplayGuard();
        const accepted = new Set<number>();
        let max = 0;
        for (const s of seqs) {
          const ok = g.accept('a', 7, s);
          if (ok) expect(accepted.has(s)).toBe(false);
          // Fresh and within the window: must be accepted.
          if (!accepted.has(s) && s > max - REPLAY_WINDOW) expect(ok).toBe(true);
          if (ok) accepted.add(s);
          max = Math.max(max, s);
        }
      }),
    );
  });
});
