// npm run bench:failover -- --trials N --mode crash|linkdown|speaker-kill|graceful [--services S] [--json]
//
// Failover as a client sees it: a cluster-in-a-box with 3 node namespaces, the controller
// and a speaker per node (their ServiceAccounts), one LoadBalancer Service whose VIP every
// node serves (bound on lo, as kube-proxy IPVS does), and a client in its own namespace
// making one short TCP connect every 10 ms. Each trial takes down the current owner and
// measures the gap between served connects and the connects that failed, then restores
// the node and waits until exactly one node answers again.
//   crash        the owner's speaker SIGKILLed and its link cut at the same instant
//   linkdown     the owner's link cut; its speaker keeps running (and must withdraw)
//   speaker-kill the owner's speaker alone SIGKILLed (the node still serves: no outage expected)
//   graceful     the owner's speaker SIGTERMed (drain: no outage expected)
// Then, with S extra Services announced (default 10), the API writes per second in a
// quiet 20 s window, read from the API server's apiserver_request_total.
// Final JSON line: {"mode","trials","p50_ms","p99_ms","max_ms","failed_connects","api_writes_per_s_steady", …}
import { applyYaml, kubectl } from '../test/cluster/kubectl.js';
import { startController, startSpeaker, type SpeakerProcess } from '../test/cluster/components.js';
import { freePort } from '../test/cluster/control-plane.js';
import { sleep, waitFor } from '../test/cluster/exec.js';
import { addVips, removeVips } from '../test/netlab/netlab.js';
import type { ClusterInfo } from '../test/cluster/types.js';
import { monoNs, outageAfter, setNodeLink, startConnectLoop, waitSingleOwner } from '../test/netlab/traffic.js';
import { BENCH_CLASS, benchCluster, percentile, progress, waitReady } from './lib.js';

const MODES = ['crash', 'linkdown', 'speaker-kill', 'graceful'] as const;
type Mode = (typeof MODES)[number];

function parseArgs(argv: string[]): { trials: number; mode: Mode; services: number; json: boolean } {
  let trials = 20;
  let mode: Mode = 'crash';
  let services = 10;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a === '--trials') trials = Number(argv[++i]);
    else if (a === '--services') services = Number(argv[++i]);
    else if (a === '--mode') {
      const m = argv[++i] as Mode;
      if (!MODES.includes(m)) throw new Error(`--mode must be one of ${MODES.join(', ')}`);
      mode = m;
    } else throw new Error(`unknown argument ${a}; usage: --trials N --mode ${MODES.join('|')} [--services S] [--json]`);
  }
  if (!Number.isInteger(trials) || trials < 1) throw new Error('--trials must be a positive integer');
  if (!Number.isInteger(services) || services < 0 || services > 1000) throw new Error('--services must be 0..1000');
  return { trials, mode, services, json };
}

const { trials, mode, services, json } = parseArgs(process.argv.slice(2));
const VIP_RANGE = '198.51.100.240-198.51.100.250';
const vips = Array.from({ length: 11 }, (_, i) => `198.51.100.${240 + i}`);

