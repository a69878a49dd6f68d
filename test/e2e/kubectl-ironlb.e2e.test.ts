// `kubectl ironlb` against a real scenario on the cluster-in-a-box: the controller and one
// speaker per node namespace run as processes with the shipped RBAC; Services are
// assigned and announced, pending (pool exhausted), refused (bad annotation), and Local
// without endpoints; two pools overlap; the owner's speaker is stopped so the IP fails
// over. The built plugin runs as a child process with the admin kubeconfig, and its
// outputs are compared with test/e2e/golden/kubectl-ironlb/ after normalising run ids and
// ages (IRONLB_UPDATE_GOLDEN=1 rewrites them). Addresses: 198.51.100.200-201, .212-.215.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setKubeProxyConfig } from '../cluster/bootstrap.js';
import { repoRoot } from '../cluster/cluster.js';
import { run, sleep, waitFor } from '../cluster/exec.js';
import { E2eScope, PoolNamespace } from './fixtures/controller.js';
import { docCommands } from '../docs/commands.js';
import { golden, normalise, normaliseJson, runPlugin, type PluginResult } from './fixtures/golden.js';
import { startSpeaker, type SpeakerProcess } from './fixtures/speakers.js';

const c = inject('cluster');
const s = new E2eScope(c, 'kp');
const t = { kubectl: c.kubectl, kubeconfig: c.kubeconfig };
const speakers = new Map<string, SpeakerProcess>();
let ns: string;
let poolA: string;
let poolB: string;
let firstOwner: string;
let secondOwner: string;
const adv = () => s.name('adv');
/** The run id becomes a fixed string of the same length, so table columns keep their width. */
const replace = () => ({ [s.run]: 'X'.repeat(s.run.length) });

const plugin = (args: string[]): Promise<PluginResult> => runPlugin([...args, '--kubeconfig', c.kubeconfig]);

async function kjson<T>(args: string[]): Promise<T> {
  return JSON.parse(await s.k.ok([...args, '-o', 'json'])) as T;
}

/** Nodes holding a ServiceL2Status for the Service. */
async function announcers(name: string): Promise<string[]> {
  const r = await kjson<{ items: { status?: { node?: string } }[] }>(['get', 'servicel2statuses', '-n', PoolNamespace, '-l', `metallb.io/service-name=${name},metallb.io/service-namespace=${ns}`]);
  return r.items.map((i) => i.status?.node ?? '').filter(Boolean).sort();
}

async function startAll(): Promise<void> {
  for (const n of c.nodes) if (!speakers.has(n.name)) speakers.set(n.name, await startSpeaker(c, n));
  await waitFor('a Lease per speaker', async () => {
    const r = await kjson<{ items: unknown[] }>(['get', 'leases', '-n', PoolNamespace, '-l', 'app.kubernetes.io/component=speaker-lease']);
    return r.items.length >= c.nodes.length ? true : undefined;
  }, 60_000, 200);
}

