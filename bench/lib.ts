// Shared plumbing of the cluster benchmarks: a cluster-in-a-box owned by the bench, the
// controller running as its own ServiceAccount, bulk Service creation, and a watch that
// timestamps when each Service's ingress IP appears.
import { readFileSync } from 'node:fs';
import { CoreV1Api, KubeConfig, Watch, type V1Service } from '@kubernetes/client-node';
import { up, down, info, listClusterIds } from '../test/cluster/cluster.js';
import { kubectl, applyYaml, waitCrdsEstablished } from '../test/cluster/kubectl.js';
import { installRbac, startProcess, type RunningComponent } from '../test/cluster/components.js';
import { mintServiceAccountKubeconfig } from '../test/cluster/accounts.js';
import { freePort } from '../test/cluster/control-plane.js';
import { waitFor } from '../test/cluster/exec.js';
import { repoRoot } from '../test/cluster/cluster.js';
import type { ClusterInfo } from '../test/cluster/types.js';
import { join } from 'node:path';
import { shareConnections } from '@ironlb/core';

export const progress = (m: string) => process.stderr.write(`bench: ${m}\n`);

export interface BenchCluster {
  c: ClusterInfo;
  api: CoreV1Api;
  kc: KubeConfig;
  /** A cluster someone else runs: remove what the bench made. Otherwise it is torn down whole. */
  reused: boolean;
  done(): Promise<void>;
}

/**
 * The bench's own cluster-in-a-box, or with IRONLB_BENCH_REUSE=1 the one already running
 * (only one can run per machine). Bench objects are isolated either way: their own
 * namespace, a pool restricted to it, Services of class BENCH_CLASS and a controller
 * that handles only that class under its own lease.
 */
export async function benchCluster(nodes = 1): Promise<BenchCluster> {
  if (process.env.IRONLB_BENCH_REUSE === '1') {
    const id = listClusterIds()[0];
    const existing = id ? info(id) : undefined;
    if (!existing) throw new Error('IRONLB_BENCH_REUSE=1 but no cluster is running (npm run cluster:up)');
    if (existing.nodes.length < nodes) throw new Error(`IRONLB_BENCH_REUSE=1 but the running cluster has ${existing.nodes.length} nodes; this bench needs ${nodes}`);
    return connect(existing, true, async () => {});
  }
  const c = await up({ nodes, ownerPid: process.pid, log: progress });
  return connect(c, false, () => down(c.id, progress));
}

export const BENCH_CLASS = 'ironlb.io/bench';

async function connect(c: ClusterInfo, reused: boolean, done: () => Promise<void>): Promise<BenchCluster> {
  await kubectl(c, ['apply', '-f', join(repoRoot, 'crds'), '-f', join(repoRoot, 'deploy/00-namespace.yaml')]);
  await waitCrdsEstablished(c);
  const kc = new KubeConfig();
  kc.loadFromFile(c.kubeconfig);
  shareConnections(kc);
  return { c, kc, api: kc.makeApiClient(CoreV1Api), reused, done };
}

/** The bench namespace and an IPv6 pool only it may use, large enough for any N (IPv4
 * documentation space is only 512 addresses). */
export async function prepareBench(c: ClusterInfo, ns: string, cidr = '2001:db8:1000::/104'): Promise<void> {
  await cleanupBench(c, ns);
  await kubectl(c, ['create', 'namespace', ns]);
  await applyYaml(c, `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: ${ns}, namespace: metallb-system }
spec:
  addresses: ["${cidr}"]
  serviceAllocation: { namespaces: ["${ns}"] }
---
# A real setup announces its pool; without this the controller rightly warns on every
# Service (NotAdvertised), which is not what the bench measures.
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: ${ns}, namespace: metallb-system }
spec:
  ipAddressPools: ["${ns}"]
`);
}

