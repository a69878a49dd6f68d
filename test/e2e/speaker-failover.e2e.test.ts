// The speaker on the cluster-in-a-box + netlab: the controller and one speaker per node
// namespace as real processes with their ServiceAccounts, VIPs on each node's lo (kube-proxy
// IPVS), traffic from the client namespace. After every step, once quiet, exactly one node
// answers ARP/NDP for each VIP and the client's cache points at it (waitSingleOwner).
// Addresses: 198.51.100.200-219 and 2001:db8:100::200-219 only.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setKubeProxyConfig } from '../cluster/bootstrap.js';
import { createRunningPod } from '../cluster/workloads.js';
import { runIn, sleep, waitFor } from '../cluster/exec.js';
import { addVips, removeVips } from '../netlab/netlab.js';
import { E2eScope, PoolNamespace } from './fixtures/controller.js';
import {
  monoNs,
  outageAfter,
  setNodeLink,
  setPeerPartition,
  startConnectLoop,
  startSpeaker,
  waitNoOwner,
  waitSingleOwner,
  type SpeakerProcess,
} from './fixtures/speakers.js';

const c = inject('cluster');
const s = new E2eScope(c, 'sp');
const t = { kubectl: c.kubectl, kubeconfig: c.kubeconfig };
const V4 = (n: number) => `198.51.100.${n}`;
// The pool's IPv6 range 2001:db8:100::200-::219 holds 0x200..0x219: 26 addresses.
const ALL_VIPS = [...Array.from({ length: 20 }, (_, i) => V4(200 + i)), ...Array.from({ length: 26 }, (_, i) => `2001:db8:100::${(0x200 + i).toString(16)}`)];
const speakers = new Map<string, SpeakerProcess>();
/** Every speaker process this file started, for the RBAC check at the end. */
const everySpeaker: SpeakerProcess[] = [];
let ns: string;
let pool: string;
const adv = () => s.name('adv');

function saveSpeakerLog(sp: SpeakerProcess, tag = ''): void {
  const dir = join(c.stateDir, 'e2e-logs');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `speaker-${s.run}-${sp.node.name}${tag}.log`), sp.output());
}

async function start(nodeIdx: number, args: string[] = []): Promise<SpeakerProcess> {
  const node = c.nodes[nodeIdx]!;
  const old = speakers.get(node.name);
  if (old) saveSpeakerLog(old, `-${old.pid}`);
  const sp = await startSpeaker(c, node, { args });
  speakers.set(node.name, sp);
  everySpeaker.push(sp);
  return sp;
}

async function applyAdvertisement(spec: Record<string, unknown>): Promise<void> {
  const doc = { apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: { name: adv(), namespace: PoolNamespace }, spec };
  await s.k.ok(['apply', '-f', '-'], { input: JSON.stringify(doc) });
}

async function kjson<T>(args: string[]): Promise<T> {
  return JSON.parse(await s.k.ok([...args, '-o', 'json'])) as T;
}

const vipsOnNodes = (vips: string[]) => Promise.all(c.nodes.map((n) => addVips(n.netns, vips)));

beforeAll(async () => {
  // Every node binds the suite's VIPs on lo, as kube-proxy IPVS does on kube-ipvs0.
  await vipsOnNodes(ALL_VIPS);
  await setKubeProxyConfig(t, 'ipvs', true);
  await s.startLeader();
  ns = await s.createNamespace('svc');
  pool = await s.pool('pool', { addresses: ['198.51.100.200-198.51.100.219', '2001:db8:100::200-2001:db8:100::219'], serviceAllocation: { namespaces: [ns] } });
  await applyAdvertisement({ ipAddressPools: [pool] });
  for (let i = 0; i < c.nodes.length; i++) await start(i);
  // Every speaker has joined (its Lease exists) and heard the others (1 s startup wait).
  await waitFor('a Lease per speaker', async () => {
    const r = await kjson<{ items: unknown[] }>(['get', 'leases', '-n', PoolNamespace, '-l', 'app.kubernetes.io/component=speaker-lease']);
    return r.items.length >= c.nodes.length ? true : undefined;
  }, 60_000, 200);
  await sleep(1_500);
}, 120_000);

