// Installing on a real cluster: `kubectl apply -k deploy/` and the Helm chart, judged by
// the cluster-in-a-box's API server (there is no kubelet, so pods never start: objects
// must be accepted and exist). Both install exactly the RBAC the e2e suites run the
// components with (they apply deploy/10-controller-rbac.yaml and 30-speaker-rbac.yaml),
// and the chart's defaults are the kustomize install, so neither can drift.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { repoRoot } from '../cluster/cluster.js';
import { run } from '../cluster/exec.js';
import { kubectlFor } from './fixtures/kubectl.js';

const c = inject('cluster');
const k = kubectlFor(c);
const chart = join(repoRoot, 'deploy/helm/ironlb');
let helm: string;

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  rules?: unknown[];
  roleRef?: unknown;
  subjects?: unknown[];
  [k: string]: unknown;
}

const docs = (text: string): Obj[] => parseAllDocuments(text).map((d) => d.toJS() as Obj | null).filter((o): o is Obj => o !== null);
const fileObjects = (f: string) => docs(readFileSync(join(repoRoot, f), 'utf8'));
const id = (o: Obj) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const rbacKinds = new Set(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);
/** What a piece of RBAC grants: everything but labels and annotations. */
const grant = (o: Obj) => ({ id: id(o), rules: o.rules, roleRef: o.roleRef, subjects: o.subjects });
const byId = (objs: Obj[]) => [...objs].sort((a, b) => (id(a) < id(b) ? -1 : 1));

async function helmTemplate(args: string[] = []): Promise<string> {
  return (await run(helm, ['template', 'ironlb', chart, '--namespace', 'metallb-system', ...args])).stdout;
}

beforeAll(async () => {
  helm = (await run('bash', [join(repoRoot, 'test/cluster/build-helm.sh')], { timeoutMs: 900_000 })).stdout.trim().split('\n').at(-1)!;
}, 900_000);

describe('kubectl apply -k deploy/', () => {
  let built: Obj[];
  const applied: Obj[] = [];

  beforeAll(async () => {
    built = docs(await k.ok(['kustomize', join(repoRoot, 'deploy')]));
  });

  afterAll(async () => {
    // The workloads only: namespace, CRDs and RBAC are shared with every other suite.
    for (const o of applied.filter((x) => ['Deployment', 'DaemonSet', 'PodDisruptionBudget'].includes(x.kind))) {
      await k(['delete', o.kind.toLowerCase(), o.metadata.name, '-n', o.metadata.namespace!, '--ignore-not-found', '--wait=false']);
    }
  });

  it('builds exactly the CRDs in crds/ and the objects of the deploy/ files the e2e suites apply, untransformed', () => {
    const files = ['00-namespace.yaml', '10-controller-rbac.yaml', '20-controller.yaml', '30-speaker-rbac.yaml', '40-speaker.yaml'];
    const crds = ['metallb.io_ipaddresspools.yaml', 'metallb.io_l2advertisements.yaml', 'metallb.io_servicel2statuses.yaml'].flatMap((f) => fileObjects(`crds/${f}`));
    expect(byId(built)).toEqual(byId([...crds, ...files.flatMap((f) => fileObjects(`deploy/${f}`))]));
  });

  it('is accepted by the API server, and every object then exists', async () => {
    const out = await k.ok(['apply', '-k', join(repoRoot, 'deploy')]);
    applied.push(...built);
    for (const o of built) {
      const group = o.apiVersion.includes('/') ? `.${o.apiVersion.split('/')[0]}` : '';
      const args = ['get', `${o.kind.toLowerCase()}${group}`, o.metadata.name, '-o', 'json'];
      if (o.metadata.namespace) args.push('-n', o.metadata.namespace);
      const got = JSON.parse(await k.ok(args)) as Obj;
      expect(got.metadata.name, id(o)).toBe(o.metadata.name);
    }
    expect(out).toMatch(/deployment\.apps\/ironlb-controller (created|configured|unchanged)/);
  });

  it('gives the controller 2 replicas with leader election, a PodDisruptionBudget, and hardened pods', async () => {
    const d = JSON.parse(await k.ok(['get', 'deployment', 'ironlb-controller', '-n', 'metallb-system', '-o', 'json'])) as { spec: { replicas: number; template: { spec: PodSpec } } };
    expect(d.spec.replicas).toBe(2);
    const ctr = d.spec.template.spec.containers[0]!;
    expect(ctr.args).toEqual(expect.arrayContaining(['--namespace=$(POD_NAMESPACE)', expect.stringMatching(/^--lease-duration=\d+$/)]));
    expect(ctr.env.find((e) => e.name === 'POD_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
    expect(d.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    expect(ctr.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(ctr.resources).toMatchObject({ requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { memory: expect.any(String) } });
    expect(ctr.livenessProbe?.httpGet).toMatchObject({ path: '/healthz', port: 'monitoring' });
    expect(ctr.readinessProbe?.httpGet).toMatchObject({ path: '/readyz', port: 'monitoring' });
    const pdb = JSON.parse(await k.ok(['get', 'pdb', 'ironlb-controller', '-n', 'metallb-system', '-o', 'json'])) as { spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } };
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'ironlb', 'app.kubernetes.io/component': 'controller' });
  });

  it('runs the speaker on every node: hostNetwork, NET_RAW only, read-only root, probes, limits, control-plane tolerations, node name from the downward API', async () => {
    const ds = JSON.parse(await k.ok(['get', 'daemonset', 'ironlb-speaker', '-n', 'metallb-system', '-o', 'json'])) as { spec: { template: { spec: PodSpec } } };
    const pod = ds.spec.template.spec;
    expect(pod.hostNetwork).toBe(true);
    expect(pod.tolerations).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' })]));
    const ctr = pod.containers[0]!;
    expect(ctr.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], add: ['NET_RAW'] } });
    expect(ctr.env.find((e) => e.name === 'NODE_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe('spec.nodeName');
    expect(ctr.livenessProbe?.httpGet).toMatchObject({ path: '/healthz', port: 'monitoring' });
    expect(ctr.readinessProbe?.httpGet).toMatchObject({ path: '/readyz', port: 'monitoring' });
    expect(ctr.resources).toMatchObject({ requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { memory: expect.any(String) } });
  });
});

