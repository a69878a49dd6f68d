// What a Service asks of the allocator, read from its annotations and spec the way
// MetalLB reads them: the metallb.io/ prefix wins, the legacy metallb.universe.tf/
// prefix still works (and is reported so the controller can emit a Warning Event),
// loadBalancerIPs and spec.loadBalancerIP are mutually exclusive.
import { ErrorCodes } from './errors.js';
import { parseAddress, familyName } from './address.js';
import { Annotations, LegacyAnnotations, type AnnotationName } from './metallb-names.js';

export interface ServiceRequestInput {
  annotations?: Readonly<Record<string, string>>;
  /** spec.loadBalancerIP (deprecated in Kubernetes, still honoured). */
  loadBalancerIP?: string;
}

export interface ServiceRequest {
  /** Canonical texts, at most one per family, in the order given. */
  requestedIPs: string[];
  requestedPool?: string;
  sharingKey?: string;
  /** Legacy annotation names that were honoured; each deserves a Warning Event. */
  legacyAnnotations: string[];
  /** Non-fatal remarks (e.g. both prefixes set with different values). */
  warnings: string[];
}

export type ServiceRequestResult =
  | { ok: true; request: ServiceRequest }
  | { ok: false; code: typeof ErrorCodes.InvalidServiceRequest; message: string; legacyAnnotations: string[] };

type ReadKey = Exclude<AnnotationName, 'ipAllocatedFromPool'>;

/** Reads the allocation request of one Service; never throws. */
export function readServiceRequest(input: ServiceRequestInput): ServiceRequestResult {
  const annotations = input.annotations ?? {};
  const legacyAnnotations: string[] = [];
  const warnings: string[] = [];
  const read = (key: ReadKey): string | undefined => {
    const current = annotations[Annotations[key]];
    const legacy = annotations[LegacyAnnotations[key]];
    if (current !== undefined) {
      if (legacy !== undefined && legacy.trim() !== current.trim()) {
        warnings.push(`annotation ${LegacyAnnotations[key]}=${JSON.stringify(legacy)} is ignored: ${Annotations[key]}=${JSON.stringify(current)} takes precedence`);
      }
      return current.trim() || undefined;
    }
    if (legacy !== undefined) {
      legacyAnnotations.push(LegacyAnnotations[key]);
      return legacy.trim() || undefined;
    }
    return undefined;
  };
  const fail = (message: string): ServiceRequestResult => ({ ok: false, code: ErrorCodes.InvalidServiceRequest, message, legacyAnnotations });

  const pool = read('addressPool');
  const sharingKey = read('allowSharedIP');
  const ipsText = read('loadBalancerIPs');
  const specIP = input.loadBalancerIP?.trim() || undefined;
  if (ipsText !== undefined && specIP !== undefined) {
    return fail(`spec.loadBalancerIP ${JSON.stringify(specIP)} and annotation ${Annotations.loadBalancerIPs} ${JSON.stringify(ipsText)} are mutually exclusive: use only the annotation`);
  }
  const source = ipsText !== undefined ? `annotation ${Annotations.loadBalancerIPs}` : 'spec.loadBalancerIP';
  const texts = ipsText !== undefined ? ipsText.split(',').map((s) => s.trim()) : specIP !== undefined ? [specIP] : [];
  const requestedIPs: string[] = [];
  const seen = new Map<number, string>();
  for (const t of texts) {
    const p = parseAddress(t);
    if (!p.ok) return fail(`${source}: ${p.message}`);
    const prior = seen.get(p.address.family);
    if (prior !== undefined) {
      return fail(`${source} ${JSON.stringify(ipsText ?? specIP)} lists two ${familyName(p.address.family)} addresses (${prior}, ${p.address.normalized}); at most one per family`);
    }
    seen.set(p.address.family, p.address.normalized);
    requestedIPs.push(p.address.normalized);
  }
  const request: ServiceRequest = { requestedIPs, legacyAnnotations, warnings };
  if (pool !== undefined) request.requestedPool = pool;
  if (sharingKey !== undefined) request.sharingKey = sharingKey;
  return { ok: true, request };
}
