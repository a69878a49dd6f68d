import type {} from 'vitest';
// The contract between the cluster-in-a-box and everything that uses it: `npm run
// cluster:up` prints one ClusterInfo as its last stdout line, and the e2e global setup
// provides it to tests through vitest's `inject('cluster')`.

export interface NodeInfo {
  /** Kubernetes Node name, also the node's hostname in its namespace. */
  name: string;
  /** Network namespace the node lives in (`ip netns exec <netns> ...`). */
  netns: string;
  ip: string;
  ipv6: string;
  /** MAC address of the node's eth0. */
  mac: string;
  /** The node's eth0 inside its namespace. */
  iface: string;
}

export interface ClientInfo {
  netns: string;
  ip: string;
  ipv6: string;
  mac: string;
  iface: string;
}

export interface BridgeInfo {
  name: string;
  ip: string;
  ipv6: string;
  /** IPv4 prefix shared by the bridge, nodes and client, e.g. 198.51.100.0/24. */
  subnet: string;
  subnet6: string;
}

export interface ClusterInfo {
  /** Unique id of this cluster; prefixes every namespace, link and state dir. */
  id: string;
  /** Admin kubeconfig (client certificate in system:masters). */
  kubeconfig: string;
  /** The apiserver URL; reachable from the root namespace and every node namespace. */
  server: string;
  /** Directory of the built kube-apiserver, kube-controller-manager, kubectl, etcd. */
  binDir: string;
  kubectl: string;
  stateDir: string;
  nodes: NodeInfo[];
  client: ClientInfo;
  bridge: BridgeInfo;
}

// Lets e2e tests call `inject('cluster')` with this type.
declare module 'vitest' {
  export interface ProvidedContext {
    cluster: ClusterInfo;
  }
}