beforeAll(async () => {
  await setKubeProxyConfig(t, 'ipvs', true);
  await s.startLeader();
  ns = await s.createNamespace('svc');
  poolA = await s.pool('a', { addresses: ['198.51.100.200-198.51.100.201'], serviceAllocation: { namespaces: [ns] } });
  // Newer than poolA and listing .201 too (overlap), plus a CIDR with host bits set; only
  // for a namespace that does not exist, so it never serves this file's Services.
  await sleep(1_100); // creationTimestamp has 1 s resolution: make poolA the senior pool
  poolB = await s.pool('b', { addresses: ['198.51.100.201/32', '198.51.100.213/30'], serviceAllocation: { namespaces: [`${ns}-nobody`] } });
  await s.k.ok(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: { name: adv(), namespace: PoolNamespace }, spec: { ipAddressPools: [poolA, poolB] } }) });
  await startAll();
  await sleep(1_500);

  await s.createService(ns, 'web');
  expect(await s.waitIngress(ns, 'web')).toEqual(['198.51.100.200']);
  await s.createService(ns, 'local', { externalTrafficPolicy: 'Local' });
  expect(await s.waitIngress(ns, 'local')).toEqual(['198.51.100.201']);
  await s.createService(ns, 'pending');
  await s.createService(ns, 'bad', { annotations: { 'metallb.io/loadBalancerIPs': '198.51.100.300' } });
  await s.waitEvent(ns, 'pending', 'AllocationFailed');
  await s.waitEvent(ns, 'bad', 'AllocationFailed');

  // Fail over: stop web's owner gracefully; the next node in election order takes over.
  firstOwner = await waitFor('web announced by one node', async () => {
    const a = await announcers('web');
    return a.length === 1 ? a[0] : undefined;
  }, 30_000, 200);
  await s.waitEvent(ns, 'web', 'nodeAssigned', new RegExp(`"${firstOwner}"`));
  await speakers.get(firstOwner)!.stop('SIGTERM');
  speakers.delete(firstOwner);
  secondOwner = await waitFor('web announced by another node', async () => {
    const a = await announcers('web');
    return a.length === 1 && a[0] !== firstOwner ? a[0] : undefined;
  }, 30_000, 200);
  await s.waitEvent(ns, 'web', 'nodeAssigned', new RegExp(`"${secondOwner}"`));
  await waitFor(`${firstOwner}'s Lease gone`, async () => {
    const r = await s.k(['get', 'lease', `ironlb-speaker-${firstOwner}`, '-n', PoolNamespace]);
    return r.code !== 0 ? true : undefined;
  }, 20_000, 200);
}, 240_000);

afterAll(async () => {
  for (const sp of speakers.values()) {
    await sp.stop();
    writeFileSync(join(c.stateDir, `speaker-kp-${s.run}-${sp.node.name}.log`), sp.output());
  }
  await s.close();
  await s.k(['delete', 'l2advertisement', adv(), '-n', PoolNamespace, '--ignore-not-found']);
  await s.k(['delete', 'servicel2statuses', '-n', PoolNamespace, '--all']);
  await setKubeProxyConfig(t, 'ipvs', true);
});

/** Keeps only the table rows (and detail lines) about this file's pools. */
const ownPools = (text: string) => text.split('\n').filter((l, i) => i === 0 || l === '' || l.includes(`kp-${'X'.repeat(s.run.length)}-`)).join('\n');

