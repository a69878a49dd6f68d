// The plugin's only API reads: one list per resource, in parallel, each under a deadline
// (core withDeadline; a 429 is retried within it, as kubectl does), into a Snapshot.
// Read-only; `preflight --fix` writes in fix.ts.
import {
  ApiextensionsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import {
  HeartbeatSecretName,
  httpStatusOf,
  isNotFound,
  KubeProxyConfigMap,
  MetallbGroup,
  MetallbResources,
  MetallbVersion,
  SpeakerLeaseLabel,
  SpeakerLeaseLabelValue,
  withDeadlineRetryingThrottle,
  type Clock,
  type IPAddressPool,
  type L2Advertisement,
  type ServiceL2Status,
} from '@ironlb/core';
import { MetallbCrds, type Snapshot } from './snapshot.js';

/** The API server cannot be reached, timed out, or refused a read (exit code 3). */
export class ApiUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApiUnavailableError';
  }
}

export interface GatherOptions {
  readonly kc: KubeConfig;
  readonly systemNamespace: string;
  readonly lbClass: string | undefined;
  readonly deadlineMs: number;
  readonly clock: Clock;
}

/** Reads everything the analysis needs. Throws ApiUnavailableError when a read fails. */
export async function gather(o: GatherOptions): Promise<Snapshot> {
  const now = o.clock.now();
  const core = o.kc.makeApiClient(CoreV1Api);
  const discovery = o.kc.makeApiClient(DiscoveryV1Api);
  const coordination = o.kc.makeApiClient(CoordinationV1Api);
  const custom = o.kc.makeApiClient(CustomObjectsApi);
  const ext = o.kc.makeApiClient(ApiextensionsV1Api);
  const ns = o.systemNamespace;
  const read = async <T>(what: string, p: () => Promise<T>): Promise<T> => {
    try {
      return await withDeadlineRetryingThrottle(p, o.deadlineMs, what, o.clock);
    } catch (e) {
      throw new ApiUnavailableError(`cannot ${what}: ${describeApiError(e)}`, { cause: e });
    }
  };
  /** undefined on 404 (absent object, or a CRD that is not installed). */
  const optional = async <T>(what: string, p: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await withDeadlineRetryingThrottle(p, o.deadlineMs, what, o.clock);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw new ApiUnavailableError(`cannot ${what}: ${describeApiError(e)}`, { cause: e });
    }
  };
  const customList = async <T>(plural: string): Promise<T[]> => {
    const list = await optional(`list ${plural}.${MetallbGroup} in ${ns}`, () => custom.listNamespacedCustomObject({ group: MetallbGroup, version: MetallbVersion, namespace: ns, plural }));
    return ((list as KubernetesListObject<KubernetesObject> | undefined)?.items ?? []) as T[];
  };
  const leaseSelector = `${SpeakerLeaseLabel}=${SpeakerLeaseLabelValue}`;
  const [crds, services, namespaces, slices, nodes, pools, advertisements, l2Statuses, leases, serviceEvents, nodeEvents, kubeProxy, secret] = await Promise.all([
    Promise.all(MetallbCrds.map(async (name) => ((await optional(`read CustomResourceDefinition ${name}`, () => ext.readCustomResourceDefinition({ name }))) ? name : undefined))),
    read('list Services', () => core.listServiceForAllNamespaces()),
    read('list Namespaces', () => core.listNamespace()),
    read('list EndpointSlices', () => discovery.listEndpointSliceForAllNamespaces()),
    read('list Nodes', () => core.listNode()),
    customList<IPAddressPool>(MetallbResources.ipAddressPool.plural),
    customList<L2Advertisement>(MetallbResources.l2Advertisement.plural),
    customList<ServiceL2Status>(MetallbResources.serviceL2Status.plural),
    read(`list speaker Leases in ${ns}`, () => coordination.listNamespacedLease({ namespace: ns, labelSelector: leaseSelector })),
    read('list Service Events', () => core.listEventForAllNamespaces({ fieldSelector: 'involvedObject.kind=Service' })),
    read('list Node Events', () => core.listEventForAllNamespaces({ fieldSelector: 'involvedObject.kind=Node' })),
    optional(`read ConfigMap ${KubeProxyConfigMap.namespace}/${KubeProxyConfigMap.name}`, () => core.readNamespacedConfigMap({ namespace: KubeProxyConfigMap.namespace, name: KubeProxyConfigMap.name })),
    optional(`read Secret ${ns}/${HeartbeatSecretName}`, () => core.readNamespacedSecret({ namespace: ns, name: HeartbeatSecretName })),
  ]);
  return {
    now,
    systemNamespace: ns,
    lbClass: o.lbClass,
    services: services.items,
    namespaces: namespaces.items,
    endpointSlices: slices.items,
    nodes: nodes.items,
    pools,
    advertisements,
    l2Statuses,
    leases: leases.items,
    events: [...serviceEvents.items, ...nodeEvents.items],
    kubeProxy,
    heartbeatSecret: secret !== undefined,
    crds: crds.filter((c): c is (typeof MetallbCrds)[number] => c !== undefined),
  };
}

/** One line for an API failure: HTTP status and the server's message, or the network error. */
export function describeApiError(e: unknown): string {
  const status = httpStatusOf(e);
  if (status !== undefined) {
    const body = (e as { body?: unknown }).body;
    let message: string | undefined;
    try {
      message = (typeof body === 'string' ? (JSON.parse(body) as { message?: string }) : (body as { message?: string } | undefined))?.message;
    } catch {
      message = undefined;
    }
    return `HTTP ${status}${message ? `: ${message}` : ''}`;
  }
  const err = e as { message?: string; code?: string; cause?: { code?: string; message?: string } };
  return err.cause?.code ?? err.code ?? err.message ?? String(e);
}
