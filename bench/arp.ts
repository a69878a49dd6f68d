// Prints how the speaker's responder performs on real kernels: responder agents in node
// namespaces of a cluster-in-a-box, measured from the client namespace (a prober agent
// there sends the requests and timestamps answers and neighbor-table changes with
// CLOCK_MONOTONIC, the same clock the node agents stamp their sends with).
//   npm run bench:arp -- [--json] [--requests N] [--takeovers N]
// IRONLB_BENCH_REUSE=1 measures on the running cluster (`npm run cluster:up`) instead of
// bringing up its own. A benchmark prints figures; it asserts nothing.
import { readFileSync } from 'node:fs';
import { down, info, listClusterIds, up } from '../test/cluster/cluster.js';
import { run, runIn } from '../test/cluster/exec.js';
import type { ClusterInfo } from '../test/cluster/types.js';
import { startResponderAgent, type AgentEvent, type ResponderAgent } from '../test/netlab/responder-client.js';
import { percentile, progress } from './lib.js';

// The e2e tests' VIP range (198.51.100.220-239); never anything outside the netlab.
const OWNED = Array.from({ length: 10 }, (_, i) => `198.51.100.${220 + i}`);
const MOVING = '198.51.100.230';
const LOAD_RATE = 1000;
const LOAD_MS = 5000;
// Only what the bench waits on: per-frame events would cost the responder CPU we measure.
const QUIET = ['announcing', 'withdrawn', 'socket-error', 'send-failed'];

