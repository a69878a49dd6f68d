// `kubectl ironlb` on the edges, as a demanding operator would try it, against the real
// cluster-in-a-box (controller and three speakers with their shipped RBAC): Services in
// several namespaces, dual-stack, a shared IP, another loadBalancerClass, a requested IP
// outside every pool, a pool with namespaceSelectors, an L2Advertisement with
// nodeSelectors and interfaces, one naming an interface no node has, an excluded node, a NetworkUnavailable node, strictARP off,
// 500 Services, an IPv6 /64, kubeconfig lists and contexts, no CRDs. Every answer is held
// against what the components really do: the controller's Events, the ServiceL2Statuses,
// and which MAC answers ARP for the IP from the client.
// Addresses: 198.51.100.160-167, 198.51.100.170-172, 198.51.100.99 (in no pool),
// 203.0.113.0/24, 2001:db8:77::/64.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setKubeProxyConfig } from '../cluster/bootstrap.js';
import { sleep, waitFor } from '../cluster/exec.js';
import { E2eScope, installCrds, PoolNamespace } from './fixtures/controller.js';
import { runPlugin, type PluginResult } from './fixtures/golden.js';
import { arpAnswerers, nodeOfMac, startSpeaker, type SpeakerProcess } from './fixtures/speakers.js';

const c = inject('cluster');
const s = new E2eScope(c, 'ke');
const t = { kubectl: c.kubectl, kubeconfig: c.kubeconfig };
const speakers = new Map<string, SpeakerProcess>();
const [n1, n2, n3] = c.nodes.map((n) => n.name) as [string, string, string];
const ExcludeLabel = 'node.kubernetes.io/exclude-from-external-load-balancers';
let nsA: string;
let nsB: string;
let nsMany: string;
let main: string;

const plugin = (args: string[], env?: NodeJS.ProcessEnv): Promise<PluginResult> => runPlugin([...args, '--kubeconfig', c.kubeconfig], env);

interface StatusJson {
  rows: { namespace: string; name: string; ips: string[]; nodes: string[]; elected?: string; problems: { code: string; detail: string }[] }[];
}

async function statusJson(args: string[] = []): Promise<StatusJson> {
  const r = await plugin(['status', '-o', 'json', ...args]);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as StatusJson;
}

async function setNetworkUnavailable(node: string, down: boolean): Promise<void> {
  await s.k.ok(['patch', 'node', node, '--subresource=status', '--type=strategic', '-p', JSON.stringify({ status: { conditions: [{ type: 'NetworkUnavailable', status: down ? 'True' : 'False', reason: 'E2e', message: down ? 'down' : 'up' }] } })]);
}

beforeAll(async () => {
  await installCrds(s.k);
  await setKubeProxyConfig(t, 'ipvs', true);
  // The API server can still answer 429 "storage is (re)initializing" just after the CRDs.
  await waitFor('the plugin reads the cluster', async () => ((await plugin(['pools'])).code === 0 ? true : undefined), 30_000, 500);
}, 120_000);

afterAll(async () => {
  for (const sp of speakers.values()) {
    await sp.stop();
    writeFileSync(join(c.stateDir, `speaker-ke-${s.run}-${sp.node.name}.log`), sp.output());
  }
  await s.close();
  await s.k(['delete', 'l2advertisement', s.name('sel'), s.name('noif'), '-n', PoolNamespace, '--ignore-not-found']);
  await s.k(['delete', 'servicel2statuses', '-n', PoolNamespace, '--all']);
  await s.k(['label', 'node', n3, `${ExcludeLabel}-`]);
  await setNetworkUnavailable(n2, false);
  await setKubeProxyConfig(t, 'ipvs', true);
  await installCrds(s.k);
}, 180_000);

