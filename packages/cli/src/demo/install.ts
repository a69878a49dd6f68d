// Installs ironlb on the cluster-in-a-box from the repo's own files: the CRDs (crds/), the
// namespace and RBAC (deploy/), then the controller and one speaker per node as detached
// processes with their ServiceAccount tokens (there is no kubelet to run the Deployment and
// DaemonSet), speakers inside their node's network namespace. Each daemon is adopted by the
// cluster, so tearing the cluster down (or its watchdog) stops it too.
import { join } from 'node:path';
import { adoptProcess, repoRoot } from '../../../../test/cluster/cluster.js';
import { controllerLaunch, speakerLaunch } from '../../../../test/cluster/components.js';
import { freePort } from '../../../../test/cluster/control-plane.js';
import { isAlive, sleep, startDaemon, stopProcess, StopWaiting, waitFor } from '../../../../test/cluster/exec.js';
import { kubectl, waitCrdsEstablished } from '../../../../test/cluster/kubectl.js';
import type { ClusterInfo, NodeInfo } from '../../../../test/cluster/types.js';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Ui } from './ui.js';

export const NAMESPACE = 'metallb-system';

export const speakerLog = (c: ClusterInfo, node: string) => join(c.stateDir, 'logs', `speaker-${node}.log`);
export const controllerLog = (c: ClusterInfo) => join(c.stateDir, 'logs', 'controller.log');

const tail = (file: string, n = 15) => {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
};

/** Hands `pid` to the cluster so its removal stops it; if the cluster is gone already (Ctrl-C), stops it now. */
function adopt(c: ClusterInfo, name: string, pid: number): void {
  try {
    adoptProcess(c.id, name, pid);
  } catch (e) {
    void stopProcess(pid, 0);
    throw e;
  }
}

async function startController(c: ClusterInfo, ui: Ui): Promise<number> {
  const port = await freePort();
  const l = await controllerLaunch(c, { args: ['--metrics-addr', `127.0.0.1:${port}`, '--log-level', 'info'], identity: 'ironlb-controller-demo' });
  const pid = startDaemon(l.cmd, l.args, controllerLog(c), { env: l.env });
  adopt(c, 'controller', pid);
  await waitFor('the controller to be ready (/readyz)', async () => {
    if (!isAlive(pid)) throw new StopWaiting(`the controller exited:\n${tail(controllerLog(c))}`);
    const r = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
    return r?.status === 200 ? true : undefined;
  }, 60_000, 100);
  ui.say(`controller: pid ${pid}, ServiceAccount ${NAMESPACE}/ironlb-controller, ready (log ${controllerLog(c)})`);
  return pid;
}

/** Starts (or restarts) the speaker of `node` in its namespace; returns its pid. */
export async function startSpeakerDaemon(c: ClusterInfo, node: NodeInfo): Promise<number> {
  const l = await speakerLaunch(c, node, { logLevel: 'info' });
  const pid = startDaemon(l.cmd, l.args, speakerLog(c, node.name), { env: l.env });
  adopt(c, `speaker-${node.name}`, pid);
  return pid;
}

export async function installIronlb(c: ClusterInfo, ui: Ui): Promise<Map<string, number>> {
  const files = ['crds', 'deploy/00-namespace.yaml', 'deploy/10-controller-rbac.yaml', 'deploy/30-speaker-rbac.yaml'];
  await kubectl(c, ['apply', ...files.flatMap((f) => ['-f', join(repoRoot, f)])]);
  await waitCrdsEstablished(c);
  ui.say(`applied ${files.join(', ')}`);
  await startController(c, ui);
  const speakers = new Map<string, number>();
  for (const n of c.nodes) {
    const pid = await startSpeakerDaemon(c, n);
    speakers.set(n.name, pid);
    ui.say(`speaker on ${n.name}: pid ${pid} in netns ${n.netns} (${n.ip}), ServiceAccount ${NAMESPACE}/ironlb-speaker`);
  }
  // Every speaker has joined (its Lease exists); then a moment to hear each other's heartbeats.
  await waitFor('a Lease per speaker', async () => {
    for (const [name, pid] of speakers) if (!isAlive(pid)) throw new StopWaiting(`the speaker on ${name} exited:\n${tail(speakerLog(c, name))}`);
    const r = await kubectl(c, ['get', 'leases', '-n', NAMESPACE, '-l', 'app.kubernetes.io/component=speaker-lease', '-o', 'name']);
    return r.stdout.split('\n').filter(Boolean).length >= c.nodes.length ? true : undefined;
  }, 60_000, 200);
  await sleep(1_500);
  ui.say(`${speakers.size} speakers joined (a Lease each, heartbeats on UDP 7946)`);
  return speakers;
}

/**
 * A directory to put on PATH while exploring: the cluster's kubectl and the kubectl-ironlb
 * plugin (this checkout's dist/, run by this Node), so `kubectl ironlb` works whatever npm
 * linked into node_modules/.bin. Lives in the cluster's state dir: `--down` removes it.
 */
export function explorerBin(c: ClusterInfo): string {
  const dir = join(c.stateDir, 'bin');
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'kubectl'))) symlinkSync(c.kubectl, join(dir, 'kubectl'));
  const plugin = join(dir, 'kubectl-ironlb');
  writeFileSync(plugin, `#!/bin/sh\nexec '${process.execPath}' '${join(repoRoot, 'packages/cli/dist/main.js')}' "$@"\n`);
  chmodSync(plugin, 0o755);
  return dir;
}
