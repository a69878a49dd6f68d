// metallb.io/v1beta1 resources as they arrive from the API server (plain JSON), typed
// after MetalLB v0.16's api/v1beta1 Go types. Optional everywhere the API allows it:
// what a user applied is not validated yet; pool-validate.ts turns it into a PoolView.

/** The part of ObjectMeta the cores read. */
export interface ObjectMetaLite {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  /** RFC 3339, e.g. "2024-05-01T10:00:00Z". Decides which of two overlapping pools wins. */
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  key: string;
  operator: LabelSelectorOperator;
  values?: string[];
}

/** metav1.LabelSelector: matchLabels and matchExpressions are ANDed; {} matches everything. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface ServiceAllocation {
  /** Lower is tried first; 0 or unset is the lowest priority. */
  priority?: number;
  namespaces?: string[];
  namespaceSelectors?: LabelSelector[];
  serviceSelectors?: LabelSelector[];
}

export interface IPAddressPoolSpec {
  /** CIDRs ("198.51.100.0/24", "2001:db8::/120") or ranges ("198.51.100.10-198.51.100.20"). */
  addresses: string[];
  /** Default true. */
  autoAssign?: boolean;
  /** Default false: when true, IPv4 addresses ending in .0 or .255 are never handed out. */
  avoidBuggyIPs?: boolean;
  serviceAllocation?: ServiceAllocation;
}

/** int64 counters; see address-count.ts for how huge IPv6 pools are saturated. */
export interface IPAddressPoolStatus {
  assignedIPv4?: number;
  assignedIPv6?: number;
  availableIPv4?: number;
  availableIPv6?: number;
}

export interface IPAddressPool {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetaLite;
  spec: IPAddressPoolSpec;
  status?: IPAddressPoolStatus;
}

export interface L2AdvertisementSpec {
  /** Pool names; with ipAddressPoolSelectors empty too, every pool is advertised. */
  ipAddressPools?: string[];
  ipAddressPoolSelectors?: LabelSelector[];
  /** Empty: every node. */
  nodeSelectors?: LabelSelector[];
  /** Empty: every eligible interface. */
  interfaces?: string[];
  serviceSelectors?: LabelSelector[];
}

export interface L2Advertisement {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetaLite;
  spec: L2AdvertisementSpec;
}

export interface InterfaceInfo {
  name: string;
}

export interface ServiceL2StatusStatus {
  /** The node that answers ARP/NDP for the Service's IPs. */
  node?: string;
  serviceName?: string;
  serviceNamespace?: string;
  interfaces?: InterfaceInfo[];
}

export interface ServiceL2Status {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetaLite;
  spec?: Record<string, never>;
  status?: ServiceL2StatusStatus;
}
