// npm run bench:assign -- --services N [--json]
// Service created → ingress written (seen by a watch), on the real cluster-in-a-box with
// the controller running as its ServiceAccount. Also the controller's RSS idle (ready,
// no bench Services) and with N Services assigned, and the API writes per Service by
// verb and resource from the API server's apiserver_request_total (delta over the run).
// Prints progress on stderr and a final JSON line: {"services", "all_assigned_s",
// "p50_ms", "p99_ms", "controller_rss_idle_mb", "controller_rss_mb" (3 s after the last
// assignment), "controller_rss_settled_mb" (30 s later), "controller_peak_rss_mb",
// "controller_writes_per_service" (ours, by verb and resource), "writes_total" (every
// writer's, over the run)}. IRONLB_BENCH_ENTRY / IRONLB_BENCH_NODE_OPTIONS choose the
// controller build and V8 flags (bench/lib.ts).
import { apiWrites, createServices, ourWrite, parseBenchArgs, percentile, progress, rssMb, runBench, startBenchController, waitReady, watchIngress, writesDelta } from './lib.js';
import { sleep } from '../test/cluster/exec.js';

const { services, json } = parseBenchArgs(process.argv.slice(2));
await runBench(async (bc, ns) => {
  const { ctl, opsPort } = await startBenchController(bc.c);
  try {
    await waitReady(opsPort, ctl);
    // Idle = caches synced and leading, after start-up garbage had a chance to go.
    await sleep(5_000);
    const idle = rssMb(ctl.pid);
    const w = await watchIngress(bc.kc, ns);
    const names = Array.from({ length: services }, (_, i) => `svc-${i}`);
    const writesBefore = await apiWrites(bc.c);
    progress(`idle RSS ${idle.rss.toFixed(1)} MB; creating ${services} Services`);
    const t0 = performance.now();
    const created = await createServices(bc.api, ns, names);
    await w.waitCount(services, Math.max(120_000, services * 100));
    w.stop();
    const lat = names.map((n) => w.seen.get(n)!.at - created.get(n)!).sort((a, b) => a - b);
    const lastAt = Math.max(...[...w.seen.values()].map((s) => s.at));
    const peakNow = rssMb(ctl.pid);
    // Let the pool-status flush (1 s debounce) and trailing patches land before counting.
    await sleep(3_000);
    const writes = writesDelta(writesBefore, await apiWrites(bc.c));
    const mem = rssMb(ctl.pid);
    // IRONLB_BENCH_HEAPSNAPSHOT=1 (with --heapsnapshot-signal=SIGUSR2 in the node options):
    // a heap snapshot of the controller at N, written to its working directory.
    if (process.env.IRONLB_BENCH_HEAPSNAPSHOT === '1') {
      process.kill(ctl.pid, 'SIGUSR2');
      await sleep(8_000);
      progress('heap snapshot requested (Heap.*.heapsnapshot in the working directory)');
    }
    // And once the burst is over: V8 gives unused pages back to the OS only after a
    // while (its memory reducer), so the steady figure is read 30 s later.
    await sleep(30_000);
    const settled = rssMb(ctl.pid);
    const per = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, +(v / services).toFixed(3)]));
    const ours = Object.fromEntries(Object.entries(writes).filter(([k]) => ourWrite(k)));
    const result = {
      services,
      all_assigned_s: +((lastAt - t0) / 1000).toFixed(3),
      p50_ms: +percentile(lat, 50).toFixed(2),
      p99_ms: +percentile(lat, 99).toFixed(2),
      controller_rss_idle_mb: +idle.rss.toFixed(1),
      controller_rss_mb: +mem.rss.toFixed(1),
      controller_rss_settled_mb: +settled.rss.toFixed(1),
      controller_rss_at_assigned_mb: +peakNow.rss.toFixed(1),
      controller_peak_rss_mb: +mem.peak.toFixed(1),
      controller_writes_per_service: per(ours),
      writes_total: writes,
    };
    if (!json) {
      progress(`all ${services} assigned in ${result.all_assigned_s}s; p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms`);
      progress(`RSS idle ${result.controller_rss_idle_mb} MB, with ${services} Services ${result.controller_rss_mb} MB (30 s later ${result.controller_rss_settled_mb} MB, peak ${result.controller_peak_rss_mb} MB)`);
      progress(`controller writes per Service: ${JSON.stringify(result.controller_writes_per_service)}`);
    }
    console.log(JSON.stringify(result));
  } finally {
    await ctl.stop();
  }
});
