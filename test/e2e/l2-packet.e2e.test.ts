// The speaker's packet layer against real kernels and real frames: responder agents in node
// namespaces, observed from the client namespace with the kernel's own neighbor table,
// iputils arping and ndisc6. VIPs only from 198.51.100.220-239 / 2001:db8:100::220-239.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildUnsolicitedNeighborAdvertisement } from '@ironlb/speaker';
import { runIn, waitFor } from '../cluster/exec.js';
import { addVips, removeVips } from '../netlab/netlab.js';
import { startResponderAgent, type AgentEvent, type ResponderAgent } from '../netlab/responder-client.js';

const c = inject('cluster');
const nodeA = c.nodes[0]!;
const nodeB = c.nodes[1]!;
// A host that is not a speaker, to play the foreign user of a VIP: a third node if there is one.
const foreign = c.nodes[2] ?? { netns: c.client.netns, mac: c.client.mac };
const client = c.client;

const v4 = (n: number) => `198.51.100.${n}`;
const v6 = (n: number) => `2001:db8:100::${n}`;

const B_BURST_INTERVAL_MS = 3000;

let agentA: ResponderAgent;
let agentB: ResponderAgent;
let probe: ResponderAgent; // prober in the client namespace: raw ARP / NS from the client's MAC
const agents: ResponderAgent[] = [];
/** Undo steps of the running test, run in reverse by afterEach even when the test failed. */
let undo: (() => Promise<unknown>)[] = [];

async function start(netns: string, config?: Parameters<typeof startResponderAgent>[1]): Promise<ResponderAgent> {
  const a = await startResponderAgent(netns, config);
  agents.push(a);
  return a;
}

beforeAll(async () => {
  // B's rounds are 3 s apart, so "changed by the first round" has a wide, unambiguous window.
  [agentA, agentB, probe] = await Promise.all([start(nodeA.netns), start(nodeB.netns, { announcer: { burstIntervalMs: B_BURST_INTERVAL_MS } }), start(client.netns)]);
});

afterEach(async () => {
  const steps = undo.reverse();
  undo = [];
  const failures: unknown[] = [];
  for (const step of steps) await step().catch((e: unknown) => failures.push(e));
  for (const a of [agentA, agentB]) {
    await a?.set([]).catch((e: unknown) => failures.push(e));
    await a?.knownMacs([]).catch((e: unknown) => failures.push(e));
  }
  if (failures.length > 0) throw new AggregateError(failures, 'l2-packet cleanup failed');
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
});

/** Puts VIPs on a node's lo (as kube-proxy IPVS does), removed after the test. */
async function vipsOnLo(netns: string, vips: string[]): Promise<void> {
  undo.push(() => removeVips(netns, vips));
  await addVips(netns, vips);
}

/** Forgets the client's neighbor entries for these VIPs now and after the test. */
async function forgetNeighbors(...ips: string[]): Promise<void> {
  const del = () => Promise.all(ips.map((ip) => runIn(client.netns, 'ip', [...(ip.includes(':') ? ['-6'] : []), 'neigh', 'del', ip, 'dev', client.iface], { allowFail: true })));
  undo.push(del);
  await del();
}

interface Neighbor {
  lladdr?: string;
  state?: string[];
}

async function neighbor(ip: string): Promise<Neighbor | undefined> {
  const r = await runIn(client.netns, 'ip', ['-j', ...(ip.includes(':') ? ['-6'] : []), 'neigh', 'show', ip, 'dev', client.iface]);
  return (JSON.parse(r.stdout || '[]') as Neighbor[])[0];
}

async function waitNeighbor(ip: string, mac: string, state: string, timeoutMs: number): Promise<Neighbor> {
  return waitFor(`client neighbor ${ip} → ${mac} ${state}`, async () => {
    const n = await neighbor(ip);
    return n?.lladdr === mac && n.state?.includes(state) ? n : undefined;
  }, timeoutMs, 20);
}

