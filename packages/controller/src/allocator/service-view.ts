// What the allocator needs to know about a Service, as a plain value the reconciler
// builds from the API object (annotations already read by readServiceRequest in core).
import { familyFromName, type AddressFamily, type IPFamilyName, type Labels } from '@ironlb/core';

export type IPFamilyPolicy = 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';

export interface ServicePort {
  /** TCP (default), UDP or SCTP. */
  protocol?: string;
  port: number;
}

export interface ServiceView {
  /** "namespace/name". */
  key: string;
  namespace: string;
  labels: Labels;
  /** Labels of the Service's namespace, for serviceAllocation.namespaceSelectors. */
  namespaceLabels: Labels;
  /** spec.ipFamilies: the first is the primary family. */
  ipFamilies: readonly IPFamilyName[];
  ipFamilyPolicy: IPFamilyPolicy;
  /** From spec.loadBalancerIP or metallb.io/loadBalancerIPs; empty when none. */
  requestedIPs: readonly string[];
  /** metallb.io/address-pool. */
  requestedPool?: string;
  /** metallb.io/allow-shared-ip. */
  sharingKey?: string;
  ports: readonly ServicePort[];
  externalTrafficPolicy: 'Cluster' | 'Local';
  /** spec.selector. */
  selector: Labels;
}

/** Which families a Service gets, in ingress order (primary first). */
export interface FamilyPlan {
  mode: 'single' | 'require-dual' | 'prefer-dual';
  primary: AddressFamily;
  secondary?: AddressFamily;
}

export type PlanResult = { ok: true; plan: FamilyPlan } | { ok: false; message: string };

/**
 * SingleStack follows the first ipFamily; the dual-stack policies need both families
 * listed (the API server fills ipFamilies that way). PreferDualStack on a single-stack
 * cluster lists one family and so behaves as SingleStack.
 */
export function planFamilies(svc: Pick<ServiceView, 'key' | 'ipFamilies' | 'ipFamilyPolicy'>): PlanResult {
  const fams: AddressFamily[] = [];
  for (const name of svc.ipFamilies) {
    const f = familyFromName(name);
    if (f === undefined) return { ok: false, message: `Service ${svc.key} has unknown ipFamily ${JSON.stringify(name)}` };
    if (fams.includes(f)) return { ok: false, message: `Service ${svc.key} lists ipFamily ${name} twice` };
    fams.push(f);
  }
  const [primary, secondary] = fams;
  if (primary === undefined) return { ok: false, message: `Service ${svc.key} has no spec.ipFamilies` };
  if (svc.ipFamilyPolicy === 'SingleStack' || secondary === undefined) {
    if (svc.ipFamilyPolicy === 'RequireDualStack') {
      return { ok: false, message: `Service ${svc.key} requires dual-stack but lists only ${svc.ipFamilies.join(', ')} in spec.ipFamilies` };
    }
    return { ok: true, plan: { mode: 'single', primary } };
  }
  return { ok: true, plan: { mode: svc.ipFamilyPolicy === 'RequireDualStack' ? 'require-dual' : 'prefer-dual', primary, secondary } };
}

/** The fields that decide whether two Services may share an IP. */
export interface ShareIdentity {
  key: string;
  /** Empty: does not share. */
  sharingKey: string;
  /** Selector text for externalTrafficPolicy Local, else empty (MetalLB's "backend key"). */
  backendKey: string;
  /** "PROTO/port", sorted, distinct. */
  ports: readonly string[];
}

/**
 * Local Services may only share with Services that select the same pods: traffic is
 * answered by the node that hosts them, so one IP must map to one set of endpoints.
 * MetalLB compares labels.Set(selector).String(): sorted "k=v" joined by ",".
 */
export function backendKeyOf(svc: Pick<ServiceView, 'externalTrafficPolicy' | 'selector'>): string {
  if (svc.externalTrafficPolicy !== 'Local') return '';
  return Object.keys(svc.selector)
    .sort()
    .map((k) => `${k}=${svc.selector[k] as string}`)
    .join(',');
}

export function portKeysOf(svc: Pick<ServiceView, 'ports'>): string[] {
  const only = svc.ports.length === 1 ? svc.ports[0] : undefined;
  if (only !== undefined) return [`${(only.protocol ?? 'TCP').toUpperCase()}/${only.port}`];
  const keys = new Set<string>();
  for (const p of svc.ports) keys.add(`${(p.protocol ?? 'TCP').toUpperCase()}/${p.port}`);
  return [...keys].sort();
}

export function shareIdentityOf(svc: ServiceView): ShareIdentity {
  return { key: svc.key, sharingKey: svc.sharingKey?.trim() ?? '', backendKey: backendKeyOf(svc), ports: portKeysOf(svc) };
}
