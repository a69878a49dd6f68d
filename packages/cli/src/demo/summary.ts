// What the client saw of the failover, in numbers: old and new owner, the gap, how many
// connects failed. Pure; the gap is the one the e2e suites and bench:failover measure.
import { outageAfter } from '../../../../test/netlab/outage.js';
import type { TimelineSample } from './timeline.js';

export interface FailoverSummary {
  /** The node that served the last connect before the crash. */
  readonly oldOwner: string | null;
  /** The node serving after it (first success by another node, else the first success). */
  readonly newOwner: string | null;
  /** Longest time between served connects around failed ones, ms (0: nothing failed). */
  readonly gapMs: number;
  readonly failed: number;
  /** Connects started after the crash. */
  readonly after: number;
  /** Connects before the crash, and how many of them the old owner served. */
  readonly before: number;
  readonly beforeServedByOld: number;
  /** The client saw service move from one node to another. */
  readonly failedOver: boolean;
}

export function summarizeFailover(samples: readonly (TimelineSample & { ms?: number })[], crashNs: bigint): FailoverSummary {
  const o = outageAfter(samples.map((s) => ({ ms: 0, ...s })), crashNs);
  const before = samples.filter((s) => s.t < crashNs);
  return {
    oldOwner: o.before,
    newOwner: o.after,
    gapMs: o.gapMs,
    failed: o.failed,
    after: samples.length - before.length,
    before: before.length,
    beforeServedByOld: before.filter((s) => s.ok && s.node === o.before).length,
    failedOver: o.before !== null && o.after !== null && o.after !== o.before,
  };
}

/** The summary as sentences. */
export function describeFailover(s: FailoverSummary): string[] {
  const lines = [
    `before the crash: ${s.before} connects, ${s.beforeServedByOld} served by ${s.oldOwner ?? 'nobody'}`,
    `after the crash: ${s.after} connects, ${s.failed} failed`,
  ];
  if (s.failedOver) lines.push(`failover: ${s.oldOwner} → ${s.newOwner}, gap ${Math.round(s.gapMs)} ms (no connect served for that long)`);
  else if (s.newOwner === s.oldOwner && s.oldOwner !== null) lines.push(`no failover: ${s.oldOwner} still served after the crash`);
  else lines.push(`no failover: no node served after the crash`);
  return lines;
}