describe('the command line', () => {
  it('usage errors and unusable kubeconfigs exit 2 with a message naming the problem', async () => {
    for (const argv of [['status', '--bogus'], ['explain'], ['explain', 'deploy/x'], ['explain', 'svc/web/x'], ['status', '-o', 'xml'], ['explain', 'svc/x', '-A'], ['status', '--request-timeout', '0']]) {
      const r = await plugin(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toMatch(/^error: /);
    }
    // A flag taken as -n's value used to answer "No LoadBalancer Services found", exit 0.
    const swallowed = await plugin(['status', '-n', '-A']);
    expect(swallowed.code).toBe(2);
    expect(swallowed.stderr).toContain('"-A" is not a namespace name');
    // A kubeconfig that is missing or not a kubeconfig: exit 2 naming the file, not 3 with the client's TypeError.
    for (const file of ['/nonexistent/kc', '/etc/hostname', '/dev/null']) {
      const r = await runPlugin(['status', '--kubeconfig', file]);
      expect(r.code, file).toBe(2);
      expect(r.stderr, file).toMatch(new RegExp(`^error: (cannot load kubeconfig|kubeconfig) ${file}`));
    }
    const help = await plugin(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:\n {2}0 {2}ok\n/);
  });

  it('an empty cluster: no pools, no speakers, no controller', async () => {
    const st = await plugin(['status']);
    expect(st.code).toBe(0);
    const pf = await plugin(['preflight']);
    expect(pf.code).toBe(1);
    expect(pf.stdout).toMatch(/^FAIL {2}pool {14}no IPAddressPool in metallb-system/m);
    expect(pf.stdout).toMatch(/^FAIL {2}advertisement /m);
  });
});

describe('a live scenario', () => {
  beforeAll(async () => {
    nsA = await s.createNamespace('a', { team: 'a' });
    nsB = await s.createNamespace('b');
    nsMany = await s.createNamespace('many');
    await s.startLeader();
    main = await s.pool('main', { addresses: ['198.51.100.160-198.51.100.167', '2001:db8:77::/64'], serviceAllocation: { namespaces: [nsA, nsB] } });
    const team = await s.pool('team', { addresses: ['198.51.100.170-198.51.100.171'], serviceAllocation: { namespaceSelectors: [{ matchLabels: { team: 'a' } }] } });
    await s.pool('big', { addresses: ['203.0.113.0/24'], serviceAllocation: { namespaces: [nsMany] } });
    await s.k.ok(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: { name: s.name('sel'), namespace: PoolNamespace },
        spec: { ipAddressPools: [main, team], nodeSelectors: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [n1, n2] }] }], interfaces: ['eth0'] },
      }),
    });
    // An advertisement naming an interface no node has: the elected speaker cannot announce.
    const noif = await s.pool('noif', { addresses: ['198.51.100.172/32'], serviceAllocation: { namespaces: [nsA] } });
    await s.k.ok(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: { name: s.name('noif'), namespace: PoolNamespace }, spec: { ipAddressPools: [noif], interfaces: ['eth9'] } }),
    });
    await s.k.ok(['label', 'node', n3, `${ExcludeLabel}=`]);
    for (const n of c.nodes) speakers.set(n.name, await startSpeaker(c, n, { logLevel: 'info' }));
    await waitFor('a Lease per speaker', async () => {
      const r = JSON.parse(await s.k.ok(['get', 'leases', '-n', PoolNamespace, '-l', 'app.kubernetes.io/component=speaker-lease', '-o', 'json'])) as { items: unknown[] };
      return r.items.length >= c.nodes.length ? true : undefined;
    }, 60_000, 200);
    await sleep(1_500);

    await s.createService(nsA, 'web');
    await s.createService(nsA, 'dual', { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' });
    await s.createService(nsA, 'v6only', { ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack' });
    await s.createService(nsA, 'share1', { annotations: { 'metallb.io/allow-shared-ip': 'k' }, ports: [{ port: 80 }] });
    await s.waitIngress(nsA, 'share1');
    await s.createService(nsA, 'share2', { annotations: { 'metallb.io/allow-shared-ip': 'k' }, ports: [{ port: 443 }] });
    await s.createService(nsA, 'local', { externalTrafficPolicy: 'Local' });
    await s.createService(nsA, 'other', { loadBalancerClass: 'example.com/other' });
    await s.createService(nsA, 'outside', { annotations: { 'metallb.io/loadBalancerIPs': '198.51.100.99' } });
    await s.createService(nsA, 'inbig', { annotations: { 'metallb.io/loadBalancerIPs': '203.0.113.7' } });
    await s.createService(nsA, 'team1', { annotations: { 'metallb.io/address-pool': team } });
    await s.createService(nsB, 'askteam', { annotations: { 'metallb.io/address-pool': team } });
    await s.createService(nsA, 'noif', { annotations: { 'metallb.io/address-pool': s.name('noif') } });
    await s.createService(nsB, 'plain');
    await s.createService(nsB, 'nopool', { annotations: { 'metallb.io/address-pool': 'does-not-exist' } });
    for (const [ns, n] of [[nsA, 'web'], [nsA, 'dual'], [nsA, 'v6only'], [nsA, 'share2'], [nsA, 'team1'], [nsB, 'plain']] as const) await s.waitIngress(ns, n);
    for (const [ns, n] of [[nsA, 'outside'], [nsA, 'inbig'], [nsB, 'askteam'], [nsB, 'nopool']] as const) await s.waitEvent(ns, n, 'AllocationFailed');
    await s.waitEvent(nsA, 'noif', 'announceFailed', /interface eth9 missing/);
    // 500 Services in one namespace: 256 addresses (never advertised), the rest pending.
    const items = Array.from({ length: 500 }, (_, i) => ({
      apiVersion: 'v1', kind: 'Service', metadata: { name: `s${String(i).padStart(3, '0')}`, namespace: nsMany },
      spec: { type: 'LoadBalancer', ports: [{ port: 80 }], selector: { app: 'x' } },
    }));
    await s.k.ok(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
    await waitFor('256 assigned and 244 refused in many', async () => {
      const st = await statusJson(['-n', nsMany]);
      const assigned = st.rows.filter((r) => r.ips.length > 0).length;
      const exhausted = st.rows.filter((r) => r.problems.some((p) => p.code === 'pending' && p.detail === 'exhausted')).length;
      return assigned === 256 && exhausted === 244 ? true : undefined;
    }, 120_000, 1_000);
    // Every announced Service has its ServiceL2Status.
    await waitFor('announcements settled', async () => {
      const st = await statusJson(['-n', nsA]);
      return ['web', 'dual', 'v6only', 'share1', 'share2', 'team1'].every((n) => st.rows.find((r) => r.name === n)?.nodes.length === 1) ? true : undefined;
    }, 30_000, 500);
  }, 400_000);

  it('status: the announcing node is the elected one for every Service, other classes are not listed, exit 1', async () => {
    const r = await plugin(['status', '-o', 'json', '-n', nsA]);
    expect(r.code).toBe(1);
    const st = JSON.parse(r.stdout) as StatusJson;
    expect(st.rows.map((x) => x.name)).toEqual(['dual', 'inbig', 'local', 'noif', 'outside', 'share1', 'share2', 'team1', 'v6only', 'web']);
    for (const row of st.rows) if (row.nodes.length > 0) expect(row.nodes, row.name).toEqual([row.elected]);
    // The node excluded by label and the one outside the nodeSelectors never announce.
    for (const row of st.rows) expect(row.nodes).not.toContain(n3);
    const share = st.rows.filter((x) => x.name.startsWith('share'));
    expect(share[0]?.ips).toEqual(share[1]?.ips);
    expect(share[0]?.nodes).toEqual(share[1]?.nodes);
    const problems = Object.fromEntries(st.rows.map((x) => [x.name, x.problems.map((p) => `${p.code}(${p.detail})`)]));
    expect(problems).toMatchObject({ noif: ['not-announced(no-interface)'], local: ['not-announced(no-local-endpoints)'], outside: ['pending(ip-not-in-pool)'], inbig: ['pending(pool-not-allowed)'], web: [], dual: [] });
  });

  it("explain's owner is the node that answers ARP for the IP", async () => {
    for (const name of ['web', 'team1', 'share2']) {
      const r = await plugin(['explain', `svc/${name}`, '-n', nsA, '-o', 'json']);
      expect(r.code, name).toBe(0);
      const e = JSON.parse(r.stdout) as { ips: string[]; elected: string; announcedBy: { node: string; interfaces: string[] }[] };
      expect(e.announcedBy, name).toEqual([{ node: e.elected, interfaces: ['eth0'], since: expect.any(String) as unknown }]);
      const macs = await arpAnswerers(c, e.ips[0]!);
      expect(macs.map((m) => nodeOfMac(c, m)), name).toEqual([e.elected]);
    }
  });

  it('an advertised interface missing on the elected node: explain quotes its speaker', async () => {
    const r = await plugin(['explain', 'svc/noif', '-n', nsA]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ {2}The speaker on (node-\d) says: cannot announce 198\.51\.100\.172 from node "\1": interface eth9 missing or not eligible$/m);
    expect(r.stdout).toContain('Problems: not-announced(no-interface).');
  });

  it("the allocator's dry run says what the controller said, word for word", async () => {
    for (const [ns, name] of [[nsA, 'outside'], [nsA, 'inbig'], [nsB, 'askteam'], [nsB, 'nopool'], [nsMany, 's499']] as const) {
      const r = await plugin(['explain', `svc/${name}`, '-n', ns, '-o', 'json']);
      expect(r.code, name).toBe(1);
      const e = JSON.parse(r.stdout) as { allocation: { state: string; message: string; controllerSaid?: string } };
      expect(e.allocation.state).toBe('pending');
      const said = /^Failed to allocate IP for "[^"]+": (.*)$/.exec(e.allocation.controllerSaid ?? '')?.[1];
      expect(said, name).toBeDefined();
      expect(e.allocation.message, name).toContain(said);
    }
    const other = await plugin(['explain', 'svc/other', '-n', nsA]);
    expect(other.stdout).toContain('spec.loadBalancerClass is "example.com/other"');
  });

  it('pools: exact integer counts for an IPv6 /64 in json, full and not-advertised named', async () => {
    const r = await plugin(['pools', '-o', 'json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/"total": 18446744073709551616,\n\s*"used": 2,\n\s*"free": 18446744073709551614\n/);
    const table = await plugin(['pools']);
    expect(table.stdout).toMatch(new RegExp(`^${s.name('big')}\\s+203\\.0\\.113\\.0/24\\s+256/0\\s+-\\s+256\\s+<none>\\s+not-advertised,full$`, 'm'));
  });

  it('status of every Service (500+) stays fast (printed, not asserted)', async () => {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      const r = await plugin(['status', '-o', 'json']);
      times.push(Date.now() - t0);
      expect(r.code).toBe(1);
    }
    process.stderr.write(`kubectl ironlb status over ${(await statusJson()).rows.length} Services: ${times.join(', ')} ms (process start included)\n`);
  });

  it('contexts and kubeconfig lists: the context namespace for explain; a $KUBECONFIG list with a missing file works as with kubectl', async () => {
    const doc = JSON.parse(await s.k.ok(['config', 'view', '--raw', '-o', 'json'])) as { contexts: { name: string; context: Record<string, string> }[] };
    doc.contexts.push({ name: 'ns-a', context: { ...doc.contexts[0]!.context, namespace: nsA } });
    const kc2 = join(c.stateDir, `ke-${s.run}-kc2.json`);
    writeFileSync(kc2, JSON.stringify(doc));
    const byContext = await runPlugin(['explain', 'svc/web', '--context', 'ns-a', '--kubeconfig', kc2]);
    expect(byContext.code).toBe(0);
    expect(byContext.stdout).toContain(`Service ${nsA}/web `);
    const env = { ...process.env, KUBECONFIG: `/nonexistent/kubeconfig:${kc2}` };
    const listed = await runPlugin(['explain', 'svc/web', '--context', 'ns-a'], env);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect((await runPlugin(['status', '--context', 'nope', '--kubeconfig', kc2])).code).toBe(2);
  });

  it('NetworkUnavailable: the node is passed over, and explain says why', async () => {
    await setNetworkUnavailable(n2, true);
    await waitFor('team1 moved off the NetworkUnavailable node', async () => {
      const st = await statusJson(['-n', nsA]);
      return st.rows.find((r) => r.name === 'team1')?.nodes.join() === n1 ? true : undefined;
    }, 30_000, 500);
    const r = await plugin(['explain', 'svc/team1', '-n', nsA]);
    expect(r.stdout).toContain(`${n2}: not it — its NetworkUnavailable condition is True.`);
    expect(r.stdout).toContain(`Elected owner: ${n1}.`);
    const ip = (JSON.parse((await plugin(['explain', 'svc/team1', '-n', nsA, '-o', 'json'])).stdout) as { ips: string[] }).ips[0]!;
    expect((await arpAnswerers(c, ip)).map((m) => nodeOfMac(c, m))).toEqual([n1]);
  });

  it('strictARP off: the speakers refuse, and status and explain say so', async () => {
    await setKubeProxyConfig(t, 'ipvs', false);
    try {
      await waitFor('web withdrawn', async () => ((await statusJson(['-n', nsA])).rows.find((r) => r.name === 'web')?.nodes.length === 0 ? true : undefined), 30_000, 500);
      const st = await statusJson(['-n', nsA]);
      expect(st.rows.find((r) => r.name === 'web')?.problems.map((p) => `${p.code}(${p.detail})`)).toEqual(['not-announced(strict-arp)', 'strictARP(strict-arp-off)']);
      const e = await plugin(['explain', 'svc/web', '-n', nsA]);
      expect(e.stdout).toMatch(/does not announce it: kube-proxy runs in IPVS mode without strictARP, so the speakers refuse to announce/);
    } finally {
      await setKubeProxyConfig(t, 'ipvs', true);
    }
  });
});

describe('no CRDs', () => {
  it('every command exits 3; preflight still prints its checks', async () => {
    for (const sp of speakers.values()) {
      await sp.stop();
      writeFileSync(join(c.stateDir, `speaker-ke-${s.run}-${sp.node.name}.log`), sp.output());
    }
    speakers.clear();
    await s.close();
    await s.k(['delete', 'l2advertisement', s.name('sel'), s.name('noif'), '-n', PoolNamespace, '--ignore-not-found']);
    await s.k(['delete', 'servicel2statuses', '-n', PoolNamespace, '--all']);
    await s.k.ok(['delete', 'crd', 'servicel2statuses.metallb.io', 'l2advertisements.metallb.io', 'ipaddresspools.metallb.io', '--wait=true']);
    for (const argv of [['status'], ['pools'], ['explain', 'svc/web', '-n', 'default']]) {
      const r = await plugin(argv);
      expect(r.code, argv.join(' ')).toBe(3);
      expect(r.stderr).toContain('the metallb.io CRDs are not installed');
    }
    const pf = await plugin(['preflight']);
    expect(pf.code).toBe(3);
    expect(pf.stdout).toMatch(/^FAIL {2}crds {14}missing CustomResourceDefinitions: /m);
  });
});
