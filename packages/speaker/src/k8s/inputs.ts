// The speaker's view of the API: one informer per resource it reads, and the assembly of
// the election's input from their caches. Every watch has a server timeout and an idle
// limit (core's informer), so a half-open connection is noticed in about a minute; the
// caches stay usable meanwhile and `oldestContactAt` says how stale they may be.
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1ConfigMap,
  type V1EndpointSlice,
  type V1Lease,
  type V1Node,
  type V1Secret,
  type V1Service,
} from '@kubernetes/client-node';
import { advertisementView, endpointNodes, nodeView, poolView, serviceView, type ElectionInput } from '@ironlb/core';
import { HeartbeatSecretName, MetallbGroup, MetallbResources, MetallbVersion, watchResource, type ChangeType, type Clock, type IPAddressPool, type L2Advertisement, type Logger, type ServiceL2Status, type Watched } from '@ironlb/core';
import { SpeakerLeaseLabel, SpeakerLeaseLabelValue } from './node-lease.js';


export type InputKind = 'service' | 'endpointslice' | 'node' | 'pool' | 'advertisement' | 'lease' | 'secret' | 'kube-proxy' | 'l2status';

export interface SpeakerInputs {
  readonly services: Watched<V1Service>;
  readonly endpointSlices: Watched<V1EndpointSlice>;
  readonly nodes: Watched<V1Node>;
  readonly pools: Watched<KubernetesObject>;
  readonly advertisements: Watched<KubernetesObject>;
  readonly leases: Watched<V1Lease>;
  readonly secret: Watched<V1Secret>;
  readonly kubeProxy: Watched<V1ConfigMap>;
  readonly l2Statuses: Watched<KubernetesObject>;
  /** Resolves when every cache has its first full list. */
  readonly synced: Promise<void>;
  /** The oldest "last contact" among the watches (monotonic ms), undefined before sync. */
  oldestContactAt(): number | undefined;
  stop(): Promise<void>;
}

export interface InputsOptions {
  readonly kc: KubeConfig;
  readonly namespace: string;
  readonly node: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly onChange: (kind: InputKind, type: ChangeType, obj: KubernetesObject) => void;
  readonly watchTimeoutSeconds?: number;
}

