// The controller's only writes to Services and pools, behind a narrow port. Merge
// patches touch just our fields: ingress in the status subresource, our annotation in
// metadata, and the pool's status.
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { Annotations, MetallbGroup, MetallbVersion, MetallbResources } from '@ironlb/core';
import type { PoolStatus } from '../reconcile/pool-config.js';

export interface StatusWriter {
  setIngress(namespace: string, name: string, ips: readonly string[]): Promise<void>;
  setPoolAnnotation(namespace: string, name: string, pool: string | undefined): Promise<void>;
  setPoolStatus(namespace: string, name: string, status: PoolStatus): Promise<void>;
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function createStatusWriter(kc: KubeConfig, fieldManager: string): StatusWriter {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  return {
    async setIngress(namespace, name, ips) {
      const ingress = ips.length > 0 ? ips.map((ip) => ({ ip, ipMode: 'VIP' })) : null;
      await core.patchNamespacedServiceStatus({ namespace, name, fieldManager, body: { status: { loadBalancer: { ingress } } } }, merge);
    },
    async setPoolAnnotation(namespace, name, pool) {
      const body = { metadata: { annotations: { [Annotations.ipAllocatedFromPool]: pool ?? null } } };
      await core.patchNamespacedService({ namespace, name, fieldManager, body }, merge);
    },
    async setPoolStatus(namespace, name, status) {
      await custom.patchNamespacedCustomObjectStatus(
        { group: MetallbGroup, version: MetallbVersion, namespace, plural: MetallbResources.ipAddressPool.plural, name, fieldManager, body: { status } },
        merge,
      );
    },
  };
}
