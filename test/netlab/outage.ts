// What a failover looks like from the client: the connect loop's samples and the outage
// they show. Pure, so the e2e suites, bench:failover and the demo judge a failover alike.

export interface ConnectSample {
  readonly t: bigint;
  readonly ok: boolean;
  readonly node: string | null;
  readonly ms: number;
}

export interface Outage {
  /** Longest run of failed connects after `from`, ms from the last success before it to the first success after it. */
  readonly gapMs: number;
  readonly failed: number;
  readonly before: string | null;
  readonly after: string | null;
}

/** The outage that follows `fromNs`: failed connects and the time between served connects around them. */
export function outageAfter(samples: readonly ConnectSample[], fromNs: bigint): Outage {
  const after = samples.filter((s) => s.t >= fromNs);
  const before = samples.filter((s) => s.t < fromNs && s.ok).at(-1);
  const failed = after.filter((s) => !s.ok).length;
  const firstOk = after.find((s) => s.ok && s.node !== before?.node) ?? after.find((s) => s.ok);
  let lastGoodBeforeFail = before;
  let gapNs = 0n;
  let runStart: ConnectSample | undefined;
  for (const s of after) {
    if (!s.ok) {
      runStart ??= lastGoodBeforeFail;
      continue;
    }
    if (runStart) {
      const g = s.t - runStart.t;
      if (g > gapNs) gapNs = g;
      runStart = undefined;
    }
    lastGoodBeforeFail = s;
  }
  return { gapMs: Number(gapNs) / 1e6, failed, before: before?.node ?? null, after: firstOk?.node ?? null };
}