export function watchInputs(o: InputsOptions): SpeakerInputs {
  const core = o.kc.makeApiClient(CoreV1Api);
  const discovery = o.kc.makeApiClient(DiscoveryV1Api);
  const coordination = o.kc.makeApiClient(CoordinationV1Api);
  const custom = o.kc.makeApiClient(CustomObjectsApi);
  const common = { kc: o.kc, clock: o.clock, log: o.log, ...(o.watchTimeoutSeconds ? { watchTimeoutSeconds: o.watchTimeoutSeconds } : {}) };
  const on = (kind: InputKind) => (type: ChangeType, obj: KubernetesObject) => o.onChange(kind, type, obj);
  const customList = (plural: string, labelSelector?: string) => async () =>
    (await custom.listNamespacedCustomObject({ group: MetallbGroup, version: MetallbVersion, namespace: o.namespace, plural, ...(labelSelector ? { labelSelector } : {}) })) as KubernetesListObject<KubernetesObject>;
  const customPath = (plural: string) => `/apis/${MetallbGroup}/${MetallbVersion}/namespaces/${o.namespace}/${plural}`;
  const leaseSelector = `${SpeakerLeaseLabel}=${SpeakerLeaseLabelValue}`;
  const secretField = `metadata.name=${HeartbeatSecretName}`;

  const w = {
    services: watchResource<V1Service>({ ...common, path: '/api/v1/services', list: () => core.listServiceForAllNamespaces(), onChange: on('service') }),
    endpointSlices: watchResource<V1EndpointSlice>({ ...common, path: '/apis/discovery.k8s.io/v1/endpointslices', list: () => discovery.listEndpointSliceForAllNamespaces(), onChange: on('endpointslice') }),
    nodes: watchResource<V1Node>({ ...common, path: '/api/v1/nodes', list: () => core.listNode(), onChange: on('node') }),
    pools: watchResource<KubernetesObject>({ ...common, path: customPath(MetallbResources.ipAddressPool.plural), list: customList(MetallbResources.ipAddressPool.plural), onChange: on('pool') }),
    advertisements: watchResource<KubernetesObject>({ ...common, path: customPath(MetallbResources.l2Advertisement.plural), list: customList(MetallbResources.l2Advertisement.plural), onChange: on('advertisement') }),
    leases: watchResource<V1Lease>({
      ...common,
      path: `/apis/coordination.k8s.io/v1/namespaces/${o.namespace}/leases`,
      labelSelector: leaseSelector,
      list: () => coordination.listNamespacedLease({ namespace: o.namespace, labelSelector: leaseSelector }),
      onChange: on('lease'),
    }),
    secret: watchResource<V1Secret>({
      ...common,
      path: `/api/v1/namespaces/${o.namespace}/secrets`,
      fieldSelector: secretField,
      list: () => core.listNamespacedSecret({ namespace: o.namespace, fieldSelector: secretField }),
      onChange: on('secret'),
    }),
    kubeProxy: watchResource<V1ConfigMap>({
      ...common,
      path: '/api/v1/namespaces/kube-system/configmaps',
      fieldSelector: 'metadata.name=kube-proxy',
      list: () => core.listNamespacedConfigMap({ namespace: 'kube-system', fieldSelector: 'metadata.name=kube-proxy' }),
      onChange: on('kube-proxy'),
    }),
    // Every node's, not only ours: a new owner removes what a dead node left behind.
    l2Statuses: watchResource<KubernetesObject>({
      ...common,
      path: customPath(MetallbResources.serviceL2Status.plural),
      list: customList(MetallbResources.serviceL2Status.plural),
      onChange: on('l2status'),
    }),
  };
  const all = Object.values(w) as Watched<KubernetesObject>[];
  return {
    ...w,
    synced: Promise.all(all.map((x) => x.synced)).then(() => undefined),
    oldestContactAt() {
      let oldest: number | undefined;
      for (const x of all) {
        const t = x.lastContactAt();
        if (t === undefined) return undefined;
        if (oldest === undefined || t < oldest) oldest = t;
      }
      return oldest;
    },
    async stop() {
      await Promise.all(all.map((x) => x.stop()));
    },
  };
}

/** The election's input from the caches; `live` comes from membership. */
export function electionInput(i: SpeakerInputs, lbClass: string | undefined, live: ReadonlySet<string>, ignoreExcludeLb: boolean): ElectionInput {
  return {
    services: i.services.list().flatMap((s) => serviceView(s, lbClass) ?? []),
    pools: (i.pools.list() as unknown as IPAddressPool[]).map(poolView),
    advertisements: (i.advertisements.list() as unknown as L2Advertisement[]).map(advertisementView),
    nodes: i.nodes.list().map(nodeView),
    live,
    endpoints: endpointNodes(i.endpointSlices.list()),
    ignoreExcludeLb,
  };
}

export const l2StatusesOf = (i: SpeakerInputs): ServiceL2Status[] => i.l2Statuses.list() as unknown as ServiceL2Status[];

/**
 * The heartbeat keys in the Secret: every data entry is one key, its name the key id.
 * Entries the wire format cannot carry (ids over 64 bytes) or too short to be a key
 * (under 16 bytes) are left out; the caller says so.
 */
export function heartbeatKeysOf(secret: V1Secret | undefined): { id: string; secret: Uint8Array }[] {
  return Object.entries(secret?.data ?? {})
    .map(([id, b64]) => ({ id, secret: new Uint8Array(Buffer.from(b64, 'base64')) }))
    .filter((k) => k.secret.length >= 16 && Buffer.byteLength(k.id) <= 64)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
