// The controller's only writes to Services and pools, behind a narrow port. Merge
// patches touch just our fields: ingress in the status subresource, our annotations in
// metadata, and the pool's status.
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { MetallbGroup, MetallbVersion, MetallbResources } from '@ironlb/core';
import type { PoolStatus } from '../reconcile/pool-config.js';

export interface StatusWriter {
  /** Sets status.loadBalancer.ingress ([] clears it); resolves to the Service's new resourceVersion. */
  setIngress(namespace: string, name: string, ips: readonly string[]): Promise<string | undefined>;
  /** Merge-patches metadata.annotations (null removes a key); resolves to the new resourceVersion. */
  setAnnotations(namespace: string, name: string, annotations: Readonly<Record<string, string | null>>): Promise<string | undefined>;
  setPoolStatus(namespace: string, name: string, status: PoolStatus): Promise<void>;
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function createStatusWriter(kc: KubeConfig, fieldManager: string): StatusWriter {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  return {
    async setIngress(namespace, name, ips) {
      const ingress = ips.length > 0 ? ips.map((ip) => ({ ip, ipMode: 'VIP' })) : null;
      const svc = await core.patchNamespacedServiceStatus({ namespace, name, fieldManager, body: { status: { loadBalancer: { ingress } } } }, merge);
      return svc.metadata?.resourceVersion;
    },
    async setAnnotations(namespace, name, annotations) {
      const svc = await core.patchNamespacedService({ namespace, name, fieldManager, body: { metadata: { annotations } } }, merge);
      return svc.metadata?.resourceVersion;
    },
    async setPoolStatus(namespace, name, status) {
      await custom.patchNamespacedCustomObjectStatus(
        { group: MetallbGroup, version: MetallbVersion, namespace, plural: MetallbResources.ipAddressPool.plural, name, fieldManager, body: { status } },
        merge,
      );
    },
  };
}
