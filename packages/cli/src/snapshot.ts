// Everything the plugin reads from the API server in one go, as plain objects: the
// analysis (analyze/) is a pure function of this, so it is tested with tables and the
// golden tests compare what a real cluster produces.
import type { CoreV1Event, V1ConfigMap, V1EndpointSlice, V1Lease, V1Namespace, V1Node, V1Service } from '@kubernetes/client-node';
import type { IPAddressPool, L2Advertisement, ServiceL2Status } from '@ironlb/core';

export const MetallbCrds = ['ipaddresspools.metallb.io', 'l2advertisements.metallb.io', 'servicel2statuses.metallb.io'] as const;

export interface Snapshot {
  /** Epoch ms when the reads started (ages are relative to it). */
  readonly now: number;
  readonly systemNamespace: string;
  /** The controller's --lb-class (undefined: Services without a class are ours). */
  readonly lbClass: string | undefined;
  /** Every Service of every namespace: the allocator needs what all of them hold. */
  readonly services: readonly V1Service[];
  readonly namespaces: readonly V1Namespace[];
  readonly endpointSlices: readonly V1EndpointSlice[];
  readonly nodes: readonly V1Node[];
  readonly pools: readonly IPAddressPool[];
  readonly advertisements: readonly L2Advertisement[];
  readonly l2Statuses: readonly ServiceL2Status[];
  /** The speakers' per-node Leases. */
  readonly leases: readonly V1Lease[];
  /** Events about Services (and Nodes, for StrictARPOff). */
  readonly events: readonly CoreV1Event[];
  /** kube-system/kube-proxy, undefined when absent. */
  readonly kubeProxy: V1ConfigMap | undefined;
  /** The heartbeat Secret exists (its content is never kept). */
  readonly heartbeatSecret: boolean;
  /** The metallb.io CRDs that exist (names from MetallbCrds). */
  readonly crds: readonly string[];
}