async function writesTotal(c: ClusterInfo): Promise<number> {
  const r = await kubectl(c, ['get', '--raw', '/metrics']);
  let total = 0;
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    if (!/verb="(POST|PUT|PATCH|DELETE|APPLY|CREATE|UPDATE)"/.test(line)) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

const bc = await benchCluster(3);
const c = bc.c;
const ns = `bench-fo-${process.pid}`;
const speakers = new Map<string, SpeakerProcess>();
let exitCode = 0;
const ctlPort = await freePort();
const ctl = await startController(c, { args: ['--metrics-addr', `127.0.0.1:${ctlPort}`, '--log-level', 'warn', '--lb-class', BENCH_CLASS, '--lease-name', 'ironlb-bench-failover'], identity: `bench-fo-${process.pid}` });
const startSp = async (i: number) => {
  const n = c.nodes[i]!;
  speakers.set(n.name, await startSpeaker(c, n, { args: ['--lb-class', BENCH_CLASS], logLevel: 'info' }));
};
try {
  await waitReady(ctlPort, ctl);
  await Promise.all(c.nodes.map((n) => addVips(n.netns, vips)));
  await kubectl(c, ['create', 'namespace', ns]);
  await applyYaml(c, `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: ${ns}, namespace: metallb-system }
spec:
  addresses: ["${VIP_RANGE}", "2001:db8:100::1000/116"]
  serviceAllocation: { namespaces: ["${ns}"] }
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: ${ns}, namespace: metallb-system }
spec: { ipAddressPools: ["${ns}"] }
`);
  for (let i = 0; i < c.nodes.length; i++) await startSp(i);
  const svc = (name: string, family: 'IPv4' | 'IPv6') => `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${ns} }
spec:
  type: LoadBalancer
  loadBalancerClass: ${BENCH_CLASS}
  allocateLoadBalancerNodePorts: false
  ipFamilies: [${family}]
  ipFamilyPolicy: SingleStack
  ports: [{ port: 80, protocol: TCP }]
  selector: { app: bench }
`;
  await applyYaml(c, svc('vip', 'IPv4'));
  const vip = await waitFor('VIP assigned', async () => {
    const r = await kubectl(c, ['get', 'svc', 'vip', '-n', ns, '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'], { allowFail: true });
    return r.stdout.trim() || undefined;
  }, 60_000);
  progress(`VIP ${vip}; waiting for one owner`);
  let owner = await waitSingleOwner(c, vip, 60_000);
  const gaps: number[] = [];
  let failed = 0;
  for (let t = 1; t <= trials; t++) {
    const node = c.nodes.find((n) => n.name === owner)!;
    const idx = c.nodes.indexOf(node);
    const loop = startConnectLoop(c, vip, 4_000);
    await sleep(1_000);
    const at = monoNs();
    const sp = speakers.get(owner)!;
    if (mode === 'crash') await Promise.all([sp.stop('SIGKILL'), setNodeLink(c, node, false)]);
    else if (mode === 'linkdown') await setNodeLink(c, node, false);
    else if (mode === 'speaker-kill') await sp.stop('SIGKILL');
    else await sp.stop('SIGTERM');
    const o = outageAfter(await loop.done, at);
    gaps.push(o.gapMs);
    failed += o.failed;
    progress(`trial ${t}/${trials}: ${owner} → ${o.after ?? 'nobody'}, gap ${o.gapMs.toFixed(0)} ms, ${o.failed} failed connects`);
    if (mode === 'crash' || mode === 'linkdown') await setNodeLink(c, node, true);
    if (mode !== 'linkdown') await startSp(idx);
    // Failback returns the IP to its hash-order owner: wait for that before the next trial.
    owner = await waitSingleOwner(c, vip, 60_000);
    await sleep(2_000);
    owner = await waitSingleOwner(c, vip, 60_000);
  }
  // Steady state: API writes per second with `services` more Services announced.
  for (let i = 0; i < services; i++) await applyYaml(c, svc(`extra-${i}`, 'IPv6'));
  await waitFor(`${services} extra Services announced`, async () => {
    const r = await kubectl(c, ['get', 'servicel2statuses', '-n', 'metallb-system', '-o', 'name'], { allowFail: true });
    return r.stdout.split('\n').filter(Boolean).length >= services + 1 ? true : undefined;
  }, 300_000, 1000);
  await sleep(5_000);
  const w0 = await writesTotal(c);
  const t0 = performance.now();
  await sleep(20_000);
  const w1 = await writesTotal(c);
  const writesPerS = (w1 - w0) / ((performance.now() - t0) / 1000);
  gaps.sort((a, b) => a - b);
  const out = {
    mode,
    trials,
    p50_ms: Math.round(percentile(gaps, 50)),
    p99_ms: Math.round(percentile(gaps, 99)),
    max_ms: Math.round(gaps.at(-1) ?? 0),
    failed_connects: failed,
    api_writes_per_s_steady: +writesPerS.toFixed(2),
    services: services + 1,
    nodes: c.nodes.length,
  };
  if (!json) progress(`gaps (ms): ${gaps.map((g) => g.toFixed(0)).join(' ')}`);
  console.log(JSON.stringify(out));
} catch (e) {
  progress(`failed: ${e instanceof Error ? e.stack : String(e)}`);
  exitCode = 1;
} finally {
  for (const sp of speakers.values()) await sp.stop();
  await ctl.stop();
  for (const n of c.nodes) await setNodeLink(c, n, true).catch(() => undefined);
  await Promise.all(c.nodes.map((n) => removeVips(n.netns, vips)));
  if (bc.reused) {
    await kubectl(c, ['delete', 'namespace', ns, '--ignore-not-found', '--wait=true'], { allowFail: true, timeoutMs: 120_000 });
    await kubectl(c, ['delete', 'ipaddresspool,l2advertisement', ns, '-n', 'metallb-system', '--ignore-not-found'], { allowFail: true });
  }
  await bc.done();
}
process.exit(exitCode);
