// What the client sees of a LoadBalancer IP on the netlab: who answers ARP/NDP for it,
// where the client's neighbor entry points, which node serves a connect, and the connect
// loop (one short TCP connect every 10 ms) that measures an outage. Shared by the e2e
// suites, bench:failover and `npm run demo`.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '../cluster/cluster.js';
import { run, runIn, waitFor } from '../cluster/exec.js';
import type { ClusterInfo, NodeInfo } from '../cluster/types.js';
import type { ConnectSample } from './outage.js';

export { outageAfter, type ConnectSample, type Outage } from './outage.js';

/** Which MACs answer an ARP request for `vip` from the client (arping, 2 probes). */
export async function arpAnswerers(c: ClusterInfo, vip: string, count = 2): Promise<string[]> {
  const r = await runIn(c.client.netns, 'arping', ['-c', String(count), '-w', String(count + 1), '-I', c.client.iface, vip], { allowFail: true });
  const macs = [...r.stdout.matchAll(/\[([0-9a-fA-F:]{17})\]/g)].map((m) => m[1]!.toLowerCase());
  return [...new Set(macs)].sort();
}

/** Which MACs answer a neighbor solicitation for `vip` from the client (ndisc6). */
export async function ndpAnswerers(c: ClusterInfo, vip: string): Promise<string[]> {
  const r = await runIn(c.client.netns, 'ndisc6', ['-m', '-n', '-r', '2', '-w', '700', vip, c.client.iface], { allowFail: true });
  const macs = [...r.stdout.matchAll(/([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})/g)].map((m) => m[1]!.toLowerCase());
  return [...new Set(macs)].sort();
}

/** The MAC the client's neighbor table holds for `vip`, if any. */
export async function clientNeighbor(c: ClusterInfo, vip: string): Promise<string | undefined> {
  const r = await runIn(c.client.netns, 'ip', ['neigh', 'show', 'to', vip, 'dev', c.client.iface], { allowFail: true });
  return /lladdr ([0-9a-f:]{17})/.exec(r.stdout)?.[1];
}

export const nodeOfMac = (c: ClusterInfo, mac: string | undefined): string | undefined => c.nodes.find((n) => n.mac.toLowerCase() === mac?.toLowerCase())?.name;

/** One HTTP GET through the VIP from the client: the serving node's name, or undefined. */
export async function servedBy(c: ClusterInfo, vip: string): Promise<string | undefined> {
  const url = vip.includes(':') ? `http://[${vip}]/` : `http://${vip}/`;
  const r = await runIn(c.client.netns, 'curl', ['-s', '-m', '2', url], { allowFail: true });
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/**
 * Waits until exactly one node answers ARP (or NDP) for the VIP, the client's cache points
 * at it, and a connect is served by it: the invariant every e2e step ends on. Returns the node.
 */
export async function waitSingleOwner(c: ClusterInfo, vip: string, timeoutMs = 20_000, expect?: (node: string) => boolean): Promise<string> {
  return waitFor(`exactly one node answering for ${vip}`, async () => {
    const macs = vip.includes(':') ? await ndpAnswerers(c, vip) : await arpAnswerers(c, vip);
    if (macs.length !== 1) return undefined;
    const node = nodeOfMac(c, macs[0]);
    if (!node || (expect && !expect(node))) return undefined;
    const served = await servedBy(c, vip);
    if (served !== node) return undefined;
    const neigh = await clientNeighbor(c, vip);
    if (nodeOfMac(c, neigh) !== node) return undefined;
    return node;
  }, timeoutMs, 300);
}

export interface ConnectLoop {
  readonly done: Promise<ConnectSample[]>;
  stop(): void;
}

/** Starts the client's connect loop (one short TCP connect every `everyMs`) to vip:80. */
export function startConnectLoop(c: ClusterInfo, vip: string, durationMs: number, everyMs = 10): ConnectLoop {
  const script = join(repoRoot, 'test/netlab/connect-loop.mjs');
  const child = spawn('ip', ['netns', 'exec', c.client.netns, process.execPath, script, vip, '80', String(durationMs), String(everyMs), '200'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const samples: ConnectSample[] = [];
  const rl = createInterface({ input: child.stdout! });
  rl.on('line', (l) => {
    try {
      const o = JSON.parse(l) as { t?: string; ok?: boolean; node?: string | null; ms?: number };
      if (o.t) samples.push({ t: BigInt(o.t), ok: !!o.ok, node: o.node ?? null, ms: o.ms ?? 0 });
    } catch {
      /* not ours */
    }
  });
  const done = new Promise<ConnectSample[]>((resolve) => child.on('exit', () => resolve(samples.sort((a, b) => (a.t < b.t ? -1 : 1)))));
  return { done, stop: () => child.kill('SIGTERM') };
}

/** The monotonic clock the connect loop stamps with (CLOCK_MONOTONIC, ns). */
export const monoNs = (): bigint => process.hrtime.bigint();

/** Cuts a node's link (its veth end in the root namespace) or brings it back. */
export async function setNodeLink(c: ClusterInfo, node: NodeInfo, up: boolean): Promise<void> {
  const hostVeth = `ilb${c.id}n${c.nodes.indexOf(node) + 1}`;
  await run('ip', ['link', 'set', hostVeth, up ? 'up' : 'down']);
}

