// The cluster-in-a-box: a netlab (bridge + node and client namespaces) plus a real
// control plane, described by a state file so `up` is idempotent and `down` (or a
// watchdog, or the next `up`) can always remove every trace of it.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, isAlive, sleep, startDaemon, stopProcess, waitFor } from './exec.js';
import { ensurePki, pkiPaths } from './certs.js';
import { controlPlaneAlive, freePort, serverUrl, startControlPlane, type ControlPlaneState } from './control-plane.js';
import { writeKubeconfig } from './kubeconfig.js';
import { createNodes, setKubeProxyConfig } from './bootstrap.js';
import { kubectl } from './kubectl.js';
import { createNetlab, destroyNetlab, listLeftovers } from '../netlab/netlab.js';
import { BRIDGE_IP, BRIDGE_IP6, SUBNET4, SUBNET6, makePlan, newId, type NetlabPlan } from '../netlab/plan.js';
import type { ClusterInfo } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../..');

export function clustersDir(): string {
  return process.env.IRONLB_CLUSTERS_DIR ?? '/tmp/ironlb-clusters';
}

interface State {
  id: string;
  plan: NetlabPlan;
  binDir: string;
  controlPlane?: ControlPlaneState;
  responderPids: Record<string, number>;
  /** Daemons started on top of the cluster (the demo's controller and speakers): `down` stops them too. */
  componentPids?: Record<string, number>;
  /** When set, the cluster belongs to that process and is removed once it dies. */
  ownerPid?: number;
  watchdogPid?: number;
  createdAt: string;
}

const stateFile = (id: string) => join(clustersDir(), id, 'state.json');

function readState(id: string): State | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(id), 'utf8')) as State;
  } catch {
    return undefined;
  }
}

function writeState(st: State): void {
  mkdirSync(join(clustersDir(), st.id), { recursive: true });
  writeFileSync(stateFile(st.id), JSON.stringify(st, null, 2));
}