describe('kubectl ironlb on a live scenario (golden outputs)', () => {
  it('status: one row per Service with IPs, pool, node, interfaces, since and problems; exit 1 as problems exist', async () => {
    const r = await plugin(['status', '-n', ns]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const got = normalise(r.stdout, replace());
    expect(got).toBe(golden('kubectl-ironlb/status.txt', got));
    // The row of web names the node the speakers really announce from.
    expect(r.stdout).toMatch(new RegExp(`web\\s+198\\.51\\.100\\.200\\s+${poolA}\\s+${secondOwner}\\s+eth0\\s+\\d+[smh]\\S*\\s+-`));
  });

  it('status -o wide and -o json', async () => {
    const wide = await plugin(['status', '-n', ns, '-o', 'wide']);
    const w = normalise(wide.stdout, replace());
    expect(w).toBe(golden('kubectl-ironlb/status-wide.txt', w));
    const json = await plugin(['status', '-n', ns, '-o', 'json']);
    const j = normaliseJson(json.stdout, replace());
    expect(j).toBe(golden('kubectl-ironlb/status.json', j));
    const yaml = await plugin(['status', '-n', ns, '-o', 'yaml']);
    expect(yaml.code).toBe(1);
    expect(yaml.stdout).toMatch(/^kind: StatusReport\n/);
  });

  it('explain svc/web: the failed-over owner, the stopped node ranked above it, the last failover; exit 0', async () => {
    const r = await plugin(['explain', 'svc/web', '-n', ns]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const got = normalise(r.stdout, replace());
    expect(got).toBe(golden('kubectl-ironlb/explain-web.txt', got));
    expect(r.stdout).toContain(`1. ${firstOwner}: not it — no speaker Lease for it in metallb-system`);
    expect(r.stdout).toMatch(new RegExp(`Last failover: ${firstOwner} → ${secondOwner}, `));
  });

  it.each([
    ['pending', 'explain-pending.txt'],
    ['bad', 'explain-bad.txt'],
    ['local', 'explain-local.txt'],
  ])('explain svc/%s says why; exit 1', async (name, file) => {
    const r = await plugin(['explain', `svc/${name}`, '-n', ns]);
    expect(r.code).toBe(1);
    const got = normalise(r.stdout, replace());
    expect(got).toBe(golden(`kubectl-ironlb/${file}`, got));
  });

  it('pools: used/free per family, Services, advertisements, overlap and host bits; exit 1', async () => {
    const r = await plugin(['pools', '-o', 'wide']);
    expect(r.code).toBe(1);
    const got = ownPools(normalise(r.stdout, replace()));
    expect(got).toBe(golden('kubectl-ironlb/pools.txt', got));
  });

  it('preflight: a pass/fail line per check; the stopped speaker fails it; exit 1', async () => {
    const r = await plugin(['preflight']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^FAIL  speakers .*: ${firstOwner}$`, 'm'));
    expect(r.stdout).toMatch(/^PASS {2}strictARP /m);
    expect(r.stdout).toMatch(/^FAIL {2}pool-overlap /m);
  });
});

describe('kubectl ironlb exit codes', () => {
  it('2 for a usage error, an unknown Service, a non-LoadBalancer; 3 when the API cannot be reached', async () => {
    expect((await plugin(['status', '-o', 'xml'])).code).toBe(2);
    const missing = await plugin(['explain', 'svc/nope', '-n', ns]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`Service "nope" not found in namespace "${ns}"`);
    await s.createService(ns, 'cip', { type: 'ClusterIP' });
    expect((await plugin(['explain', 'svc/cip', '-n', ns])).code).toBe(2);
    const bad = join(c.stateDir, 'kp-unreachable.kubeconfig');
    writeFileSync(bad, [
      'apiVersion: v1', 'kind: Config',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]',
      'users: [{name: u, user: {token: x}}]',
      'contexts: [{name: x, context: {cluster: c, user: u}}]', 'current-context: x', '',
    ].join('\n'));
    const down = await runPlugin(['status', '--kubeconfig', bad, '--request-timeout', '2']);
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/^error: cannot /);
    expect((await plugin(['status', '--context', 'nope'])).code).toBe(2);
  });
});

describe('as a kubectl plugin', () => {
  it('kubectl finds kubectl-ironlb on PATH and passes the command line through', async () => {
    const bin = join(c.stateDir, `kp-${s.run}-bin`);
    mkdirSync(bin, { recursive: true });
    const wrapper = join(bin, 'kubectl-ironlb');
    writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot, 'packages/cli/dist/main.js')}" "$@"\n`, { mode: 0o755 });
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
    const r = await run(c.kubectl, ['ironlb', 'explain', 'svc/web', '-n', ns, '--kubeconfig', c.kubeconfig], { env, allowFail: true });
    expect(r.code).toBe(0);
    expect(normalise(r.stdout, replace())).toBe(golden('kubectl-ironlb/explain-web.txt', normalise(r.stdout, replace())));
    const help = await run(c.kubectl, ['ironlb', '--help'], { env, allowFail: true });
    expect(help.stdout).toContain('kubectl ironlb - which node has my IP, and why');
  });
});

describe('docs/troubleshooting.md', () => {
  it('every command it shows runs on this scenario (kubectl ironlb: exit 0 or 1 = problems found; kubectl: exit 0)', async () => {
    const bin = join(c.stateDir, `kp-${s.run}-bin`);
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'kubectl-ironlb'), `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot, 'packages/cli/dist/main.js')}" "$@"\n`, { mode: 0o755 });
    writeFileSync(join(bin, 'kubectl'), `#!/bin/sh\nexec "${c.kubectl}" "$@"\n`, { mode: 0o755 });
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, KUBECONFIG: c.kubeconfig };
    const fill: Record<string, string> = { '<namespace>': ns, '<service>': 'web', '<node>': secondOwner, '<ip>': '198.51.100.200' };
    const commands = docCommands(join(repoRoot, 'docs/troubleshooting.md'), 'docs/troubleshooting.md');
    expect(commands.length).toBeGreaterThan(10);
    for (const { command, line } of commands) {
      const filled = command.replace(/<[a-z]+>/g, (p) => fill[p] ?? p);
      expect(filled, `troubleshooting.md:${line} has an unknown placeholder`).not.toMatch(/<[a-z]+>/);
      const r = await run('sh', ['-c', filled], { env, allowFail: true });
      const ok = filled.startsWith('kubectl ironlb ') ? r.code === 0 || r.code === 1 : r.code === 0;
      expect(ok, `troubleshooting.md:${line}: \`${filled}\` exited ${r.code}: ${r.stderr}`).toBe(true);
      expect(r.stderr, `troubleshooting.md:${line}: \`${filled}\``).not.toMatch(/^error: (unknown|usage)/im);
      if (filled.startsWith('kubectl ironlb ')) expect(r.stdout.trim(), filled).not.toBe('');
    }
    // The failover section's Event query finds the failover this scenario made.
    const moved = await run('sh', ['-c', `kubectl get events -n ${ns} --field-selector reason=nodeAssigned`], { env });
    expect(moved.stdout).toContain(secondOwner);
  });
});