export async function cleanupBench(c: ClusterInfo, ns: string): Promise<void> {
  await kubectl(c, ['delete', 'namespace', ns, '--ignore-not-found', '--wait=true', '--timeout=300s'], { allowFail: true, timeoutMs: 320_000 });
  await kubectl(c, ['delete', 'ipaddresspool,l2advertisement', ns, '-n', 'metallb-system', '--ignore-not-found'], { allowFail: true });
}

/**
 * The controller as its ServiceAccount, from `entry`: 'bin' = the shipped bin (the
 * bundle, dist/ironlb-controller.mjs), 'dist' = tsc's dist/main.js as separate modules.
 * `nodeOptions` become the process's NODE_OPTIONS (V8 flags). Defaults from
 * IRONLB_BENCH_ENTRY and IRONLB_BENCH_NODE_OPTIONS (unset: the NODE_OPTIONS that
 * deploy/20-controller.yaml ships, so the default figure is what users run; "" = none),
 * so each memory step can be measured.
 */
/** The controller container's NODE_OPTIONS in deploy/20-controller.yaml ('' when it sets none). */
function shippedNodeOptions(): string {
  const text = readFileSync(join(repoRoot, 'deploy/20-controller.yaml'), 'utf8');
  return /- name: NODE_OPTIONS\s+value: (.+)/.exec(text)?.[1]?.trim() ?? '';
}

export async function startBenchController(c: ClusterInfo, o: { entry?: 'bin' | 'dist'; nodeOptions?: string } = {}): Promise<{ ctl: RunningComponent; opsPort: number }> {
  const opsPort = await freePort();
  const entry = o.entry ?? (process.env.IRONLB_BENCH_ENTRY === 'dist' ? 'dist' : 'bin');
  const nodeOptions = o.nodeOptions ?? process.env.IRONLB_BENCH_NODE_OPTIONS ?? shippedNodeOptions();
  await installRbac(c, ['00-namespace.yaml', '10-controller-rbac.yaml']);
  const kubeconfig = await mintServiceAccountKubeconfig(c, { namespace: 'metallb-system', name: 'ironlb-controller' });
  const main = join(repoRoot, entry === 'bin' ? 'packages/controller/dist/ironlb-controller.mjs' : 'packages/controller/dist/main.js');
  progress(`controller: ${entry} (${main.slice(repoRoot.length + 1)})${nodeOptions ? `, NODE_OPTIONS=${nodeOptions}` : ''}`);
  const ctl = startProcess(process.execPath, [main, '--metrics-addr', `127.0.0.1:${opsPort}`, '--log-level', 'warn', '--lb-class', BENCH_CLASS, '--lease-name', 'ironlb-bench'], {
    ...process.env,
    NODE_OPTIONS: nodeOptions,
    KUBECONFIG: kubeconfig,
    POD_NAME: `bench-${process.pid}`,
  });
  return { ctl, opsPort };
}

export async function waitReady(opsPort: number, ctl: RunningComponent, timeoutMs = 120_000): Promise<void> {
  await waitFor('controller /readyz', async () => {
    const exited = await Promise.race([ctl.exited.then(() => true), Promise.resolve(false)]);
    if (exited) throw new Error(`controller exited:\n${ctl.output().slice(-2000)}`);
    const r = await fetch(`http://127.0.0.1:${opsPort}/readyz`).catch(() => undefined);
    return r?.status === 200 ? true : undefined;
  }, timeoutMs, 50);
}