afterEach(async () => {
  // Whatever a test did to the lab, undo it and bring every speaker back.
  for (let i = 0; i < c.nodes.length; i++) {
    const n = c.nodes[i]!;
    await setNodeLink(c, n, true).catch(() => undefined);
    for (let j = i + 1; j < c.nodes.length; j++) await setPeerPartition(n, c.nodes[j]!, false).catch(() => undefined);
    const sp = speakers.get(n.name);
    if (!sp || (await Promise.race([sp.exited.then(() => true), sleep(0).then(() => false)]))) await start(i);
  }
  await setKubeProxyConfig(t, 'ipvs', true);
});

afterAll(async () => {
  for (const sp of speakers.values()) {
    await sp.stop();
    saveSpeakerLog(sp);
  }
  await s.close();
  await s.k(['delete', 'l2advertisement', adv(), '-n', PoolNamespace, '--ignore-not-found']);
  await Promise.all(c.nodes.map((n) => removeVips(n.netns, ALL_VIPS)));
  await s.k(['delete', 'servicel2statuses', '-n', PoolNamespace, '--all']);
});

async function lbService(name: string, opts: Parameters<E2eScope['createService']>[2] = {}): Promise<string> {
  await s.createService(ns, name, opts);
  const ips = await s.waitIngress(ns, name);
  return ips[0]!;
}

function speakerOf(node: string): SpeakerProcess {
  return speakers.get(node)!;
}

const timeOfLine = (l: Record<string, unknown>) => Date.parse(String(l.time ?? ''));
const nodeIdx = (name: string) => c.nodes.findIndex((n) => n.name === name);

