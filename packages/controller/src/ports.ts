// The controller's API clients, as the narrow ports the reconcile loop uses: informers
// (the core one) over Services, Namespaces, pools and L2Advertisements, one fresh LIST of Services, the
// status writer and the Event recorder. createKubePorts builds them on client-node;
// tests can hand createController their own, or the real ones on another identity.
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type KubernetesListObject, type KubernetesObject, type V1Namespace, type V1Service } from '@kubernetes/client-node';
import { callWithDeadline, createEventRecorder, watchResource, MetallbGroup, MetallbResources, MetallbVersion, type ChangeType, type Clock, type EventRecorder, type Logger, type Watched } from '@ironlb/core';
import { createStatusWriter, type StatusWriter } from './k8s/status-writer.js';
import { createPoolAnnotationWriter, type PoolAnnotationWriter } from './k8s/pool-annotations.js';

export interface WatchHandlers<T> {
  onChange: (type: ChangeType, obj: T) => void;
  /** After every (re)list: whatever a missed event would have said is in the cache now. */
  onRelisted?: () => void;
}

export interface ControllerPorts {
  /** Services of every namespace. */
  watchServices(h: WatchHandlers<V1Service>): Watched<V1Service>;
  watchNamespaces(h: WatchHandlers<V1Namespace>): Watched<V1Namespace>;
  /** IPAddressPools of `namespace`, as plain JSON (core's IPAddressPool shape). */
  watchPools(namespace: string, h: WatchHandlers<KubernetesObject>): Watched<KubernetesObject>;
  /** L2Advertisements of `namespace`, as plain JSON (only to report IPs nobody announces). */
  watchAdvertisements(namespace: string, h: WatchHandlers<KubernetesObject>): Watched<KubernetesObject>;
  /** A fresh LIST of every Service (take-over re-claims from it, not from a cache). */
  listServices(): Promise<V1Service[]>;
  writer: StatusWriter;
  /** Writes `ironlb.io/last-valid-spec` on pools. */
  poolAnnotations: PoolAnnotationWriter;
  events: EventRecorder;
}

/** Deadline of the take-over LIST (ms): a hung API server fails the take-over instead of stalling it. */
const LIST_DEADLINE_MS = 30_000;

export function createKubePorts(kc: KubeConfig, o: { identity: string; clock: Clock; log: Logger; fieldManager?: string }): ControllerPorts {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const component = o.fieldManager ?? 'ironlb-controller';
  const base = { kc, clock: o.clock, log: o.log };
  /** A metallb.io/v1beta1 resource of `namespace`, as plain JSON. */
  const watchMetallb = (plural: string, namespace: string, h: WatchHandlers<KubernetesObject>) =>
    watchResource<KubernetesObject>({
      ...base,
      ...h,
      path: `/apis/${MetallbGroup}/${MetallbVersion}/namespaces/${namespace}/${plural}`,
      list: async () => (await custom.listNamespacedCustomObject({ group: MetallbGroup, version: MetallbVersion, namespace, plural })) as KubernetesListObject<KubernetesObject>,
    });
  return {
    watchServices: (h) => watchResource<V1Service>({ ...base, ...h, path: '/api/v1/services', list: () => core.listServiceForAllNamespaces() }),
    watchNamespaces: (h) => watchResource<V1Namespace>({ ...base, ...h, path: '/api/v1/namespaces', list: () => core.listNamespace() }),
    watchPools: (namespace, h) => watchMetallb(MetallbResources.ipAddressPool.plural, namespace, h),
    watchAdvertisements: (namespace, h) => watchMetallb(MetallbResources.l2Advertisement.plural, namespace, h),
    listServices: async () => (await callWithDeadline((opts) => core.listServiceForAllNamespaces({}, opts), LIST_DEADLINE_MS, 'list services', o.clock)).items,
    writer: createStatusWriter(kc, component, o.clock),
    poolAnnotations: createPoolAnnotationWriter(kc, component, o.clock),
    events: createEventRecorder(core, component, o.identity, o.clock, o.log),
  };
}