interface PodSpec {
  hostNetwork?: boolean;
  tolerations?: unknown[];
  securityContext?: Record<string, unknown>;
  containers: {
    args: string[];
    env: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
    securityContext?: Record<string, unknown>;
    resources?: Record<string, unknown>;
    livenessProbe?: { httpGet?: Record<string, unknown> };
    readinessProbe?: { httpGet?: Record<string, unknown> };
    image: string;
  }[];
}

describe('the Helm chart (deploy/helm/ironlb)', () => {
  const toggles = ['--set', 'metrics.serviceMonitor.enabled=true', '--set', 'metrics.prometheusRule.enabled=true'];

  it('passes helm lint, with default values and with every toggle on', async () => {
    for (const args of [[], toggles]) {
      const r = await run(helm, ['lint', '--strict', chart, ...args], { allowFail: true });
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
  });

  it('installs exactly the RBAC of deploy/ (what the e2e suites run with), for any release namespace', async () => {
    const ours = ['deploy/10-controller-rbac.yaml', 'deploy/30-speaker-rbac.yaml'].flatMap(fileObjects).filter((o) => rbacKinds.has(o.kind));
    const rendered = docs(await helmTemplate()).filter((o) => rbacKinds.has(o.kind));
    expect(byId(rendered).map(grant)).toEqual(byId(ours).map(grant));
    // In another namespace, the namespaced objects and the subjects follow the release.
    const elsewhere = docs(await helmTemplate(['--namespace', 'lb-system'])).filter((o) => rbacKinds.has(o.kind));
    const moved = JSON.parse(JSON.stringify(ours).replaceAll('"metallb-system"', '"lb-system"')) as Obj[];
    expect(byId(elsewhere).map(grant)).toEqual(byId(moved).map(grant));
  });

  it('renders, with default values, the Deployment, PodDisruptionBudget and DaemonSet of deploy/', async () => {
    const rendered = docs(await helmTemplate()).filter((o) => ['Deployment', 'DaemonSet', 'PodDisruptionBudget'].includes(o.kind));
    const ours = ['deploy/20-controller.yaml', 'deploy/40-speaker.yaml'].flatMap(fileObjects);
    expect(byId(rendered).map((o) => ({ id: id(o), spec: o.spec }))).toEqual(byId(ours).map((o) => ({ id: id(o), spec: o.spec })));
  });

  it('is accepted by the API server (server-side dry run), CRDs included', async () => {
    const r = await k(['apply', '--dry-run=server', '-f', '-'], { input: await helmTemplate(['--include-crds']) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/daemonset\.apps\/ironlb-speaker (created|configured|unchanged) \(server dry run\)/);
  });

  it('with every value set, renders them where they belong, and the API server accepts it', async () => {
    const text = await helmTemplate([
      ...toggles,
      '--set', 'image.speaker.repository=registry.example/ironlb/speaker', '--set', 'image.speaker.tag=9.9.9', '--set', 'image.speaker.pullPolicy=Always',
      '--set', 'logLevel=debug', '--set', 'loadBalancerClass=example.com/lb',
      '--set', 'speaker.failover.heartbeatIntervalMs=50', '--set', 'speaker.failover.deadAfterMs=200', '--set', 'speaker.failover.drainMs=8000',
      '--set', 'speaker.strictArp=warn', '--set', 'speaker.nodeSelector.pool=edge',
      '--set', 'controller.replicas=3', '--set', 'controller.leaseDurationSeconds=30',
      '--set', 'metrics.speakerPort=9473', '--set', 'metrics.prometheusRule.labels.release=prom',
    ]);
    const objs = docs(text);
    const ds = objs.find((o) => o.kind === 'DaemonSet') as unknown as { spec: { template: { spec: PodSpec & { nodeSelector: Record<string, string>; terminationGracePeriodSeconds: number } } } };
    const sp = ds.spec.template.spec;
    expect(sp.containers[0]!.image).toBe('registry.example/ironlb/speaker:9.9.9');
    expect(sp.containers[0]!.args).toEqual(expect.arrayContaining(['--log-level=debug', '--heartbeat-interval=50', '--dead-after=200', '--drain=8000', '--strict-arp=warn', '--lb-class=example.com/lb', '--metrics-addr=:9473']));
    expect(sp.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', pool: 'edge' });
    // Longer than the drain, so peers take over before the kubelet kills it.
    expect(sp.terminationGracePeriodSeconds).toBeGreaterThan(8);
    const dep = objs.find((o) => o.kind === 'Deployment') as unknown as { spec: { replicas: number; template: { spec: PodSpec } } };
    expect(dep.spec.replicas).toBe(3);
    expect(dep.spec.template.spec.containers[0]!.args).toEqual(expect.arrayContaining(['--lease-duration=30', '--lb-class=example.com/lb', '--log-level=debug']));
    // ServiceMonitors select the Services that select the pods.
    const monitors = objs.filter((o) => o.kind === 'ServiceMonitor');
    expect(monitors.map((m) => m.metadata.name).sort()).toEqual(['ironlb-controller', 'ironlb-speaker']);
    for (const m of monitors) {
      const sel = (m.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
      const svc = objs.find((o) => o.kind === 'Service' && Object.entries(sel).every(([key, v]) => o.metadata.labels?.[key] === v));
      expect(svc, m.metadata.name).toBeDefined();
    }
    expect(objs.find((o) => o.kind === 'Service' && o.metadata.name === 'ironlb-speaker-monitor')?.spec).toMatchObject({ ports: [{ port: 9473, targetPort: 'monitoring' }] });
    const rule = objs.find((o) => o.kind === 'PrometheusRule')!;
    expect(rule.metadata.labels?.release).toBe('prom');
    expect(rule.spec).toEqual((parse(readFileSync(join(repoRoot, 'deploy/prometheus/rules.yaml'), 'utf8')) as Obj).spec);
    // No Prometheus Operator CRDs on the cluster-in-a-box: everything else goes to the API server.
    const rest = objs.filter((o) => !o.apiVersion.startsWith('monitoring.coreos.com/'));
    const r = await k(['apply', '--dry-run=server', '-f', '-'], { input: rest.map((o) => JSON.stringify(o)).join('\n') });
    expect(r.code, r.stderr).toBe(0);
  });

  it.each([
    [['--set', 'logLevel=loud'], 'logLevel: "loud" is not one of'],
    [['--set', 'speaker.failover.deadAfterMs=100'], 'speaker.failover.deadAfterMs: 100 must be at least 3 x heartbeatIntervalMs (300)'],
    [['--set', 'speaker.strictArp=off'], 'speaker.strictArp: "off" is not one of enforce, warn'],
  ])('refuses %j with an error naming the value', async (args, message) => {
    const r = await run(helm, ['template', 'ironlb', chart, ...args], { allowFail: true });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(message);
  });
});

describe('deploy/prometheus/', () => {
  it('builds with kustomize and its Services are accepted by the API server', async () => {
    const objs = docs(await k.ok(['kustomize', join(repoRoot, 'deploy/prometheus')]));
    expect(objs.map((o) => o.kind).sort()).toEqual(['PrometheusRule', 'Service', 'Service', 'ServiceMonitor', 'ServiceMonitor']);
    const services = objs.filter((o) => o.kind === 'Service');
    const r = await k(['apply', '--dry-run=server', '-f', '-'], { input: services.map((o) => JSON.stringify(o)).join('\n') });
    expect(r.code, r.stderr).toBe(0);
  });
});
