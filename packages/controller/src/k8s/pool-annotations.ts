// Persists each pool's last valid spec in the annotation ironlb.io/last-valid-spec (see
// reconcile/pool-config.ts for why an annotation). A merge patch of that one key: the
// user's own annotations, labels and spec are never touched, so `kubectl apply` and
// ours never fight. Changing metadata does not bump metadata.generation, so the write
// does not look like a spec change to the pool watch.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { MetallbGroup, MetallbResources, MetallbVersion, withDeadline, type Clock } from '@ironlb/core';
import { LastValidSpecAnnotation } from '../reconcile/pool-config.js';

export interface PoolAnnotationWriter {
  /** Sets (or with undefined removes) the pool's last-valid-spec annotation. Rejects on API errors or after the deadline. */
  setLastValidSpec(namespace: string, pool: string, value: string | undefined): Promise<void>;
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function createPoolAnnotationWriter(
  api: Pick<CustomObjectsApi, 'patchNamespacedCustomObject'> | KubeConfig,
  fieldManager: string,
  clock: Clock,
  deadlineMs = 10_000,
): PoolAnnotationWriter {
  const custom = 'makeApiClient' in api ? api.makeApiClient(CustomObjectsApi) : api;
  return {
    async setLastValidSpec(namespace, pool, value) {
      const body = { metadata: { annotations: { [LastValidSpecAnnotation]: value ?? null } } };
      await withDeadline(
        custom.patchNamespacedCustomObject({ group: MetallbGroup, version: MetallbVersion, plural: MetallbResources.ipAddressPool.plural, namespace, name: pool, fieldManager, body }, merge),
        deadlineMs,
        `patch ${MetallbResources.ipAddressPool.kind} ${namespace}/${pool} annotation ${LastValidSpecAnnotation}`,
        clock,
      );
    },
  };
}
