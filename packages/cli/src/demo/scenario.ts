// The demo's story on a running cluster with ironlb installed: the example pool and
// L2Advertisement, a LoadBalancer Service whose endpoints are the per-node HTTP responders,
// the IP it gets, the node that announces it, then the owner's crash seen by the client.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../../../test/cluster/cluster.js';
import { sleep, waitFor } from '../../../../test/cluster/exec.js';
import { applyYaml, getJson, kubectl } from '../../../../test/cluster/kubectl.js';
import type { ClusterInfo, NodeInfo } from '../../../../test/cluster/types.js';
import { createRunningPod } from '../../../../test/cluster/workloads.js';
import { addVips } from '../../../../test/netlab/netlab.js';
import { monoNs, setNodeLink, startConnectLoop, waitSingleOwner, type ConnectSample } from '../../../../test/netlab/traffic.js';
import { parseLogLines, timeOf, type NodeLog } from './explain.js';
import { NAMESPACE, speakerLog } from './install.js';
import type { Ui } from './ui.js';

export const SERVICE = { namespace: 'demo', name: 'hello' } as const;
export const SERVICE_KEY = `${SERVICE.namespace}/${SERVICE.name}`;
const EXAMPLES = ['examples/02-ipaddresspool.yaml', 'examples/03-l2advertisement.yaml'];

/** The example pool and advertisement, and Service demo/hello with one ready Pod per node. */
export async function applyDemoObjects(c: ClusterInfo, ui: Ui): Promise<void> {
  await kubectl(c, ['apply', ...EXAMPLES.flatMap((f) => ['-f', join(repoRoot, f)])]);
  ui.say(`applied ${EXAMPLES.join(', ')} (IPAddressPool default-pool: 198.51.100.200-198.51.100.229; L2Advertisement default)`);
  await kubectl(c, ['create', 'namespace', SERVICE.namespace]);
  // No kubelet: each Pod is bound to its node and marked Ready with the node's IP, where the
  // node's HTTP responder answers on :80 with the node's name (a hostNetwork Pod, in effect).
  for (const n of c.nodes) {
    await createRunningPod(c, { namespace: SERVICE.namespace, name: `${SERVICE.name}-${n.name}`, nodeName: n.name, podIP: n.ip, labels: { app: SERVICE.name } });
  }
  await applyYaml(c, `apiVersion: v1
kind: Service
metadata: { name: ${SERVICE.name}, namespace: ${SERVICE.namespace} }
spec:
  type: LoadBalancer
  selector: { app: ${SERVICE.name} }
  ports: [{ name: http, port: 80, targetPort: 80 }]
`);
  ui.say(`created Service ${SERVICE_KEY} (type LoadBalancer, port 80) with ${c.nodes.length} ready Pods, one per node`);
}

interface SvcJson {
  metadata: { annotations?: Record<string, string> };
  status?: { loadBalancer?: { ingress?: { ip?: string }[] } };
}

/** Waits for the Service's ingress IP; returns it, its pool and how long it took. */
export async function waitAssigned(c: ClusterInfo): Promise<{ ip: string; pool: string; ms: number }> {
  const t = performance.now();
  return waitFor(`an IP for Service ${SERVICE_KEY}`, async () => {
    const s = await getJson<SvcJson>(c, ['service', SERVICE.name, '-n', SERVICE.namespace]);
    const ip = s.status?.loadBalancer?.ingress?.[0]?.ip;
    return ip ? { ip, pool: s.metadata.annotations?.['metallb.io/ip-allocated-from-pool'] ?? '?', ms: performance.now() - t } : undefined;
  }, 30_000, 100);
}

interface L2StatusList {
  items: { metadata: { name: string }; status?: { node?: string; interfaces?: { name: string }[] } }[];
}

