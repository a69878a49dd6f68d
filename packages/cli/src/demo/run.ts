// `npm run demo`: the steps in order, each a call into the modules beside this one. Owns
// the cluster it brings up: it is removed at the end, on failure, on Ctrl-C (teardown())
// and, should this process die, by the cluster's watchdog — unless --keep hands it over.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { down, listClusterIds, release, up } from '../../../../test/cluster/cluster.js';
import type { ClusterInfo } from '../../../../test/cluster/types.js';
import { setNodeLink } from '../../../../test/netlab/traffic.js';
import { announcementLines, clock, explainFailover } from './explain.js';
import { explorerBin, installIronlb, startSpeakerDaemon } from './install.js';
import { demoMarker, ensureDist, ensureKubernetes, gatherFacts } from './machine.js';
import { problems } from './prereq.js';
import { applyDemoObjects, crashOwner, readSpeakerLogs, SERVICE, SERVICE_KEY, waitAssigned, waitL2Status, waitOneAnnouncer, waitRejoined, waitSettledOwner } from './scenario.js';
import { describeFailover, summarizeFailover } from './summary.js';
import { renderTimeline } from './timeline.js';
import type { Ui } from './ui.js';

/** Steps shown: with --keep the last one (tearing down) is left out. */
export const steps = (keep: boolean) => (keep ? 8 : 9);

/** The machine-readable end of `--keep`: everything needed to reach what it left running. */
export interface KeptDemo {
  id: string;
  kubeconfig: string;
  kubectl: string;
  nodes: { name: string; netns: string; ip: string; ipv6: string }[];
  client: { netns: string; ip: string; ipv6: string };
  services: { namespace: string; name: string; ips: string[] }[];
}

export class DemoError extends Error {}

export class Demo {
  #cluster: ClusterInfo | undefined;
  /** The cluster coming up: a Ctrl-C then waits for it, to remove it (etcd and kube-apiserver included). */
  #up: Promise<ClusterInfo> | undefined;
  #kept = false;
  #teardown: Promise<void> | undefined;

  constructor(private readonly ui: Ui) {}