export function rssMb(pid: number): { rss: number; peak: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

export function ingressOf(s: V1Service): string[] {
  return (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter(Boolean);
}

/** Watches Services in `ns` and records, per name, when ingress first appeared. */
export async function watchIngress(kc: KubeConfig, ns: string) {
  const seen = new Map<string, { at: number; ips: string[] }>();
  const listeners: (() => void)[] = [];
  const abort = await new Watch(kc).watch(`/api/v1/namespaces/${ns}/services`, {}, (_phase, obj: V1Service) => {
    const name = obj.metadata?.name ?? '';
    const ips = ingressOf(obj);
    if (ips.length > 0 && !seen.has(name)) {
      seen.set(name, { at: performance.now(), ips });
      for (const l of listeners) l();
    }
  }, () => {});
  return {
    seen,
    stop: () => abort.abort(),
    async waitCount(n: number, timeoutMs: number) {
      await waitFor(`${n} Services with ingress`, async () => (seen.size >= n ? true : undefined), timeoutMs, 20);
    },
  };
}

export function serviceManifest(ns: string, name: string): V1Service {
  return {
    metadata: { name, namespace: ns },
    // No NodePorts: the range (30000-32767) holds fewer ports than the Services we bench.
    spec: { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, loadBalancerClass: BENCH_CLASS, ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack', ports: [{ port: 80, protocol: 'TCP' }], selector: { app: name } },
  };
}

/** Creates Services with bounded parallelism; returns each one's creation-confirmed time. */
export async function createServices(api: CoreV1Api, ns: string, names: string[], parallel = 48): Promise<Map<string, number>> {
  const created = new Map<string, number>();
  let next = 0;
  let lastReport = performance.now();
  async function worker() {
    while (next < names.length) {
      const name = names[next++]!;
      await api.createNamespacedService({ namespace: ns, body: serviceManifest(ns, name) });
      created.set(name, performance.now());
      if (performance.now() - lastReport > 5_000) {
        lastReport = performance.now();
        progress(`created ${created.size}/${names.length} Services`);
      }
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker));
  return created;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function parseBenchArgs(argv: string[]): { services: number; json: boolean } {
  let services = 1000;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') json = true;
    else if (argv[i] === '--services') services = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}; usage: [--services N] [--json]`);
  }
  if (!Number.isInteger(services) || services < 1) throw new Error(`--services must be a positive integer`);
  return { services, json };
}

/**
 * Runs one cluster bench: a cluster (own or reused), a prepared namespace and pool, the
 * body, then cleanup whatever happened; exits 1 with the reason on failure.
 */
export async function runBench(body: (bc: BenchCluster, ns: string) => Promise<void>): Promise<never> {
  const ns = `bench-${process.pid}`;
  const bc = await benchCluster();
  let exitCode = 0;
  try {
    await prepareBench(bc.c, ns);
    await body(bc, ns);
  } catch (e) {
    progress(`failed: ${e instanceof Error ? e.message : String(e)}`);
    exitCode = 1;
  } finally {
    if (bc.reused) await cleanupBench(bc.c, ns);
    await bc.done();
  }
  process.exit(exitCode);
}

/**
 * The API server's write requests so far, by "VERB resource[/subresource]", summed over
 * groups and codes (apiserver_request_total, read with the admin kubeconfig). The metric
 * has no client label: deltas include every writer (the bench's own creates, the
 * EndpointSlice controller), which `ourWrite` below tells apart by resource.
 */
export async function apiWrites(c: ClusterInfo): Promise<Map<string, number>> {
  const { stdout } = await kubectl(c, ['get', '--raw', '/metrics'], { timeoutMs: 30_000 });
  const out = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const label = (k: string) => new RegExp(`[{,]${k}="([^"]*)"`).exec(line)?.[1] ?? '';
    const verb = label('verb');
    if (!['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY', 'DELETECOLLECTION'].includes(verb)) continue;
    const sub = label('subresource');
    const key = `${verb} ${label('resource')}${sub ? `/${sub}` : ''}`;
    out.set(key, (out.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

/** after − before, zero entries dropped, sorted by key. */
export function writesDelta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const d: Record<string, number> = {};
  for (const [k, v] of [...after].sort(([a], [b]) => a.localeCompare(b))) {
    const n = v - (before.get(k) ?? 0);
    if (n > 0) d[k] = n;
  }
  return d;
}

/** Writes the controller makes (the rest are the bench's creates and kube-controller-manager's). */
export const ourWrite = (key: string) => /^(PATCH services|PATCH services\/status|POST events|PATCH events|PUT leases|POST leases|PATCH ipaddresspools\/status|POST secrets)$/.test(key);
