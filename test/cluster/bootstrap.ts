// Objects a real cluster would have that no kubelet or kube-proxy creates here: Node
// objects for every netlab node (the EndpointSlice controller skips pods on unknown
// nodes) and kube-proxy's ConfigMap, which the strictARP preflight reads.
import { stringify } from 'yaml';
import { applyYaml, kubectl, type KubectlTarget } from './kubectl.js';
import type { NodePlan } from '../netlab/plan.js';

export async function createNodes(t: KubectlTarget, nodes: NodePlan[]): Promise<void> {
  const docs = nodes.map((n) => stringify({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux' } },
  }));
  await applyYaml(t, docs.join('---\n'));
  for (const n of nodes) {
    const status = {
      status: {
        addresses: [
          { type: 'InternalIP', address: n.ip },
          { type: 'InternalIP', address: n.ipv6 },
          { type: 'Hostname', address: n.name },
        ],
        conditions: [{
          type: 'Ready', status: 'True', reason: 'NetlabNode', message: 'node namespace is up',
          lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString(),
        }],
      },
    };
    await kubectl(t, ['patch', 'node', n.name, '--subresource=status', '--type=merge', '-p', JSON.stringify(status)]);
  }
}

/** kube-proxy's own configuration format (KubeProxyConfiguration), as kubeadm writes it. */
export function kubeProxyConfigMap(mode: 'ipvs' | 'iptables' | 'nftables', strictARP: boolean): string {
  const conf = stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode,
    ipvs: { strictARP },
  });
  return stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'kube-proxy', namespace: 'kube-system' },
    data: { 'config.conf': conf },
  });
}

export async function setKubeProxyConfig(t: KubectlTarget, mode: 'ipvs' | 'iptables' | 'nftables', strictARP: boolean) {
  await applyYaml(t, kubeProxyConfigMap(mode, strictARP));
}
