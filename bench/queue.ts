// The work queue at take-over: N keys queued at once (a leader queues every Service),
// then drained by 8 workers whose handler does nothing but yield, so the figure is the
// queue's own cost. Also a steady mix: keys re-added while they run (a Service updated
// during its reconcile).
//
// Progress goes to stderr; `--json` prints one JSON line on stdout:
//   {"cases": [{"keys", "drain_ms", "ns_per_key"}, ...], "readd": {"keys", "drain_ms"}}
// Target: ns_per_key flat in N (a dequeue is O(1) amortised).
//
// Run: npm run bench:queue -- --json
import { WorkQueue, systemClock } from '@ironlb/core';

const json = process.argv.includes('--json');
const log = (msg: string): void => void process.stderr.write(`[bench:queue] ${msg}\n`);

async function drain(keys: number, readd: boolean): Promise<number> {
  let runs = 0;
  const q: WorkQueue = new WorkQueue({
    clock: systemClock,
    concurrency: 8,
    handle: async (k) => {
      runs++;
      await Promise.resolve();
      // Every other key is queued again while it runs: it must run once more afterwards.
      if (readd && runs <= keys && Number(k.slice(2)) % 2 === 0) q.add(k);
    },
  });
  const t0 = performance.now();
  for (let i = 0; i < keys; i++) q.add(`k-${i}`);
  await q.idle();
  const ms = performance.now() - t0;
  q.stop();
  return ms;
}

const cases: { keys: number; drain_ms: number; ns_per_key: number }[] = [];
await drain(1_000, false); // warm-up
for (const keys of [1_000, 10_000, 50_000]) {
  const best = Math.min(await drain(keys, false), await drain(keys, false), await drain(keys, false));
  cases.push({ keys, drain_ms: +best.toFixed(1), ns_per_key: Math.round((best * 1e6) / keys) });
  log(`${keys} keys: drained in ${best.toFixed(1)} ms (${Math.round((best * 1e6) / keys)} ns/key)`);
}
const readdMs = await drain(10_000, true);
log(`10000 keys, half re-added while running: ${readdMs.toFixed(1)} ms`);
if (json) console.log(JSON.stringify({ cases, readd: { keys: 10_000, drain_ms: +readdMs.toFixed(1) } }));
