// Pods without a kubelet: created with spec.nodeName and given a Running/Ready status by
// hand, so the real EndpointSlice controller publishes them as a kubelet would.
import { stringify } from 'yaml';
import { applyYaml, kubectl, type KubectlTarget } from './kubectl.js';

export interface PodSpec {
  namespace: string;
  name: string;
  nodeName: string;
  podIP: string;
  labels: Record<string, string>;
  port?: number;
  ready?: boolean;
}

export async function createRunningPod(t: KubectlTarget, p: PodSpec): Promise<void> {
  await applyYaml(t, stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: p.name, namespace: p.namespace, labels: p.labels },
    spec: {
      nodeName: p.nodeName,
      containers: [{ name: 'app', image: 'registry.invalid/app:1', ports: [{ containerPort: p.port ?? 80 }] }],
    },
  }));
  await setPodReady(t, p, p.ready ?? true);
}

export async function setPodReady(t: KubectlTarget, p: Pick<PodSpec, 'namespace' | 'name' | 'podIP'>, ready: boolean) {
  const now = new Date().toISOString();
  const status = {
    status: {
      phase: 'Running',
      podIP: p.podIP,
      podIPs: [{ ip: p.podIP }],
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }],
    },
  };
  await kubectl(t, ['patch', 'pod', p.name, '-n', p.namespace, '--subresource=status', '--type=merge', '-p', JSON.stringify(status)]);
}
