// The controller's only writes to Services and pools, behind a narrow port. Merge
// patches touch just our fields: ingress in the status subresource, our annotations in
// metadata, and the pool's status. Every patch has a deadline and is aborted when it
// passes, so a write stuck on a hung API server cannot land after we stopped acting.
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { ErrorCodes, IronlbError, MetallbGroup, MetallbVersion, MetallbResources, abortableOptions, withDeadline, systemClock, type Clock } from '@ironlb/core';
import type { ConfigurationOptions } from '@kubernetes/client-node';
import type { PoolStatus } from '../reconcile/pool-config.js';

export interface StatusWriter {
  /** Sets status.loadBalancer.ingress ([] clears it); resolves to the Service's new resourceVersion. */
  setIngress(namespace: string, name: string, ips: readonly string[]): Promise<string | undefined>;
  /** Merge-patches metadata.annotations (null removes a key); resolves to the new resourceVersion. */
  setAnnotations(namespace: string, name: string, annotations: Readonly<Record<string, string | null>>): Promise<string | undefined>;
  setPoolStatus(namespace: string, name: string, status: PoolStatus): Promise<void>;
  /**
   * Leadership ended: aborts every write on the wire (its socket is closed, so it cannot
   * land later) and refuses new ones with IronlbError(KubeApi).
   */
  abortAll?(): void;
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Deadline of one status or annotation patch (ms). */
export const WRITE_DEADLINE_MS = 10_000;

export function createStatusWriter(kc: KubeConfig, fieldManager: string, clock: Clock = systemClock, deadlineMs = WRITE_DEADLINE_MS): StatusWriter {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const onWire = new Set<AbortController>();
  let aborted = false;
  /** One patch: aborted at its deadline or by abortAll(). */
  const callWithDeadline = async <T>(fn: (o: ConfigurationOptions) => Promise<T>, ms: number, what: string, c: Clock, base: ConfigurationOptions): Promise<T> => {
    if (aborted) throw new IronlbError(ErrorCodes.KubeApi, `${what}: not leading any more`);
    const ac = new AbortController();
    onWire.add(ac);
    try {
      return await withDeadline(fn(abortableOptions(ac.signal, base)), ms, what, c, () => ac.abort());
    } finally {
      onWire.delete(ac);
    }
  };
  return {
    abortAll() {
      aborted = true;
      for (const ac of onWire) ac.abort();
      onWire.clear();
    },
    async setIngress(namespace, name, ips) {
      const ingress = ips.length > 0 ? ips.map((ip) => ({ ip, ipMode: 'VIP' })) : null;
      const svc = await callWithDeadline((o) => core.patchNamespacedServiceStatus({ namespace, name, fieldManager, body: { status: { loadBalancer: { ingress } } } }, o), deadlineMs, `patch service status ${namespace}/${name}`, clock, merge);
      return svc.metadata?.resourceVersion;
    },
    async setAnnotations(namespace, name, annotations) {
      const svc = await callWithDeadline((o) => core.patchNamespacedService({ namespace, name, fieldManager, body: { metadata: { annotations } } }, o), deadlineMs, `patch service ${namespace}/${name}`, clock, merge);
      return svc.metadata?.resourceVersion;
    },
    async setPoolStatus(namespace, name, status) {
      await callWithDeadline(
        (o) => custom.patchNamespacedCustomObjectStatus(
          { group: MetallbGroup, version: MetallbVersion, namespace, plural: MetallbResources.ipAddressPool.plural, name, fieldManager, body: { status } },
          o,
        ),
        deadlineMs,
        `patch pool status ${namespace}/${name}`,
        clock,
        merge,
      );
    },
  };
}
