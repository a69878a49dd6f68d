import { describe, expect, it } from 'vitest';
import { describeFailover, summarizeFailover } from './summary.js';
import type { TimelineSample } from './timeline.js';

const MS = 1_000_000n;
function loop(toMs: number, who: (ms: number) => string | null): TimelineSample[] {
  return Array.from({ length: toMs / 10 }, (_, i) => {
    const node = who(i * 10);
    return { t: BigInt(i * 10) * MS, ok: node !== null, node };
  });
}

describe('summarizeFailover', () => {
  it.each([
    {
      name: 'crash with a 300 ms outage',
      samples: loop(2000, (ms) => (ms < 1000 ? 'node-2' : ms < 1290 ? null : 'node-3')),
      crashMs: 1000,
      want: { oldOwner: 'node-2', newOwner: 'node-3', gapMs: 300, failed: 29, before: 100, beforeServedByOld: 100, after: 100, failedOver: true },
      text: 'failover: node-2 → node-3, gap 300 ms (no connect served for that long)',
    },
    {
      name: 'lossless handover',
      samples: loop(2000, (ms) => (ms < 1050 ? 'node-1' : 'node-2')),
      crashMs: 1000,
      want: { oldOwner: 'node-1', newOwner: 'node-2', gapMs: 0, failed: 0, failedOver: true },
      text: 'failover: node-1 → node-2, gap 0 ms (no connect served for that long)',
    },
    {
      name: 'the old owner keeps serving',
      samples: loop(2000, () => 'node-1'),
      crashMs: 1000,
      want: { oldOwner: 'node-1', newOwner: 'node-1', failed: 0, failedOver: false },
      text: 'no failover: node-1 still served after the crash',
    },
    {
      name: 'nobody serves after the crash',
      samples: loop(2000, (ms) => (ms < 1000 ? 'node-1' : null)),
      crashMs: 1000,
      want: { oldOwner: 'node-1', newOwner: null, failed: 100, failedOver: false },
      text: 'no failover: no node served after the crash',
    },
    {
      name: 'nothing served before the crash',
      samples: loop(2000, (ms) => (ms < 1000 ? null : 'node-1')),
      crashMs: 1000,
      want: { oldOwner: null, newOwner: 'node-1', failedOver: false },
      text: 'no failover: no node served after the crash',
    },
  ])('$name', ({ samples, crashMs, want, text }) => {
    const s = summarizeFailover(samples, BigInt(crashMs) * MS);
    expect(s).toMatchObject(want);
    expect(describeFailover(s).at(-1)).toBe(text);
  });
});
