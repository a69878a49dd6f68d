// npm run bench:assign -- --services N [--json]
// Service created → ingress written (seen by a watch), on the real cluster-in-a-box with
// the controller running as its ServiceAccount. Prints progress on stderr and a final
// JSON line: {"services", "all_assigned_s", "p50_ms", "p99_ms", "controller_rss_mb"}.
import { createServices, parseBenchArgs, percentile, progress, rssMb, runBench, startBenchController, waitReady, watchIngress } from './lib.js';

const { services, json } = parseBenchArgs(process.argv.slice(2));
await runBench(async (bc, ns) => {
  const { ctl, opsPort } = await startBenchController(bc.c);
  try {
    await waitReady(opsPort, ctl);
    const w = await watchIngress(bc.kc, ns);
    const names = Array.from({ length: services }, (_, i) => `svc-${i}`);
    progress(`creating ${services} Services`);
    const t0 = performance.now();
    const created = await createServices(bc.api, ns, names);
    await w.waitCount(services, Math.max(120_000, services * 100));
    w.stop();
    const lat = names.map((n) => w.seen.get(n)!.at - created.get(n)!).sort((a, b) => a - b);
    const lastAt = Math.max(...[...w.seen.values()].map((s) => s.at));
    const mem = rssMb(ctl.pid);
    const result = {
      services,
      all_assigned_s: +((lastAt - t0) / 1000).toFixed(3),
      p50_ms: +percentile(lat, 50).toFixed(2),
      p99_ms: +percentile(lat, 99).toFixed(2),
      controller_rss_mb: +mem.rss.toFixed(1),
      controller_peak_rss_mb: +mem.peak.toFixed(1),
    };
    if (!json) progress(`all ${services} assigned in ${result.all_assigned_s}s; p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms; RSS ${result.controller_rss_mb} MB`);
    console.log(JSON.stringify(result));
  } finally {
    await ctl.stop();
  }
});