describe('kubectl ironlb preflight --fix', () => {
  it('sets ipvs.strictARP in kube-proxy’s ConfigMap and keeps every other field and key', async () => {
    // A ConfigMap as kubeadm writes it: more fields, a comment, a second key.
    const conf = [
      'apiVersion: kubeproxy.config.k8s.io/v1alpha1',
      '# managed by kubeadm',
      'kind: KubeProxyConfiguration',
      'mode: ipvs',
      'ipvs:',
      '  scheduler: "rr"',
      '  strictARP: false',
      'clusterCIDR: 10.244.0.0/16',
      '',
    ].join('\n');
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-proxy', namespace: 'kube-system', labels: { app: 'kube-proxy' } }, data: { 'config.conf': conf, 'kubeconfig.conf': 'apiVersion: v1\nkind: Config\n' } };
    await s.k.ok(['apply', '-f', '-'], { input: JSON.stringify(cm) });
    // Every speaker back, so only strictARP fails.
    await startAll();
    await waitFor('preflight failing on strictARP only', async () => {
      const r = await plugin(['preflight']);
      return r.code === 1 && (r.stdout.match(/^FAIL /gm) ?? []).length === 2 && /^FAIL {2}strictARP /m.test(r.stdout) ? true : undefined;
    }, 30_000, 500);
    const before = await plugin(['preflight']);
    expect(normalise(before.stdout, replace())).toBe(golden('kubectl-ironlb/preflight.txt', normalise(before.stdout, replace())));

    const fixed = await plugin(['preflight', '--fix']);
    expect(fixed.stdout).toContain('--fix: set ipvs.strictARP: true in ConfigMap kube-system/kube-proxy (key config.conf)');
    expect(fixed.stdout).toContain('kubectl -n kube-system rollout restart daemonset kube-proxy');
    expect(fixed.stdout).toMatch(/^PASS {2}strictARP /m);
    const got = normalise(fixed.stdout, replace());
    expect(got).toBe(golden('kubectl-ironlb/preflight-fix.txt', got));

    const after = await kjson<{ metadata: { labels?: Record<string, string> }; data: Record<string, string> }>(['get', 'configmap', 'kube-proxy', '-n', 'kube-system']);
    expect(after.data['config.conf']).toBe(conf.replace('strictARP: false', 'strictARP: true'));
    expect(after.data['kubeconfig.conf']).toBe('apiVersion: v1\nkind: Config\n');
    expect(after.metadata.labels).toEqual({ app: 'kube-proxy' });
    // Idempotent: a second --fix changes nothing.
    const again = await plugin(['preflight', '--fix']);
    expect(again.stdout).toContain('--fix: nothing to change');
  });
});