  /** Runs the demo; with `keep`, returns the JSON line to end on. */
  async run(keep: boolean): Promise<string | undefined> {
    const { ui } = this;
    const st = ui.style;
    ui.step('checking the machine');
    const found = problems(await gatherFacts(ui.progress('cluster')));
    if (found.length) throw new DemoError(`cannot run the demo:\n${found.map((p) => `  - ${p}`).join('\n')}`);
    ui.say('root, tools, node_modules and the speaker addon present; no other cluster running');

    ui.step('building what is missing');
    const binDir = await ensureKubernetes(ui);
    await ensureDist(ui);

    ui.step('bringing up the cluster-in-a-box (etcd, kube-apiserver, kube-controller-manager; 3 node namespaces and a client)');
    this.#up = up({ nodes: 3, ownerPid: process.pid, binDir, log: ui.progress('cluster') });
    const c = await this.#up.catch(async (e: unknown) => {
      // Another demo or a test run may have started its cluster since the check: say so.
      const found = problems(await gatherFacts(() => {}));
      throw found.length ? new DemoError(`cannot run the demo:\n${found.map((p) => `  - ${p}`).join('\n')}`) : e;
    });
    this.#cluster = c;
    ui.say(`cluster ${c.id}: API server ${c.server}; nodes ${c.nodes.map((n) => `${n.name} ${n.ip}`).join(', ')}; client ${c.client.ip} (netns ${c.client.netns})`);

    ui.step('installing ironlb from crds/ and deploy/');
    const speakers = await installIronlb(c, ui);

    ui.step('a LoadBalancer Service');
    await applyDemoObjects(c, ui);
    const assigned = await waitAssigned(c);
    ui.say(st.bold(`${SERVICE_KEY} got ${assigned.ip} from pool ${assigned.pool} in ${Math.round(assigned.ms)} ms`));

    ui.step(`which node announces ${assigned.ip}`);
    const status = await waitL2Status(c);
    ui.say(st.bold(`ServiceL2Status ${status.name}: ${status.node} announces ${assigned.ip} on ${status.interfaces.join(', ') || '?'}`));
    ui.say(`${status.node} first probes that no other host uses ${assigned.ip} (RFC 5227 ARP probes, a few seconds; only a first claim probes, a failover does not), then answers ARP for it`);
    const t = performance.now();
    const seen = await waitOneAnnouncer(c, assigned.ip);
    ui.say(`from the client: only ${seen} answers ARP for ${assigned.ip}, and a connect to it is served by ${seen} (checked in ${((performance.now() - t) / 1000).toFixed(1)} s)`);
    if (seen !== status.node) throw new DemoError(`ServiceL2Status names ${status.node} but the client sees ${seen} answering`);
    ui.say(`${seen}'s log:`);
    for (const l of announcementLines(readSpeakerLogs(c).find((x) => x.node === seen)!, SERVICE_KEY, assigned.ip)) ui.say(`  ${l}`);

    ui.step(`crashing ${seen} while the client connects`);
    const owner = c.nodes.find((n) => n.name === seen)!;
    ui.say(`client (netns ${c.client.netns}): one TCP connect to ${assigned.ip}:80 every 10 ms; each reply names the node that served it`);
    ui.say(`after 1.5 s: SIGKILL ${seen}'s speaker (pid ${speakers.get(seen)}) and cut ${seen}'s link at the same instant`);
    const crash = await crashOwner(c, assigned.ip, owner, speakers.get(seen)!, { beforeMs: 1_500, durationMs: 4_500 });
    ui.say();
    for (const l of renderTimeline(crash.samples, { crashNs: crash.crashNs, nodes: c.nodes.map((n) => n.name), style: st })) ui.say(l);
    ui.say();
    const sum = summarizeFailover(crash.samples, crash.crashNs);
    for (const l of describeFailover(sum)) ui.say(sum.failedOver && l.startsWith('failover') ? st.bold(l) : l);
    if (!sum.failedOver) throw new DemoError(`no failover: after the crash of ${seen} the client was served by ${sum.newOwner ?? 'nobody'} (speaker logs in ${join(c.stateDir, 'logs')})`);
    ui.say(`old owner ${sum.oldOwner}, new owner ${sum.newOwner}`);
    const after = await waitL2Status(c, seen, 15_000).catch(() => undefined);
    if (after) ui.say(`ServiceL2Status ${after.name} now: ${after.node} on ${after.interfaces.join(', ')}`);
    const survivors = c.nodes.filter((n) => n.name !== seen);
    const why = explainFailover(readSpeakerLogs(c, survivors), { service: SERVICE_KEY, vip: assigned.ip, oldOwner: seen, newOwner: sum.newOwner!, crashMs: crash.crashMs - 50 });
    ui.say(`why, from the survivors' logs (UTC; the crash was at ${clock(crash.crashMs)}):`);
    for (const l of why.length ? why : ['(no speaker log line mentions it)']) ui.say(`  ${l}`);

    if (keep) {
      const restartMs = Date.now();
      await setNodeLink(c, owner, true);
      await startSpeakerDaemon(c, owner);
      // The restarted speaker rejoins and the election may hand the IP back to it (after
      // its ARP probes): report the owner once the peers see it and the answer is stable.
      await waitRejoined(c, seen, survivors, restartMs);
      const back = await waitSettledOwner(c, assigned.ip);
      ui.say(`${seen} is back (link up, speaker restarted, rejoined); ${back} announces ${assigned.ip} now${back === seen ? ' (first in the election order again)' : ''}`);
    }
    this.explore(c, keep, assigned.ip);
    if (keep) {
      await release(c.id);
      this.#kept = true;
      const kept: KeptDemo = {
        id: c.id,
        kubeconfig: c.kubeconfig,
        kubectl: c.kubectl,
        nodes: c.nodes.map((n) => ({ name: n.name, netns: n.netns, ip: n.ip, ipv6: n.ipv6 })),
        client: { netns: c.client.netns, ip: c.client.ip, ipv6: c.client.ipv6 },
        services: [{ namespace: SERVICE.namespace, name: SERVICE.name, ips: [assigned.ip] }],
      };
      writeFileSync(demoMarker(c.id), JSON.stringify(kept, null, 2));
      return JSON.stringify(kept);
    }
    return undefined;
  }

  explore(c: ClusterInfo, keep: boolean, vip: string): void {
    const { ui } = this;
    ui.step(keep ? 'explore (everything keeps running)' : 'explore');
    if (!keep) ui.say("this run removes everything now; npm run demo -- --keep leaves it up and prints these for its own cluster (its paths differ from this run's):");
    ui.say(`export KUBECONFIG=${c.kubeconfig}`);
    ui.say(`export PATH=${explorerBin(c)}:$PATH   # kubectl and the kubectl-ironlb plugin`);
    ui.say('kubectl get ipaddresspools,servicel2statuses -A');
    ui.say(`kubectl get service ${SERVICE.name} -n ${SERVICE.namespace}`);
    ui.say('kubectl ironlb status');
    ui.say(`ip netns exec ${c.client.netns} curl -s http://${vip}/   # which node serves ${SERVICE_KEY}`);
    ui.say(`logs: ${join(c.stateDir, 'logs')} (controller.log, speaker-node-N.log)`);
    if (keep) ui.say('remove it all: npm run demo -- --down');
  }

  /** Removes the cluster unless --keep handed it over; safe to call twice (Ctrl-C during a failure). */
  teardown(): Promise<void> {
    this.#teardown ??= (async () => {
      // up() removes what it made when it fails, and otherwise returns the cluster to remove.
      const c = this.#cluster ?? (await this.#up?.catch(() => undefined));
      if (!c || this.#kept) return;
      this.ui.say(this.ui.style.dim(`removing cluster ${c.id} (processes, namespaces, links, state)`), true);
      await down(c.id, this.ui.progress('cluster', true));
    })();
    return this.#teardown;
  }
}

/** `--down`: removes every cluster a `--keep` run left. Returns how many. */
export async function downDemo(ui: Ui): Promise<number> {
  const ids = listClusterIds().filter((id) => existsSync(demoMarker(id)));
  for (const id of ids) await down(id, ui.progress('cluster'));
  return ids.length;
}