export function listClusterIds(): string[] {
  if (!existsSync(clustersDir())) return [];
  return readdirSync(clustersDir(), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
}

function infoOf(st: State): ClusterInfo {
  const dir = join(clustersDir(), st.id);
  return {
    id: st.id,
    kubeconfig: join(dir, 'admin.kubeconfig'),
    server: serverUrl(BRIDGE_IP, st.controlPlane?.apiserverPort ?? 0),
    binDir: st.binDir,
    kubectl: join(st.binDir, 'kubectl'),
    stateDir: dir,
    nodes: st.plan.nodes.map((n) => ({ name: n.name, netns: n.netns, ip: n.ip, ipv6: n.ipv6, mac: n.mac, iface: 'eth0' })),
    client: { netns: st.plan.client.netns, ip: st.plan.client.ip, ipv6: st.plan.client.ipv6, mac: st.plan.client.mac, iface: 'eth0' },
    bridge: { name: st.plan.bridge, ip: BRIDGE_IP, ipv6: BRIDGE_IP6, subnet: SUBNET4, subnet6: SUBNET6 },
  };
}

export async function buildBinaries(log: (m: string) => void): Promise<string> {
  log('ensuring Kubernetes binaries (first build takes several minutes; progress follows)');
  const { stdout } = await new Promise<{ stdout: string }>((res, rej) => {
    // Build progress (stderr) goes line by line to `log`, so it reads like the caller's other progress.
    Promise.all([import('node:child_process'), import('node:readline')]).then(([{ spawn }, { createInterface }]) => {
      const c = spawn('bash', [join(repoRoot, 'test/cluster/build-k8s.sh')], { stdio: ['ignore', 'pipe', 'pipe'] });
      createInterface({ input: c.stderr }).on('line', (l) => log(l));
      let out = '';
      c.stdout.on('data', (d) => (out += d));
      c.on('close', (code) => (code === 0 ? res({ stdout: out }) : rej(new Error(`build-k8s.sh failed with exit ${code}`))));
    }, rej);
  });
  const bin = stdout.trim().split('\n').pop();
  if (!bin || !existsSync(join(bin, 'kube-apiserver'))) throw new Error(`build-k8s.sh did not report a bin dir: ${stdout}`);
  return bin;
}

async function netlabPresent(plan: NetlabPlan): Promise<boolean> {
  const r = await run('ip', ['link', 'show', plan.bridge], { allowFail: true });
  return r.code === 0 && plan.nodes.every((n) => existsSync(`/run/netns/${n.netns}`)) && existsSync(`/run/netns/${plan.client.netns}`);
}

async function startResponders(st: State): Promise<void> {
  const script = join(repoRoot, 'test/netlab/http-responder.mjs');
  const logs = join(clustersDir(), st.id, 'logs');
  mkdirSync(logs, { recursive: true });
  for (const n of st.plan.nodes) {
    if (isAlive(st.responderPids[n.name])) continue;
    st.responderPids[n.name] = startDaemon('ip', ['netns', 'exec', n.netns, process.execPath, script, n.name, '80'], join(logs, `http-${n.name}.log`));
  }
}

export interface UpOptions {
  id?: string;
  nodes?: number;
  ownerPid?: number;
  log?: (m: string) => void;
  /** Kubernetes binaries already built (buildBinaries' result): skips asking the build again. */
  binDir?: string;
}

/** Removes clusters whose owning process died, and netlab leftovers with no state at all. */
export async function reapStale(log: (m: string) => void): Promise<void> {
  for (const id of listClusterIds()) {
    const st = readState(id);
    if (!st || (st.ownerPid && !isAlive(st.ownerPid))) {
      log(`removing stale cluster ${id}`);
      await down(id, log);
    }
  }
  const known = new Set(listClusterIds());
  const left = await listLeftovers();
  const orphanIds = new Set([...left.netns, ...left.links].map((n) => n.slice(3, 8)).filter((id) => !known.has(id)));
  for (const id of orphanIds) {
    log(`removing orphaned netlab ${id}`);
    await destroyNetlab(makePlan(id, 89));
  }
}

/**
 * Runs `fn` holding the machine-wide lock on creating clusters (a file made with O_EXCL in
 * clustersDir(), holding the holder's pid; a dead holder's lock is taken over). Two `up`s
 * started at once (two `npm run demo`s) otherwise both find the machine free and both
 * create a cluster on the one subnet. Waits up to `timeoutMs` for the lock.
 */
export async function withCreateLock<T>(fn: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  mkdirSync(clustersDir(), { recursive: true });
  const lock = join(clustersDir(), '.create.lock');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = 0;
    try {
      holder = Number(readFileSync(lock, 'utf8'));
    } catch {
      continue; // released meanwhile
    }
    // An empty file is a holder between create and write: alive.
    if (holder > 0 && !isAlive(holder)) {
      rmSync(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another cluster is being created (process ${holder} holds ${lock})`);
    await sleep(100);
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

export async function up(opts: UpOptions = {}): Promise<ClusterInfo> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`cluster: ${m}\n`));
  if (process.getuid?.() !== 0) throw new Error('the cluster-in-a-box needs root (network namespaces, veth, sysctls)');
  const started = Date.now();
  // Checking that no other cluster exists and recording this one is one step for the machine.
  const st = await withCreateLock(() => claim(opts, log));
  return start(st, log, started);
}

async function claim(opts: UpOptions, log: (m: string) => void): Promise<State> {
  await reapStale(log);
  const id = opts.id ?? newId();
  const nodeCount = opts.nodes ?? 3;

  // The netlab subnet is machine-wide: a second live cluster would fight over routes.
  for (const other of listClusterIds()) {
    if (other !== id) {
      throw new Error(`another ironlb cluster (${other}) is running and owns ${SUBNET4}; stop it first (npm run cluster:down -- --id ${other})`);
    }
  }

  let st = readState(id);
  if (st && st.plan.nodes.length !== nodeCount) {
    throw new Error(`cluster ${id} exists with ${st.plan.nodes.length} nodes; run cluster:down first to change --nodes`);
  }
  const known = [st?.binDir, opts.binDir].find((d) => d && existsSync(join(d, 'kube-apiserver')));
  const binDir = known ?? (await buildBinaries(log));
  st ??= { id, plan: makePlan(id, nodeCount), binDir, responderPids: {}, ownerPid: opts.ownerPid, createdAt: new Date().toISOString() };
  st.binDir = binDir;
  writeState(st);
  return st;
}

async function start(st: State, log: (m: string) => void, started: number): Promise<ClusterInfo> {
  const { id, binDir } = st;
  const nodeCount = st.plan.nodes.length;
  const dir = join(clustersDir(), id);

  try {
    if (!(await netlabPresent(st.plan))) {
      log(`creating netlab ${id}: bridge ${st.plan.bridge}, ${nodeCount} node namespaces, 1 client`);
      await destroyNetlab(st.plan);
      await createNetlab(st.plan);
    }
    const pki = await ensurePki(join(dir, 'pki'), [BRIDGE_IP, '127.0.0.1', '10.96.0.1']);
    const ports = st.controlPlane ?? { etcdPort: await freePort(), etcdPeerPort: await freePort(), apiserverPort: await freePort() };
    const server = serverUrl(BRIDGE_IP, ports.apiserverPort);
    const kubeconfig = writeKubeconfig(join(dir, 'admin.kubeconfig'), server, pki.caCert, 'ironlb-admin', { clientCert: pki.adminCert, clientKey: pki.adminKey });
    if (!controlPlaneAlive(st.controlPlane)) {
      st.controlPlane = await startControlPlane({ binDir, stateDir: dir, pki, adminKubeconfig: kubeconfig, bindAddress: BRIDGE_IP, ports, log }, st.controlPlane);
      writeState(st);
    }
    const t = { kubectl: join(binDir, 'kubectl'), kubeconfig };
    await createNodes(t, st.plan.nodes);
    const hasProxyCm = await kubectl(t, ['get', 'configmap', 'kube-proxy', '-n', 'kube-system'], { allowFail: true });
    if (hasProxyCm.code !== 0) await setKubeProxyConfig(t, 'ipvs', true);
    await startResponders(st);
    writeState(st);
    if (st.ownerPid && !isAlive(st.watchdogPid)) {
      st.watchdogPid = startWatchdog(id, st.ownerPid);
      writeState(st);
    }
    // kube-controller-manager is up once its serviceaccount controller made `default`.
    await waitFor('kube-controller-manager (default ServiceAccount)', async () => {
      if (!isAlive(st?.controlPlane?.kcmPid)) throw new Error(`kube-controller-manager exited; see ${join(dir, 'logs/kube-controller-manager.log')}`);
      const r = await kubectl(t, ['get', 'serviceaccount', 'default', '-n', 'default'], { allowFail: true });
      return r.code === 0 ? true : undefined;
    }, 60_000, 200);
    log(`cluster ${id} ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return infoOf(st);
  } catch (e) {
    // A half-made cluster is worse than none: leave nothing behind.
    log(`cluster ${id} failed to start, removing it: ${String(e)}`);
    await down(id, log);
    throw e;
  }
}

/** A detached shell that removes the cluster as soon as its owner dies, even by SIGKILL. */
function startWatchdog(id: string, ownerPid: number): number {
  const tsx = join(repoRoot, 'node_modules/.bin/tsx');
  const cli = join(repoRoot, 'test/cluster/cli.ts');
  const script = `while kill -0 ${ownerPid} 2>/dev/null; do sleep 1; done; exec "${tsx}" --conditions=ironlb-source "${cli}" down --id ${id} --from-watchdog`;
  return startDaemon('bash', ['-c', script], join(clustersDir(), id, 'logs', 'watchdog.log'));
}

/**
 * Records a daemon that runs on top of cluster `id` (detached, e.g. from `startDaemon`) so
 * `down` — by hand, from the watchdog or a later `up` reaping — stops it with the cluster.
 */
export function adoptProcess(id: string, name: string, pid: number): void {
  const st = readState(id);
  if (!st) throw new Error(`no cluster ${id} to attach ${name} to`);
  st.componentPids = { ...st.componentPids, [name]: pid };
  writeState(st);
}

/** Hands an owned cluster over to nobody: it outlives its owner until `down`. */
export async function release(id: string): Promise<void> {
  const st = readState(id);
  if (!st) throw new Error(`no cluster ${id} to release`);
  const watchdog = st.watchdogPid;
  delete st.ownerPid;
  delete st.watchdogPid;
  writeState(st);
  await stopProcess(watchdog, 500);
}

export async function down(id: string, log: (m: string) => void = () => {}, fromWatchdog = false): Promise<void> {
  const st = readState(id);
  if (st) {
    await Promise.all(Object.values(st.componentPids ?? {}).map((pid) => stopProcess(pid, 2_000)));
    for (const pid of Object.values(st.responderPids)) await stopProcess(pid, 1_000);
    await stopProcess(st.controlPlane?.kcmPid);
    await stopProcess(st.controlPlane?.apiserverPid);
    await stopProcess(st.controlPlane?.etcdPid);
    await destroyNetlab(st.plan);
    if (!fromWatchdog) await stopProcess(st.watchdogPid, 500);
  } else {
    await destroyNetlab(makePlan(id, 89));
  }
  rmSync(join(clustersDir(), id), { recursive: true, force: true });
  log(`cluster ${id} removed`);
}

export function info(id: string): ClusterInfo | undefined {
  const st = readState(id);
  return st ? infoOf(st) : undefined;
}

export { pkiPaths };