describe('speaker: one owner per IP', () => {
  it('announces a new Service from exactly one node, writes its ServiceL2Status and a nodeAssigned Event', async () => {
    const vip = await lbService('web');
    const owner = await waitSingleOwner(c, vip, 30_000);
    const l2 = await waitFor('ServiceL2Status', async () => {
      const r = await kjson<{ items: { status?: { node?: string; serviceName?: string; serviceNamespace?: string; interfaces?: { name: string }[] } }[] }>(['get', 'servicel2statuses', '-n', PoolNamespace, '-l', `metallb.io/service-name=web,metallb.io/service-namespace=${ns}`]);
      return r.items.length === 1 && r.items[0]!.status?.node ? r.items : undefined;
    }, 20_000);
    expect(l2[0]!.status).toEqual({ node: owner, serviceName: 'web', serviceNamespace: ns, interfaces: [{ name: 'eth0' }] });
    // Speakers that joined moments apart may hand the IP over once at start: the owner's
    // nodeAssigned is the one to find.
    const ev = await s.waitEvent(ns, 'web', 'nodeAssigned', new RegExp(`"${owner}"`));
    expect(ev.message).toContain(`"${owner}"`);
    // The owner's log says why it owns the IP, with the field vocabulary.
    const line = speakerOf(owner).logLines().find((l) => l.event === 'ownerElected' && l.service === `${ns}/web`);
    expect(line).toMatchObject({ owner, node: owner });
    expect(Array.isArray(line?.candidates)).toBe(true);
  });

  it('fails over in well under a second when the owner node crashes (speaker killed and link cut at once), and logs why', async () => {
    const vip = await lbService('crash');
    const owner = await waitSingleOwner(c, vip, 30_000);
    const loop = startConnectLoop(c, vip, 6_000);
    await sleep(1_500);
    const at = monoNs();
    const dead = speakerOf(owner);
    await Promise.all([dead.stop('SIGKILL'), setNodeLink(c, c.nodes[nodeIdx(owner)]!, false)]);
    const samples = await loop.done;
    const o = outageAfter(samples, at);
    process.stderr.write(`crash failover: gap ${o.gapMs.toFixed(0)} ms, ${o.failed} failed connects, ${o.before} → ${o.after}\n`);
    expect(o.before).toBe(owner);
    expect(o.after).not.toBe(owner);
    expect(o.after).not.toBeNull();
    // A generous bound for a shared 2-core machine; bench:failover measures the real figure.
    expect(o.gapMs).toBeLessThan(3_000);
    // The new owner's log alone reconstructs the failover.
    const next = speakerOf(o.after!);
    const elected = next.logLines().find((l) => l.event === 'ownerElected' && l.service === `${ns}/crash` && l.previousOwner === owner);
    expect(elected).toMatchObject({ owner: o.after, previousOwner: owner, reason: 'peer-dead', peer: owner, via: 'heartbeat' });
    expect(typeof elected?.detectMs).toBe('number');
    expect(next.logLines().some((l) => l.event === 'garpSent' && l.ip === vip)).toBe(true);
    await setNodeLink(c, c.nodes[nodeIdx(owner)]!, true);
    // Failback: the returning node takes the IP back (hash order), losslessly — the new
    // owner announces first, the old one answers quietly meanwhile.
    const back = startConnectLoop(c, vip, 8_000);
    await sleep(500);
    const atBack = monoNs();
    await start(nodeIdx(owner));
    const fb = outageAfter(await back.done, atBack);
    process.stderr.write(`failback: ${fb.failed} failed connects, ${fb.before} → ${fb.after}\n`);
    expect(fb.after).toBe(owner);
    expect(fb.failed).toBeLessThanOrEqual(1);
    expect(fb.gapMs).toBeLessThan(100);
    await waitSingleOwner(c, vip, 30_000, (n) => n === owner);
  });

  it('hands over without a lost connect when the owner stops gracefully (SIGTERM)', async () => {
    const vip = await lbService('graceful');
    const owner = await waitSingleOwner(c, vip, 30_000);
    const loop = startConnectLoop(c, vip, 5_000);
    await sleep(1_500);
    const at = monoNs();
    await speakerOf(owner).stop('SIGTERM');
    const o = outageAfter(await loop.done, at);
    process.stderr.write(`graceful handover: ${o.failed} failed connects, ${o.before} → ${o.after}\n`);
    // Only a connect in flight at the instant the client's cache switches MAC can fail (its
    // SYN went to the old node, its ACK to the new one): at most one, never a gap.
    expect(o.failed).toBeLessThanOrEqual(1);
    expect(o.gapMs).toBeLessThan(100);
    expect(o.after).not.toBe(owner);
    await waitSingleOwner(c, vip, 20_000, (n) => n !== owner);
  });

  it('loses no connect when only the owner\'s speaker is SIGKILLed (the node still serves)', async () => {
    const vip = await lbService('spkill');
    const owner = await waitSingleOwner(c, vip, 30_000);
    const loop = startConnectLoop(c, vip, 5_000);
    await sleep(1_500);
    const at = monoNs();
    await speakerOf(owner).stop('SIGKILL');
    const o = outageAfter(await loop.done, at);
    process.stderr.write(`speaker kill: ${o.failed} failed connects, ${o.before} → ${o.after}\n`);
    // As in a graceful stop: at most the one connect straddling the MAC switch.
    expect(o.failed).toBeLessThanOrEqual(1);
    expect(o.gapMs).toBeLessThan(100);
    await waitSingleOwner(c, vip, 20_000, (n) => n !== owner);
  });

  it('moves the IP when the owner\'s link goes down, and the cut-off node withdraws (no stale announcing)', async () => {
    const vip = await lbService('linkdown');
    const owner = await waitSingleOwner(c, vip, 30_000);
    const node = c.nodes[nodeIdx(owner)]!;
    await setNodeLink(c, node, false);
    const next = await waitSingleOwner(c, vip, 20_000, (n) => n !== owner);
    // The isolated node notices it hears no peer and stops announcing.
    await waitFor('isolated owner withdraws', async () => (speakerOf(owner).logLines().some((l) => l.event === 'isolated') ? true : undefined), 20_000);
    await setNodeLink(c, node, true);
    // Healed: exactly one node again, within a few seconds.
    const healed = await waitSingleOwner(c, vip, 10_000);
    expect([owner, next]).toContain(healed);
  });

  it('heals a heartbeat partition between two speakers: one owner throughout and after', async () => {
    const vip = await lbService('partition');
    const owner = await waitSingleOwner(c, vip, 30_000);
    const other = c.nodes.find((n) => n.name !== owner)!;
    await setPeerPartition(c.nodes[nodeIdx(owner)]!, other, true);
    await sleep(2_000);
    // A single broken link kills nobody: the third speaker still hears both.
    expect(await waitSingleOwner(c, vip, 10_000)).toBe(owner);
    await setPeerPartition(c.nodes[nodeIdx(owner)]!, other, false);
    await sleep(1_000);
    expect(await waitSingleOwner(c, vip, 5_000)).toBe(owner);
  });

  it('follows nodeSelectors and interfaces of the advertisement, and withdraws when it is deleted', async () => {
    const vip = await lbService('selectors');
    const owner = await waitSingleOwner(c, vip, 30_000);
    const keep = c.nodes.find((n) => n.name !== owner)!;
    await applyAdvertisement({ ipAddressPools: [pool], nodeSelectors: [{ matchLabels: { 'kubernetes.io/hostname': keep.name } }] });
    expect(await waitSingleOwner(c, vip, 20_000)).toBe(keep.name);
    // An interface the node does not have: nobody may announce, and the Service says why.
    await applyAdvertisement({ ipAddressPools: [pool], nodeSelectors: [{ matchLabels: { 'kubernetes.io/hostname': keep.name } }], interfaces: ['eth9'] });
    await waitNoOwner(c, vip);
    await s.waitEvent(ns, 'selectors', 'announceFailed', /eth9/);
    await s.k(['delete', 'l2advertisement', adv(), '-n', PoolNamespace]);
    await waitNoOwner(c, vip);
    await applyAdvertisement({ ipAddressPools: [pool] });
    await waitSingleOwner(c, vip, 20_000);
  });

  it('with externalTrafficPolicy Local, follows the ready endpoint between nodes, and says why when there is none', async () => {
    const selector = { app: `local-${s.run}` };
    const vip = await lbService('local', { externalTrafficPolicy: 'Local', selector, ports: [{ port: 80 }] });
    // No endpoint anywhere: nobody announces, and the Service says why.
    await waitNoOwner(c, vip);
    await s.waitEvent(ns, 'local', 'announceFailed', /externalTrafficPolicy is Local/);
    const [a, b] = [c.nodes[1]!, c.nodes[2]!];
    await createRunningPod(t, { namespace: ns, name: 'pod-a', nodeName: a.name, podIP: '10.244.1.10', labels: selector });
    expect(await waitSingleOwner(c, vip, 20_000)).toBe(a.name);
    // The endpoint moves: the announcement follows it.
    await createRunningPod(t, { namespace: ns, name: 'pod-b', nodeName: b.name, podIP: '10.244.2.10', labels: selector });
    await s.k.ok(['delete', 'pod', 'pod-a', '-n', ns, '--grace-period=0', '--force']);
    expect(await waitSingleOwner(c, vip, 20_000)).toBe(b.name);
  });

  it('drops and counts forged heartbeats, and rotates the heartbeat key without a failover', async () => {
    const vip = await lbService('keys');
    const owner = await waitSingleOwner(c, vip, 30_000);
    const target = c.nodes[nodeIdx(owner)]!;
    // Garbage and a well-formed-looking packet without a valid MAC, from the client.
    for (const payload of ['garbage', 'ILB1\\x01\\x00forged']) {
      await runIn(c.client.netns, 'bash', ['-c', `printf '${payload}' > /dev/udp/${target.ip}/7946`]);
    }
    const metricsAddr = String(speakerOf(owner).logLines().find((l) => l.event === 'started')?.metricsAddr);
    await waitFor('heartbeat drops counted', async () => {
      const r = await runIn(target.netns, 'curl', ['-s', `http://${metricsAddr}/metrics`], { allowFail: true });
      const dropped = [...r.stdout.matchAll(/^ironlb_speaker_heartbeat_dropped_total\{reason="(\w[\w-]*)"\} (\d+)/gm)].reduce((n, m) => n + Number(m[2]), 0);
      return dropped >= 2 ? true : undefined;
    }, 10_000);
    // Rotation: add a key while traffic flows, then remove the old one. Nobody dies.
    const loop = startConnectLoop(c, vip, 16_000, 20);
    const secret = JSON.parse(await s.k.ok(['get', 'secret', 'ironlb-heartbeat', '-n', PoolNamespace, '-o', 'json'])) as { data: Record<string, string> };
    const oldKeys = Object.keys(secret.data);
    const newKey = `key-rotated-${s.run}`;
    await s.k.ok(['patch', 'secret', 'ironlb-heartbeat', '-n', PoolNamespace, '--type=merge', '-p', JSON.stringify({ data: { [newKey]: Buffer.from(`rotated-${s.run}-0123456789abcdef`).toString('base64') } })]);
    await sleep(12_000); // past the 10 s activation delay: every speaker now signs with the new key
    await s.k.ok(['patch', 'secret', 'ironlb-heartbeat', '-n', PoolNamespace, '--type=merge', '-p', JSON.stringify({ data: Object.fromEntries(oldKeys.map((k) => [k, null])) })]);
    const samples = await loop.done;
    expect(samples.filter((x) => !x.ok)).toEqual([]);
    for (const sp of speakers.values()) expect(sp.logLines().filter((l) => l.event === 'peerDead' && timeOfLine(l) > Date.now() - 20_000)).toEqual([]);
    expect(await waitSingleOwner(c, vip, 10_000)).toBe(owner);
  });

  it('announces both IPs of a dual-stack Service from one node', async () => {
    await s.createService(ns, 'dual', { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' });
    const ips = await s.waitIngress(ns, 'dual', (x) => x.length === 2);
    const v4 = ips.find((i) => !i.includes(':'))!;
    const v6 = ips.find((i) => i.includes(':'))!;
    const o4 = await waitSingleOwner(c, v4, 30_000);
    const o6 = await waitSingleOwner(c, v6, 30_000);
    expect(o6).toBe(o4);
  });

  it('stops announcing a deleted Service and removes its ServiceL2Status', async () => {
    const vip = await lbService('gone');
    await waitSingleOwner(c, vip, 30_000);
    await s.deleteService(ns, 'gone');
    await waitNoOwner(c, vip);
    await waitFor('ServiceL2Status removed', async () => {
      const r = await kjson<{ items: unknown[] }>(['get', 'servicel2statuses', '-n', PoolNamespace, '-l', `metallb.io/service-name=gone,metallb.io/service-namespace=${ns}`]);
      return r.items.length === 0 ? true : undefined;
    }, 20_000);
  });

  it('refuses to announce when kube-proxy runs IPVS without strictARP, with a Warning Event and the fix', async () => {
    const vip = await lbService('strict');
    await waitSingleOwner(c, vip, 30_000);
    await setKubeProxyConfig(t, 'ipvs', false);
    await waitNoOwner(c, vip);
    const sp = [...speakers.values()][0]!;
    const line = await waitFor('strictArpRefused log', async () => sp.logLines().find((l) => l.event === 'strictArpRefused'), 10_000);
    expect(String(line.msg)).toContain('strictARP: true');
    // The Warning Event on the Node, where `kubectl describe node` shows it.
    const ev = await waitFor('StrictARPOff Event on the Node', async () => {
      const r = await kjson<{ items: { message?: string; type?: string; involvedObject: { name?: string; namespace?: string } }[] }>(['get', 'events', '-n', 'default', '--field-selector', `involvedObject.kind=Node,reason=StrictARPOff,involvedObject.name=${sp.node.name}`]);
      return r.items[0];
    }, 10_000);
    expect(ev).toMatchObject({ type: 'Warning', involvedObject: { name: sp.node.name } });
    expect(ev.involvedObject.namespace ?? '').toBe('');
    expect(ev.message).toMatch(/strictARP: true/);
    await setKubeProxyConfig(t, 'ipvs', true);
    await waitSingleOwner(c, vip, 20_000);
  });
});

describe('speaker: RBAC', () => {
  it('needed no permission beyond deploy/30-speaker-rbac.yaml', () => {
    expect(everySpeaker.length).toBeGreaterThan(0);
    const denied = everySpeaker.flatMap((sp) => sp.output().split('\n').filter((l) => /forbidden|HTTP-Code: 403|"code":403/i.test(l)).map((l) => `${sp.node.name}: ${l.slice(0, 300)}`));
    expect(denied).toEqual([]);
  });
});
