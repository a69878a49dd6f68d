// Builds and removes the layer-2 lab: one bridge in the root namespace, one network
// namespace per node and one for the client, each attached by a veth pair.
import { existsSync } from 'node:fs';
import { run, runIn, sleep } from '../cluster/exec.js';
import { BRIDGE_IP, BRIDGE_IP6, type NetlabPlan } from './plan.js';

const ip = (...args: string[]) => run('ip', args);

/** Sysctls for a host namespace. New namespaces copy IPv4 conf/all and conf/default from
 * the root namespace, so every value we rely on is set explicitly. */
async function configureHost(netns: string, iface: string): Promise<void> {
  const sets = [
    'net.ipv4.ip_forward=0',
    'net.ipv4.conf.all.rp_filter=0',
    'net.ipv4.conf.default.rp_filter=0',
    `net.ipv4.conf.${iface}.rp_filter=0`,
    'net.ipv4.conf.all.arp_accept=0',
    `net.ipv4.conf.${iface}.arp_accept=0`,
    'net.ipv6.conf.all.accept_ra=0',
    `net.ipv6.conf.${iface}.accept_ra=0`,
    'net.ipv6.conf.all.accept_dad=0',
    `net.ipv6.conf.${iface}.accept_dad=0`,
    'net.ipv6.conf.all.forwarding=0',
  ];
  await runIn(netns, 'sysctl', ['-q', '-w', ...sets]);
}

async function addHost(plan: NetlabPlan, netns: string, hostVeth: string, mac: string, addr4: string, addr6: string) {
  await ip('netns', 'add', netns);
  await ip('link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
  await ip('link', 'set', hostVeth, 'master', plan.bridge);
  await ip('link', 'set', hostVeth, 'up');
  await runIn(netns, 'ip', ['link', 'set', 'lo', 'up']);
  await runIn(netns, 'ip', ['link', 'set', 'eth0', 'address', mac]);
  await configureHost(netns, 'eth0');
  await runIn(netns, 'ip', ['addr', 'add', `${addr4}/24`, 'dev', 'eth0']);
  await runIn(netns, 'ip', ['-6', 'addr', 'add', `${addr6}/64`, 'dev', 'eth0', 'nodad']);
  await runIn(netns, 'ip', ['link', 'set', 'eth0', 'up']);
}

export async function createNetlab(plan: NetlabPlan): Promise<void> {
  await ip('link', 'add', plan.bridge, 'type', 'bridge', 'mcast_snooping', '0', 'stp_state', '0');
  // The bridge address is how node namespaces reach the API server in the root namespace.
  await ip('addr', 'add', `${BRIDGE_IP}/24`, 'dev', plan.bridge);
  await ip('-6', 'addr', 'add', `${BRIDGE_IP6}/64`, 'dev', plan.bridge, 'nodad');
  await ip('link', 'set', plan.bridge, 'up');
  for (const n of plan.nodes) await addHost(plan, n.netns, n.hostVeth, n.mac, n.ip, n.ipv6);
  await addHost(plan, plan.client.netns, plan.client.hostVeth, plan.client.mac, plan.client.ip, plan.client.ipv6);
  // Nodes start with kube-proxy's strictARP behaviour on, as a correctly set up cluster has.
  for (const n of plan.nodes) await setStrictArp(n.netns, true);
}

/** What kube-proxy does with ipvs.strictARP: true (and what it leaves when false). */
export async function setStrictArp(netns: string, on: boolean): Promise<void> {
  const ignore = on ? 1 : 0;
  const announce = on ? 2 : 0;
  await runIn(netns, 'sysctl', ['-q', '-w',
    `net.ipv4.conf.all.arp_ignore=${ignore}`, `net.ipv4.conf.all.arp_announce=${announce}`,
    `net.ipv4.conf.eth0.arp_ignore=${ignore}`, `net.ipv4.conf.eth0.arp_announce=${announce}`,
  ]);
}

/** Puts LoadBalancer IPs on the node's `lo`, as kube-proxy IPVS does on kube-ipvs0. */
export async function addVips(netns: string, vips: string[]): Promise<void> {
  for (const v of vips) {
    const prefix = v.includes(':') ? 128 : 32;
    const extra = v.includes(':') ? ['nodad'] : [];
    const r = await runIn(netns, 'ip', ['addr', 'add', `${v}/${prefix}`, 'dev', 'lo', ...extra], { allowFail: true });
    if (r.code !== 0 && !/exists/i.test(r.stderr)) throw new Error(`adding ${v} to lo in ${netns}: ${r.stderr}`);
  }
}

export async function removeVips(netns: string, vips: string[]): Promise<void> {
  for (const v of vips) {
    const prefix = v.includes(':') ? 128 : 32;
    await runIn(netns, 'ip', ['addr', 'del', `${v}/${prefix}`, 'dev', 'lo'], { allowFail: true });
  }
}

/** Kills everything still running inside a namespace, then deletes it. */
export async function deleteNetns(netns: string): Promise<void> {
  if (!existsSync(`/run/netns/${netns}`)) return;
  for (let attempt = 0; attempt < 20; attempt++) {
    const { stdout } = await run('ip', ['netns', 'pids', netns], { allowFail: true });
    const pids = stdout.split(/\s+/).filter(Boolean).map(Number);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, attempt < 5 ? 'SIGTERM' : 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await sleep(100);
  }
  await run('ip', ['netns', 'del', netns], { allowFail: true });
}

/** Removes every namespace and link of the plan; safe to call on a partial or absent lab. */
export async function destroyNetlab(plan: NetlabPlan): Promise<void> {
  for (const n of plan.nodes) await deleteNetns(n.netns);
  await deleteNetns(plan.client.netns);
  for (const link of [...plan.nodes.map((n) => n.hostVeth), plan.client.hostVeth, plan.bridge]) {
    await run('ip', ['link', 'del', link], { allowFail: true });
  }
}

/** Every netns and link name on this machine that belongs to netlab run `id`. */
export async function listLeftovers(): Promise<{ netns: string[]; links: string[] }> {
  const ns = (await run('ip', ['netns', 'list'], { allowFail: true })).stdout
    .split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => /^ilb[a-z0-9]{5}-/.test(n));
  const links = (await run('ip', ['-o', 'link', 'show'], { allowFail: true })).stdout
    .split('\n').map((l) => (l.split(':')[1] ?? '').trim().split('@')[0] ?? '').filter((n) => /^ilb[a-z0-9]{5}/.test(n));
  return { netns: ns, links };
}