/** What iputils arping from the client saw: the MAC of every reply, and how many requests were broadcast. */
async function arping(ip: string, count = 3, broadcastOnly = false): Promise<{ macs: string[]; sent: number; broadcasts: number; code: number }> {
  const args = ['-c', String(count), '-w', String(count + 1), ...(broadcastOnly ? ['-b'] : []), '-I', client.iface, ip];
  const r = await runIn(client.netns, 'arping', args, { allowFail: true });
  const macs = [...r.stdout.matchAll(/reply from \S+ \[([0-9a-f:]{17})\]/gi)].map((m) => m[1]!.toLowerCase());
  const sent = /Sent (\d+) probes \((\d+) broadcast/.exec(r.stdout);
  return { macs, sent: Number(sent?.[1] ?? 0), broadcasts: Number(sent?.[2] ?? 0), code: r.code };
}

/** ndisc6 from the client: the link-layer address in the first answer, if any. */
async function ndisc6(ip: string): Promise<string | undefined> {
  const r = await runIn(client.netns, 'ndisc6', ['-1', '-r', '2', '-w', '500', ip, client.iface], { allowFail: true });
  return /Target link-layer address: ([0-9A-F:]{17})/i.exec(r.stdout)?.[1]?.toLowerCase();
}

async function curl(url: string): Promise<string> {
  const r = await runIn(client.netns, 'curl', ['-s', '--max-time', '3', url]);
  return r.stdout.trim();
}

const requestFrom = (ip: string, mac: string, unicast: boolean) => (e: AgentEvent) =>
  e.kind === 'request' && e.ip === ip && e.from === mac && e.unicast === unicast;
const announcing = (ip: string) => (e: AgentEvent) => e.kind === 'announcing' && e.ip === ip;

async function own(agent: ResponderAgent, ips: string[]): Promise<void> {
  const from = agent.events.length;
  await agent.set(ips.map((ip) => ({ ip, iface: 'eth0' })));
  for (const ip of ips) await agent.waitForEvent(announcing(ip), 5_000, from);
}

describe('IPv4', () => {
  it('answers broadcast and unicast ARP requests for an owned VIP with the owner MAC, and nothing for others', async () => {
    const owned = v4(220);
    const other = v4(221);
    await own(agentA, [owned]);

    const from = agentA.events.length;
    const seen = await arping(owned);
    // iputils arping broadcasts until the first reply, then asks the replier by unicast.
    expect(seen).toMatchObject({ code: 0, sent: 3, broadcasts: 1, macs: [nodeA.mac, nodeA.mac, nodeA.mac] });
    await agentA.waitForEvent(requestFrom(owned, client.mac, false), 2_000, from);
    await agentA.waitForEvent(requestFrom(owned, client.mac, true), 2_000, from);

    // A unicast request straight to the owner's MAC, built by the speaker's own codec.
    const direct = await probe.probe(4, { iface: client.iface, senderIp: client.ip, target: owned, unicastTo: nodeA.mac, count: 2, timeoutMs: 1_000 });
    expect(direct.map((r) => r?.mac)).toEqual([nodeA.mac, nodeA.mac]);

    expect(await arping(other, 1)).toMatchObject({ code: 1, macs: [] });
    expect(await probe.probe(4, { iface: client.iface, senderIp: client.ip, target: other, timeoutMs: 300 })).toEqual([null]);
    const counters = await agentA.counters();
    expect(counters.perIp[owned]).toMatchObject({ requestsReceived: 5, responsesSent: 5 });
    expect(counters.perIp[other]).toBeUndefined();
  });

  it('lets the client kernel resolve an owned VIP, and confirms it again when the kernel probes by unicast', async () => {
    const vip = v4(222);
    await vipsOnLo(nodeA.netns, [vip]);
    await forgetNeighbors(vip);
    await own(agentA, [vip]);

    expect(await curl(`http://${vip}/`)).toBe(nodeA.name);
    await waitNeighbor(vip, nodeA.mac, 'REACHABLE', 2_000);

    // PROBE: the kernel re-checks the cached MAC with unicast requests (what happens after
    // REACHABLE → STALE → DELAY); only an answer to those keeps the entry alive.
    const from = agentA.events.length;
    await runIn(client.netns, 'ip', ['neigh', 'change', vip, 'dev', client.iface, 'lladdr', nodeA.mac, 'nud', 'probe']);
    await agentA.waitForEvent(requestFrom(vip, client.mac, true), 3_000, from);
    await waitNeighbor(vip, nodeA.mac, 'REACHABLE', 3_000);
  });
});

describe('IPv6', () => {
  it('answers multicast and unicast neighbor solicitations for an owned VIP, and nothing for others', async () => {
    const owned = v6(220);
    const other = v6(221);
    await own(agentA, [owned]);

    const from = agentA.events.length;
    expect(await ndisc6(owned)).toBe(nodeA.mac);
    await agentA.waitForEvent(requestFrom(owned, client.mac, false), 2_000, from);

    // ndisc6 only solicits by multicast; a unicast NS (what a kernel in PROBE sends) from the codec.
    const direct = await probe.probe(6, { iface: client.iface, senderIp: client.ipv6, target: owned, unicastTo: nodeA.mac, count: 2, timeoutMs: 1_000 });
    expect(direct.map((r) => r?.mac)).toEqual([nodeA.mac, nodeA.mac]);
    await agentA.waitForEvent(requestFrom(owned, client.mac, true), 2_000, from);

    expect(await ndisc6(other)).toBeUndefined();
    expect(await probe.probe(6, { iface: client.iface, senderIp: client.ipv6, target: other, unicastTo: nodeA.mac, timeoutMs: 300 })).toEqual([null]);
    expect((await agentA.counters()).perIp[other]).toBeUndefined();
  });

  it('lets the client kernel resolve an owned VIP, and confirms it again when the kernel probes by unicast', async () => {
    const vip = v6(222);
    await vipsOnLo(nodeA.netns, [vip]);
    await forgetNeighbors(vip);
    await own(agentA, [vip]);

    expect(await curl(`http://[${vip}]/`)).toBe(nodeA.name);
    await waitNeighbor(vip, nodeA.mac, 'REACHABLE', 2_000);

    const from = agentA.events.length;
    await runIn(client.netns, 'ip', ['-6', 'neigh', 'change', vip, 'dev', client.iface, 'lladdr', nodeA.mac, 'nud', 'probe']);
    await agentA.waitForEvent(requestFrom(vip, client.mac, true), 3_000, from);
    await waitNeighbor(vip, nodeA.mac, 'REACHABLE', 3_000);
  });
});

describe('takeover', () => {
  it('moves the client cache entry from node A to node B with the first gratuitous round (ARP and NA)', async () => {
    const vip = v4(223);
    const vip6 = v6(223);
    await vipsOnLo(nodeA.netns, [vip, vip6]);
    await vipsOnLo(nodeB.netns, [vip, vip6]);
    await forgetNeighbors(vip, vip6);
    await own(agentA, [vip, vip6]);
    // With arp_accept=0 a gratuitous ARP only updates an entry: make one with traffic first.
    expect(await curl(`http://${vip}/`)).toBe(nodeA.name);
    expect(await curl(`http://[${vip6}]/`)).toBe(nodeA.name);
    await waitNeighbor(vip, nodeA.mac, 'REACHABLE', 2_000);
    await waitNeighbor(vip6, nodeA.mac, 'REACHABLE', 2_000);

    // Node A is gone (withdrawn first, as a dead node would be), node B takes over.
    await agentA.set([]);
    const watching = probe.watchNeighbor(vip, nodeB.mac, 5_000); // timestamps the change in the client namespace
    const from = agentB.events.length;
    await agentB.set([{ ip: vip, iface: 'eth0' }, { ip: vip6, iface: 'eth0' }]);
    const firstGarp = await agentB.waitForEvent((e) => e.kind === 'sent' && e.ip === vip && e.purpose === 'garp-request', 2_000, from);
    const changedAt = await watching;
    // A send's timestamp is taken after sendto returns, and under load the client kernel
    // can apply the frame first; so "within the first round" is judged against the second
    // round, which B sends B_BURST_INTERVAL_MS later: the entry must move before it.
    const sentBefore = agentB.events.slice(from).filter((e) => e.kind === 'sent' && e.ip === vip && e.hr <= changedAt);
    expect(sentBefore.every((e) => e.kind === 'sent' && e.trigger === 'takeover')).toBe(true);
    const ms = Number(changedAt - firstGarp.hr) / 1e6;
    expect(ms).toBeLessThan(B_BURST_INTERVAL_MS);

    // IPv6: the unsolicited NA with Override replaces the MAC (the entry turns STALE, as
    // for any unsolicited update), still before B's second round.
    await waitNeighbor(vip6, nodeB.mac, 'STALE', 2_000);
    expect(agentB.events.slice(from).filter((e) => e.kind === 'sent' && e.ip === vip6).map((e) => e.kind === 'sent' && e.trigger)).toEqual(['takeover']);

    expect(await curl(`http://${vip}/`)).toBe(nodeB.name);
    expect(await curl(`http://[${vip6}]/`)).toBe(nodeB.name);
  });
});

describe('conflicts', () => {
  it('reports a foreign host answering for an owned VIP, and a known speaker as a split view', async () => {
    const vip = v4(224);
    const vip6 = v6(224);
    await agentA.knownMacs([nodeB.mac]);
    await own(agentA, [vip, vip6]);

    // The foreign host really uses the address: its kernel answers for it too.
    undo.push(() => runIn(foreign.netns, 'ip', ['addr', 'del', `${vip}/32`, 'dev', 'eth0'], { allowFail: true }));
    await runIn(foreign.netns, 'ip', ['addr', 'add', `${vip}/32`, 'dev', 'eth0']);
    if (foreign.netns !== client.netns) {
      // Two answers to one broadcast request: exactly what the speaker must notice and report.
      expect(new Set((await arping(vip, 2, true)).macs)).toEqual(new Set([nodeA.mac, foreign.mac]));
    }

    let from = agentA.events.length;
    await runIn(foreign.netns, 'arping', ['-U', '-c', '1', '-I', 'eth0', vip], { allowFail: true });
    const foreignConflict = await agentA.waitForEvent((e) => e.kind === 'conflict' && e.ip === vip, 3_000, from);
    expect(foreignConflict).toMatchObject({ mac: foreign.mac, knownSpeaker: false, classification: 'foreign-conflict', phase: 'announce', via: 'arp-request', defended: true });

    // IPv6: an unsolicited NA with Override from the foreign host.
    const foreignAgent = await start(foreign.netns);
    undo.push(() => foreignAgent.stop());
    from = agentA.events.length;
    await foreignAgent.sendFrame('eth0', buildUnsolicitedNeighborAdvertisement({ mac: foreign.mac, ip: vip6 }));
    const foreign6 = await agentA.waitForEvent((e) => e.kind === 'conflict' && e.ip === vip6, 3_000, from);
    expect(foreign6).toMatchObject({ mac: foreign.mac, classification: 'foreign-conflict', via: 'na' });

    // Node B announces the same VIPs (two speakers disagree on the owner): a split view.
    from = agentA.events.length;
    await agentB.set([{ ip: vip, iface: 'eth0' }, { ip: vip6, iface: 'eth0' }]);
    const split = await agentA.waitForEvent((e) => e.kind === 'conflict' && e.ip === vip && e.mac === nodeB.mac, 3_000, from);
    expect(split).toMatchObject({ knownSpeaker: true, classification: 'split-view' });
    const split6 = await agentA.waitForEvent((e) => e.kind === 'conflict' && e.ip === vip6 && e.mac === nodeB.mac, 3_000, from);
    expect(split6).toMatchObject({ knownSpeaker: true, classification: 'split-view', via: 'na' });
    expect((await agentA.counters()).perIp[vip]?.conflicts).toBe(2);
  });
});

describe('withdrawal', () => {
  it('leaves nothing answering: arping, ndisc6 and the client kernel get no reply', async () => {
    const vip = v4(225);
    const vip6 = v6(225);
    await forgetNeighbors(vip, vip6);
    await own(agentA, [vip, vip6]);
    expect((await arping(vip, 1)).macs).toEqual([nodeA.mac]);
    expect(await ndisc6(vip6)).toBe(nodeA.mac);

    const from = agentA.events.length;
    await agentA.set([]);
    await agentA.waitForEvent((e) => e.kind === 'withdrawn' && e.ip === vip, 2_000, from);
    await agentA.waitForEvent((e) => e.kind === 'withdrawn' && e.ip === vip6, 2_000, from);
    // Judged from the withdrawal on: an answer to one of ndisc6's own retries above may
    // still have been on its way when set([]) was sent.
    const after = agentA.events.length;

    expect(await arping(vip, 1)).toMatchObject({ code: 1, macs: [] });
    expect(await ndisc6(vip6)).toBeUndefined();
    // A client that still caches A's MAC probes it by unicast, gets nothing, and gives up.
    await runIn(client.netns, 'ip', ['neigh', 'replace', vip, 'dev', client.iface, 'lladdr', nodeA.mac, 'nud', 'probe']);
    await runIn(client.netns, 'ip', ['-6', 'neigh', 'replace', vip6, 'dev', client.iface, 'lladdr', nodeA.mac, 'nud', 'probe']);
    await Promise.all([
      waitFor(`${vip} FAILED`, async () => ((await neighbor(vip))?.state?.includes('FAILED') ? true : undefined), 10_000, 100),
      waitFor(`${vip6} FAILED`, async () => ((await neighbor(vip6))?.state?.includes('FAILED') ? true : undefined), 10_000, 100),
    ]);
    expect(agentA.events.slice(after).filter((e) => e.kind === 'request' || e.kind === 'sent')).toEqual([]);
  });
});

describe('interface rescan', () => {
  // A veth pair private to node A's namespace (not bridged anywhere): the responder
  // announces on one end, the agent captures on the other, and we flap and re-MAC the link.
  const END = 'l2rescan0';
  const PEER = 'l2rescan1';
  const MAC1 = '02:00:00:00:02:26';
  const MAC2 = '02:00:00:00:02:27';

  it('re-announces after its link goes down and up, and announces a new MAC', async () => {
    const vip = v4(226);
    const ip = (...args: string[]) => runIn(nodeA.netns, 'ip', args);
    undo.push(() => runIn(nodeA.netns, 'ip', ['link', 'del', END], { allowFail: true }));
    await ip('link', 'add', END, 'address', MAC1, 'type', 'veth', 'peer', 'name', PEER);
    await ip('link', 'set', END, 'up');
    await ip('link', 'set', PEER, 'up');
    // Only on-demand and ENETDOWN-triggered rescans, so each step below is caused by us.
    const r = await start(nodeA.netns, { rescanIntervalMs: 0, announcer: { burstCount: 1, reannounceIntervalMs: 0 } });
    undo.push(() => r.stop());
    await r.capture(PEER, 4);
    const garpFrom = (mac: string) => (f: { op?: number; senderIp?: string; senderMac?: string }) => f.op === 1 && f.senderIp === vip && f.senderMac === mac;

    await r.set([{ ip: vip, iface: END }]);
    await r.waitForFrame(garpFrom(MAC1), 3_000);

    // Down: the kernel reports ENETDOWN to the packet socket, which triggers a rescan.
    let events = r.events.length;
    await ip('link', 'set', END, 'down');
    await r.waitForEvent((e) => e.kind === 'socket-error' && (e.error as { errno?: string }).errno === 'ENETDOWN', 3_000, events);
    await r.waitForEvent((e) => e.kind === 'interface-down' && e.iface === END, 3_000, events);
    expect((await r.status())[0]).toMatchObject({ phase: 'waiting-interface' });

    let frames = r.frames.length;
    events = r.events.length;
    await ip('link', 'set', END, 'up');
    await r.rescan();
    await r.waitForEvent((e) => e.kind === 'interface-up' && e.iface === END, 1_000, events);
    await r.waitForFrame(garpFrom(MAC1), 3_000, frames);

    frames = r.frames.length;
    events = r.events.length;
    await ip('link', 'set', END, 'address', MAC2);
    await r.rescan();
    expect(await r.waitForEvent((e) => e.kind === 'interface-changed', 1_000, events)).toMatchObject({ iface: END, mac: MAC2, previousMac: MAC1 });
    await r.waitForFrame(garpFrom(MAC2), 3_000, frames);
    expect(r.events.slice(events).find((e) => e.kind === 'sent')).toMatchObject({ trigger: 'mac-change' });
  });
});
