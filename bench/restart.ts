// npm run bench:restart -- --services N [--restarts R] [--json]
// Assigns N Services, then restarts the controller R times; after each restart counts
// Services whose IPs changed and how long the controller took to be ready (caches
// synced, existing IPs re-claimed, pending Services handled). Final JSON line:
// {"services", "restarts", "ip_changes", "ready_s"} (ready_s = the slowest restart).
import { createServices, ingressOf, parseBenchArgs, progress, runBench, startBenchController, waitReady, watchIngress } from './lib.js';
import type { CoreV1Api } from '@kubernetes/client-node';

const argv = process.argv.slice(2);
const ri = argv.indexOf('--restarts');
const restarts = ri >= 0 ? Number(argv.splice(ri, 2)[1]) : 1;
const { services, json } = parseBenchArgs(argv);

async function snapshot(api: CoreV1Api, ns: string): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  const list = await api.listNamespacedService({ namespace: ns });
  for (const s of list.items) m.set(s.metadata?.name ?? '', ingressOf(s).sort().join(','));
  return m;
}

await runBench(async (bc, ns) => {
  let { ctl, opsPort } = await startBenchController(bc.c);
  try {
    await waitReady(opsPort, ctl);
    const w = await watchIngress(bc.kc, ns);
    progress(`creating ${services} Services`);
    await createServices(bc.api, ns, Array.from({ length: services }, (_, i) => `svc-${i}`));
    await w.waitCount(services, Math.max(120_000, services * 100));
    w.stop();
    const before = await snapshot(bc.api, ns);
    let ipChanges = 0;
    let slowest = 0;
    for (let r = 1; r <= restarts; r++) {
      await ctl.stop();
      const t0 = performance.now();
      ({ ctl, opsPort } = await startBenchController(bc.c));
      await waitReady(opsPort, ctl);
      const readyS = (performance.now() - t0) / 1000;
      slowest = Math.max(slowest, readyS);
      const after = await snapshot(bc.api, ns);
      const changed = [...before].filter(([k, v]) => after.get(k) !== v).length;
      ipChanges += changed;
      progress(`restart ${r}/${restarts}: ready in ${readyS.toFixed(2)}s, ${changed} IP changes`);
    }
    console.log(JSON.stringify({ services, restarts, ip_changes: ipChanges, ready_s: +slowest.toFixed(3) }));
    if (!json) progress('done');
  } finally {
    await ctl.stop();
  }
});
