// Static checks of what we ship for installs: the alert rules use metrics the components
// really export, the chart's copies (rules, CRDs) equal the originals, and the test-image
// builder reads the Dockerfiles right. The API server's verdict is test/e2e/install.e2e.test.ts.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { createControllerMetrics } from '../../packages/controller/src/metrics.js';
import { createSpeakerMetrics } from '../../packages/speaker/src/metrics.js';
import { repoRoot } from '../cluster/cluster.js';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
  annotations: { summary: string; description: string };
}
interface RuleSpec {
  groups: { name: string; rules: Rule[] }[];
}

const read = (p: string) => readFileSync(join(repoRoot, p), 'utf8');
const deployRules = () => (parse(read('deploy/prometheus/rules.yaml')) as { spec: RuleSpec }).spec;

describe('Prometheus alert rules', () => {
  it('cover pool exhaustion, address conflict, an IP with no announcer and strictARP refused', () => {
    const alerts = deployRules().groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(alerts).toEqual(expect.arrayContaining(['IronlbAddressPoolExhausted', 'IronlbAddressConflict', 'IronlbIPNotAnnounced', 'IronlbStrictARPRefused']));
    expect(new Set(alerts).size).toBe(alerts.length);
  });

  it('use only metric names the controller and speaker export', async () => {
    const exported = new Set<string>();
    for (const m of [createControllerMetrics(), createSpeakerMetrics()]) {
      for (const metric of m.registry.getMetricsAsArray()) exported.add(metric.name);
    }
    const used = deployRules().groups.flatMap((g) => g.rules.flatMap((r) => [...r.expr.matchAll(/\b(?:metallb|ironlb)_[a-z0-9_]+/g)].map((x) => ({ alert: r.alert, name: x[0] }))));
    expect(used.length).toBeGreaterThan(5);
    expect(used.filter((u) => !exported.has(u.name))).toEqual([]);
  });

  it('give every alert a severity, a summary and a description', () => {
    for (const r of deployRules().groups.flatMap((g) => g.rules)) {
      expect(['info', 'warning', 'critical'], r.alert).toContain(r.labels.severity);
      expect(r.annotations.summary.length, r.alert).toBeGreaterThan(10);
      expect(r.annotations.description.length, r.alert).toBeGreaterThan(10);
    }
  });

  it('are the same in the chart (files/prometheus-rules.yaml) as in deploy/prometheus/', () => {
    expect(parse(read('deploy/helm/ironlb/files/prometheus-rules.yaml'))).toEqual(deployRules());
  });
});

describe('the chart', () => {
  it('ships crds/ byte for byte', () => {
    const ours = readdirSync(join(repoRoot, 'crds')).filter((f) => f.endsWith('.yaml')).sort();
    expect(readdirSync(join(repoRoot, 'deploy/helm/ironlb/crds')).sort()).toEqual(ours);
    for (const f of ours) expect(read(`deploy/helm/ironlb/crds/${f}`), `${f}: after node crds/generate.mjs, cp crds/*.yaml deploy/helm/ironlb/crds/`).toBe(read(`crds/${f}`));
  });

  it('defaults its failover timings to the speaker DaemonSet args in deploy/', () => {
    const values = parse(read('deploy/helm/ironlb/values.yaml')) as { speaker: { failover: Record<string, number> } };
    const ds = parseAllDocuments(read('deploy/40-speaker.yaml')).map((d) => d.toJS() as { kind: string; spec: { template: { spec: { containers: { args: string[] }[] } } } }).find((d) => d.kind === 'DaemonSet')!;
    const args = ds.spec.template.spec.containers[0]!.args;
    const f = values.speaker.failover;
    expect(args).toEqual(expect.arrayContaining([`--heartbeat-interval=${f.heartbeatIntervalMs}`, `--dead-after=${f.deadAfterMs}`, `--lease-duration=${f.leaseDurationSeconds}`, `--handoff=${f.handoffMs}`, `--drain=${f.drainMs}`]));
  });
});

describe('crds/Kustomization', () => {
  it('lists every CRD file (so `kubectl apply -k deploy/` installs them all)', () => {
    const k = parse(read('crds/Kustomization')) as { resources: string[] };
    expect([...k.resources].sort()).toEqual(readdirSync(join(repoRoot, 'crds')).filter((f) => f.endsWith('.yaml')).sort());
  });
});