/** The ServiceL2Status of the demo Service once it names a node (other than `not`). */
export async function waitL2Status(c: ClusterInfo, not?: string, timeoutMs = 30_000): Promise<{ name: string; node: string; interfaces: string[] }> {
  return waitFor(`ServiceL2Status of ${SERVICE_KEY}${not ? ` naming a node other than ${not}` : ''}`, async () => {
    const l = await getJson<L2StatusList>(c, ['servicel2statuses', '-n', NAMESPACE, '-l', `metallb.io/service-name=${SERVICE.name},metallb.io/service-namespace=${SERVICE.namespace}`]);
    const s = l.items.find((i) => i.status?.node && i.status.node !== not);
    return s ? { name: s.metadata.name, node: s.status!.node!, interfaces: (s.status!.interfaces ?? []).map((i) => i.name) } : undefined;
  }, timeoutMs, 200);
}

/** Puts the IP on every node's lo (what kube-proxy IPVS does) and waits until exactly one node answers for it. */
export async function waitOneAnnouncer(c: ClusterInfo, vip: string): Promise<string> {
  await Promise.all(c.nodes.map((n) => addVips(n.netns, [vip])));
  return waitSingleOwner(c, vip, 30_000);
}

export function readSpeakerLogs(c: ClusterInfo, nodes: readonly NodeInfo[] = c.nodes): NodeLog[] {
  return nodes.map((n) => {
    let text = '';
    try {
      text = readFileSync(speakerLog(c, n.name), 'utf8');
    } catch {
      /* no log yet */
    }
    return { node: n.name, lines: parseLogLines(text) };
  });
}

export interface CrashRun {
  readonly samples: ConnectSample[];
  /** The crash instant on the connect loop's clock (CLOCK_MONOTONIC ns) and on the wall clock (ms). */
  readonly crashNs: bigint;
  readonly crashMs: number;
}

/**
 * Runs the client's connect loop (one TCP connect every 10 ms) for `durationMs`, and after
 * `beforeMs` crashes `owner` as bench:failover's crash mode does: its speaker SIGKILLed
 * and its link cut at the same instant.
 */
export async function crashOwner(c: ClusterInfo, vip: string, owner: NodeInfo, speakerPid: number, o: { beforeMs: number; durationMs: number }): Promise<CrashRun> {
  const loop = startConnectLoop(c, vip, o.durationMs);
  await sleep(o.beforeMs);
  const crashNs = monoNs();
  const crashMs = Date.now();
  await Promise.all([
    Promise.resolve().then(() => {
      try {
        process.kill(speakerPid, 'SIGKILL');
      } catch {
        /* already gone: the link cut still crashes the node */
      }
    }),
    setNodeLink(c, owner, false),
  ]);
  return { samples: await loop.done, crashNs, crashMs };
}

/** Waits until every survivor has heard `node` alive again since `sinceMs` (its speaker restarted and rejoined). */
export async function waitRejoined(c: ClusterInfo, node: string, survivors: readonly NodeInfo[], sinceMs: number): Promise<void> {
  await waitFor(`${survivors.map((n) => n.name).join(', ')} to hear ${node} alive again`, async () => {
    const logs = readSpeakerLogs(c, survivors);
    return logs.every((l) => l.lines.some((x) => x.event === 'peerAlive' && x.peer === node && timeOf(x) >= sinceMs)) ? true : undefined;
  }, 30_000, 200);
}

/** The node announcing `vip` once ServiceL2Status and the client agree on it twice in a row. */
export async function waitSettledOwner(c: ClusterInfo, vip: string): Promise<string> {
  let last: string | undefined;
  return waitFor(`one settled owner of ${vip}`, async () => {
    const status = await waitL2Status(c, undefined, 5_000).catch(() => undefined);
    const seen = status && (await waitSingleOwner(c, vip, 3_000, (n) => n === status.node).catch(() => undefined));
    const agreed = seen !== undefined && seen === last ? seen : undefined;
    last = seen;
    return agreed;
  }, 60_000, 1_000);
}
