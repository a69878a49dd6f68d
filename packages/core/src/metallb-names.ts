// Names users already have in their manifests, dashboards and scripts. They come from
// MetalLB v0.16 (github.com/metallb/metallb, api/v1beta1 and internal/k8s/controllers)
// and must never drift: a renamed annotation silently breaks a drop-in migration.

/** API group and version of every custom resource we serve. */
export const MetallbGroup = 'metallb.io';
export const MetallbVersion = 'v1beta1';
export const MetallbApiVersion = `${MetallbGroup}/${MetallbVersion}`;

/** Kind, plural (the REST path segment) and singular name of each resource. */
export const MetallbResources = {
  ipAddressPool: { kind: 'IPAddressPool', plural: 'ipaddresspools', singular: 'ipaddresspool' },
  l2Advertisement: { kind: 'L2Advertisement', plural: 'l2advertisements', singular: 'l2advertisement' },
  serviceL2Status: { kind: 'ServiceL2Status', plural: 'servicel2statuses', singular: 'servicel2status' },
} as const;

/** Where pools and advertisements live unless the install says otherwise. */
export const DefaultNamespace = 'metallb-system';

/** Current annotation prefix; the legacy one is still read, with a Warning Event. */
export const AnnotationPrefix = 'metallb.io/';
export const LegacyAnnotationPrefix = 'metallb.universe.tf/';

export const Annotations = {
  /** Service: take the IP from this pool. */
  addressPool: 'metallb.io/address-pool',
  /** Service: comma-separated IPs to use (one per family); excludes spec.loadBalancerIP. */
  loadBalancerIPs: 'metallb.io/loadBalancerIPs',
  /** Service: sharing key; Services with the same key may share an IP. */
  allowSharedIP: 'metallb.io/allow-shared-ip',
  /** Service, written by the controller: the pool the IPs came from. */
  ipAllocatedFromPool: 'metallb.io/ip-allocated-from-pool',
} as const;

export const LegacyAnnotations = {
  addressPool: 'metallb.universe.tf/address-pool',
  loadBalancerIPs: 'metallb.universe.tf/loadBalancerIPs',
  allowSharedIP: 'metallb.universe.tf/allow-shared-ip',
  ipAllocatedFromPool: 'metallb.universe.tf/ip-allocated-from-pool',
} as const;

export type AnnotationName = keyof typeof Annotations;

/**
 * Node label that keeps a node out of external load balancing; MetalLB speakers stop
 * announcing from such nodes (kubernetes/enhancements KEP-1143).
 */
export const ExcludeFromExternalLoadBalancersLabel = 'node.kubernetes.io/exclude-from-external-load-balancers';

/**
 * ironlb's own: the Secret (install namespace) holding the speakers' heartbeat HMAC keys,
 * one data entry per key; created by the controller when missing.
 */
export const HeartbeatSecretName = 'ironlb-heartbeat';