function parseArgs(argv: string[]): { json: boolean; requests: number; takeovers: number } {
  const o = { json: false, requests: 2000, takeovers: 20 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') o.json = true;
    else if (argv[i] === '--requests') o.requests = Number(argv[++i]);
    else if (argv[i] === '--takeovers') o.takeovers = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}; usage: [--json] [--requests N] [--takeovers N]`);
  }
  for (const [k, v] of [['--requests', o.requests], ['--takeovers', o.takeovers]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 100_000) throw new Error(`${k} must be an integer from 1 to 100000`);
  }
  return o;
}

/** utime and stime of a process, in seconds. */
function cpuSeconds(pid: number, ticksPerSecond: number): { user: number; system: number } {
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]) / ticksPerSecond, system: Number(f[12]) / ticksPerSecond };
}

/** CPU use of `pid` while `work` runs, in percent of one core (user + system, and each). */
async function cpuPercentDuring(pid: number, ticksPerSecond: number, work: () => Promise<unknown>) {
  const before = cpuSeconds(pid, ticksPerSecond);
  const t0 = performance.now();
  await work();
  const wall = (performance.now() - t0) / 1000;
  const after = cpuSeconds(pid, ticksPerSecond);
  const user = ((after.user - before.user) / wall) * 100;
  const system = ((after.system - before.system) / wall) * 100;
  return { total: user + system, user, system };
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

async function measure(c: ClusterInfo, opts: { requests: number; takeovers: number }) {
  const [nodeA, nodeB] = c.nodes;
  if (!nodeA || !nodeB) throw new Error('bench:arp needs a cluster with at least 2 nodes');
  const agents: ResponderAgent[] = [];
  const start = async (netns: string) => {
    const a = await startResponderAgent(netns, { eventKinds: QUIET });
    agents.push(a);
    return a;
  };
  const forgetMoving = () => runIn(c.client.netns, 'ip', ['neigh', 'del', MOVING, 'dev', c.client.iface], { allowFail: true });
  try {
    progress('starting responder agents in node namespaces and a prober in the client namespace');
    const [a, b, client] = await Promise.all([start(nodeA.netns), start(nodeB.netns), start(c.client.netns)]);
    const owns = async (agent: ResponderAgent, ips: string[]) => {
      const from = agent.events.length;
      await agent.set(ips.map((ip) => ({ ip, iface: 'eth0' })));
      for (const ip of ips) await agent.waitForEvent((e) => e.kind === 'announcing' && e.ip === ip, 5_000, from);
    };
    await owns(a, [...OWNED, MOVING]);
    const probe = { iface: c.client.iface, senderIp: c.client.ip };

    // 1. Request → reply, one at a time, timed in the client namespace.
    progress(`ARP round trips: ${opts.requests} requests for owned IPs`);
    await client.probe(4, { ...probe, target: OWNED[0]!, count: 200, timeoutMs: 500 }); // warm-up
    const rtts: number[] = [];
    let lost = 0;
    for (let i = 0; i < opts.requests; i += 100) {
      const batch = await client.probe(4, { ...probe, target: OWNED[(i / 100) % OWNED.length]!, count: Math.min(100, opts.requests - i), timeoutMs: 500 });
      for (const r of batch) {
        if (r && r.mac === nodeA.mac) rtts.push(r.rttUs);
        else lost++;
      }
    }
    rtts.sort((x, y) => x - y);
    progress(`  p50 ${percentile(rtts, 50).toFixed(0)} µs, p99 ${percentile(rtts, 99).toFixed(0)} µs, max ${rtts.at(-1)?.toFixed(0)} µs, lost ${lost}`);

    // 2. Takeover: the new owner starts its burst → the client kernel's entry shows its MAC.
    progress(`gratuitous ARP → client neighbor update: ${opts.takeovers} takeovers alternating between ${nodeA.name} and ${nodeB.name}`);
    await forgetMoving();
    // With arp_accept=0 a gratuitous ARP only updates an existing entry: make one with traffic.
    await runIn(c.client.netns, 'curl', ['-s', '--max-time', '0.3', `http://${MOVING}/`], { allowFail: true });
    await client.watchNeighbor(MOVING, nodeA.mac, 2_000);
    await b.eventKinds([...QUIET, 'sent']);
    await a.eventKinds([...QUIET, 'sent']);
    const updates: number[] = [];
    const afterSend: number[] = [];
    let [from, to] = [a, b];
    let toMac = nodeB.mac;
    for (let i = 0; i < opts.takeovers; i++) {
      const mark = to.events.length;
      const watching = client.watchNeighbor(MOVING, toMac, 5_000);
      await from.set((from === a ? OWNED : []).map((ip) => ({ ip, iface: 'eth0' }))); // the old owner is gone first
      // The takeover round is sent synchronously inside setEntries: time from its start.
      const takeoverAt = await to.set([...(to === a ? OWNED : []), MOVING].map((ip) => ({ ip, iface: 'eth0' })));
      const first = await to.waitForEvent((e: AgentEvent) => e.kind === 'sent' && e.ip === MOVING && e.purpose === 'garp-request', 5_000, mark);
      const changedAt = await watching;
      updates.push(Number(changedAt - takeoverAt) / 1e6);
      afterSend.push(Number(changedAt - first.hr) / 1e6);
      [from, to] = [to, from];
      toMac = to === a ? nodeA.mac : nodeB.mac;
    }
    await a.eventKinds(QUIET);
    await b.eventKinds(QUIET);
    updates.sort((x, y) => x - y);
    afterSend.sort((x, y) => x - y);
    progress(`  p50 ${percentile(updates, 50).toFixed(3)} ms, p99 ${percentile(updates, 99).toFixed(3)} ms from the takeover`);
    // The 'sent' stamp is taken after sendto returns, which may already include the delivery.
    progress(`  p50 ${percentile(afterSend, 50).toFixed(3)} ms, p99 ${percentile(afterSend, 99).toFixed(3)} ms from sendto returning`);
    await a.set(OWNED.map((ip) => ({ ip, iface: 'eth0' })));
    await b.set([]);

    // 3. The responder's CPU while the client asks 1,000 times a second.
    const ticks = Number((await run('getconf', ['CLK_TCK'])).stdout.trim()) || 100;
    const idle = await cpuPercentDuring(a.pid, ticks, () => new Promise((r) => setTimeout(r, 2_000)));
    progress(`responder CPU at ${LOAD_RATE} ARP requests/s for ${LOAD_MS / 1000} s (idle: ${idle.total.toFixed(2)}%)`);
    let load = { sent: 0, replies: 0, elapsedMs: 0 };
    const cpu = await cpuPercentDuring(a.pid, ticks, async () => {
      load = await client.load({ ...probe, targets: OWNED, rate: LOAD_RATE, durationMs: LOAD_MS });
    });
    progress(`  ${cpu.total.toFixed(2)}% of one core (user ${cpu.user.toFixed(2)}%, system ${cpu.system.toFixed(2)}%); ${load.sent} requests, ${load.replies} replies`);
    const counters = await a.counters();
    const answered = OWNED.reduce((n, ip) => n + (counters.perIp[ip]?.responsesSent ?? 0), 0);
    progress(`  responder counters: ${answered} answers in total, ${counters.sendErrors} send errors`);

    return {
      arp_reply_p50_us: round(percentile(rtts, 50), 1),
      arp_reply_p99_us: round(percentile(rtts, 99), 1),
      garp_to_client_update_p99_ms: round(percentile(updates, 99), 3),
      responder_cpu_pct_at_1000_rps: round(cpu.total, 2),
    };
  } finally {
    await Promise.all(agents.map((x) => x.stop()));
    await forgetMoving();
  }
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  let c: ClusterInfo | undefined;
  let owned = false;
  if (process.env['IRONLB_BENCH_REUSE'] === '1') {
    const id = listClusterIds()[0];
    c = id ? info(id) : undefined;
    if (!c) throw new Error('IRONLB_BENCH_REUSE=1 but no cluster is running: npm run cluster:up first');
    progress(`reusing cluster ${c.id}`);
  } else {
    progress('bringing up a 2-node cluster-in-a-box (its watchdog removes it if this process dies)');
    c = await up({ nodes: 2, ownerPid: process.pid, log: progress }).catch((e: unknown) => {
      // Only one cluster-in-a-box fits on a machine (the netlab subnet is machine-wide).
      throw new Error(`${e instanceof Error ? e.message : String(e)}\n(to measure on the running cluster instead: IRONLB_BENCH_REUSE=1 npm run bench:arp)`, { cause: e });
    });
    owned = true;
  }
  try {
    const result = await measure(c, opts);
    if (opts.json) console.log(JSON.stringify(result));
    else for (const [k, v] of Object.entries(result)) console.log(`${k.padEnd(32)} ${v}`);
  } finally {
    if (owned) await down(c.id, progress);
  }
}

await main();
