// Turns an IPAddressPool as applied into a PoolView the allocator can trust, or into a
// list of problems each naming the object, the field and the value. Nothing is
// half-applied: one bad entry rejects the whole pool. Problems that MetalLB accepts
// silently (host bits, duplicate namespaces) are warnings, so existing manifests keep
// working and the user still hears about them.
import { ErrorCodes } from './errors.js';
import { parseAddressEntry, describeRange, type AddressRange } from './address-range.js';
import { validateLabelSelector } from './label-selector.js';
import { describeObject, makeProblem, type Problem } from './problems.js';
import type { IPAddressPool, LabelSelector } from './metallb-types.js';
import { MetallbResources } from './metallb-names.js';

export interface ServiceAllocationView {
  /** Lower is tried first; 0 means unset (the lowest priority). */
  priority: number;
  namespaces: readonly string[];
  namespaceSelectors: readonly LabelSelector[];
  serviceSelectors: readonly LabelSelector[];
}

export interface PoolView {
  name: string;
  /** metadata.creationTimestamp; the older pool keeps addresses two pools both list. */
  createdAt?: string;
  labels: Readonly<Record<string, string>>;
  /** Ranges of each family, in the order of spec.addresses. */
  ipv4: readonly AddressRange[];
  ipv6: readonly AddressRange[];
  autoAssign: boolean;
  avoidBuggyIPs: boolean;
  serviceAllocation?: ServiceAllocationView;
}

export type PoolValidation =
  | { ok: true; pool: PoolView; warnings: Problem[] }
  | { ok: false; problems: Problem[]; warnings: Problem[] };

interface Indexed {
  index: number;
  range: AddressRange;
}

/** Validates a whole IPAddressPool; never throws, whatever the input's shape. */
export function validatePool(input: IPAddressPool): PoolValidation {
  const raw = (input ?? {}) as { metadata?: unknown; spec?: unknown };
  const meta = (raw.metadata ?? {}) as { name?: unknown; namespace?: unknown; creationTimestamp?: unknown; labels?: unknown };
  const name = typeof meta.name === 'string' ? meta.name : '';
  const object = describeObject(MetallbResources.ipAddressPool.kind, typeof meta.namespace === 'string' ? meta.namespace : undefined, name);
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const invalid = (field: string, value: unknown, detail: string): void => {
    problems.push(makeProblem(object, field, value, ErrorCodes.InvalidPool, 'invalid-value', detail));
  };

  if (name === '') problems.push(makeProblem(object, 'metadata.name', meta.name, ErrorCodes.InvalidPool, 'required', 'a pool needs a name'));
  const spec = raw.spec as { addresses?: unknown; autoAssign?: unknown; avoidBuggyIPs?: unknown; serviceAllocation?: unknown } | undefined;
  if (spec === null || typeof spec !== 'object') {
    problems.push(makeProblem(object, 'spec', spec, ErrorCodes.InvalidPool, 'required', 'a pool needs a spec with addresses'));
    return { ok: false, problems, warnings };
  }

  const ranges = validateAddresses(spec.addresses, object, problems, warnings);
  if (spec.autoAssign !== undefined && typeof spec.autoAssign !== 'boolean') invalid('spec.autoAssign', spec.autoAssign, 'must be true or false');
  if (spec.avoidBuggyIPs !== undefined && typeof spec.avoidBuggyIPs !== 'boolean') invalid('spec.avoidBuggyIPs', spec.avoidBuggyIPs, 'must be true or false');
  const serviceAllocation = validateServiceAllocation(spec.serviceAllocation, object, problems, warnings);

  if (problems.length > 0) return { ok: false, problems, warnings };
  const labels = meta.labels !== null && typeof meta.labels === 'object' ? (meta.labels as Record<string, string>) : {};
  const pool: PoolView = {
    name,
    labels: { ...labels },
    ipv4: ranges.filter((r) => r.family === 4),
    ipv6: ranges.filter((r) => r.family === 6),
    autoAssign: spec.autoAssign !== false,
    avoidBuggyIPs: spec.avoidBuggyIPs === true,
  };
  if (typeof meta.creationTimestamp === 'string') pool.createdAt = meta.creationTimestamp;
  if (serviceAllocation) pool.serviceAllocation = serviceAllocation;
  return { ok: true, pool, warnings };
}

function validateAddresses(addresses: unknown, object: string, problems: Problem[], warnings: Problem[]): AddressRange[] {
  if (addresses === undefined || addresses === null) {
    problems.push(makeProblem(object, 'spec.addresses', addresses, ErrorCodes.InvalidPool, 'required', 'must list at least one CIDR or range'));
    return [];
  }
  if (!Array.isArray(addresses)) {
    problems.push(makeProblem(object, 'spec.addresses', addresses, ErrorCodes.InvalidPool, 'invalid-value', 'must be a list of CIDRs or ranges'));
    return [];
  }
  if (addresses.length === 0) {
    problems.push(makeProblem(object, 'spec.addresses', addresses, ErrorCodes.InvalidPool, 'empty', 'must list at least one CIDR or range'));
    return [];
  }
  const parsed: Indexed[] = [];
  addresses.forEach((entry: unknown, index) => {
    const field = `spec.addresses[${index}]`;
    if (typeof entry !== 'string') {
      problems.push(makeProblem(object, field, entry, ErrorCodes.InvalidAddress, 'invalid-value', 'must be a string: a CIDR or a range'));
      return;
    }
    const r = parseAddressEntry(entry);
    if (!r.ok) {
      problems.push(makeProblem(object, field, entry, r.code, r.reason, r.message));
      return;
    }
    if (r.range.hostBitsSet) {
      warnings.push(
        makeProblem(object, field, entry, ErrorCodes.InvalidAddress, 'host-bits-set', `has host bits set; it is used as the whole network ${r.range.normalized} (write that to silence this warning)`),
      );
    }
    parsed.push({ index, range: r.range });
  });
  reportOverlapsWithin(parsed, addresses as unknown[], object, problems);
  return parsed.map((p) => p.range);
}

/** Sort-and-sweep: each entry overlapping an earlier-sorted one is reported once. */
function reportOverlapsWithin(parsed: Indexed[], addresses: unknown[], object: string, problems: Problem[]): void {
  const sorted = [...parsed].sort((a, b) => a.range.family - b.range.family || (a.range.first < b.range.first ? -1 : a.range.first > b.range.first ? 1 : a.index - b.index));
  let widest: Indexed | undefined;
  for (const cur of sorted) {
    if (widest && widest.range.family === cur.range.family && cur.range.first <= widest.range.last) {
      const [earlier, later] = widest.index < cur.index ? [widest, cur] : [cur, widest];
      const same = earlier.range.first === later.range.first && earlier.range.last === later.range.last;
      const field = `spec.addresses[${later.index}]`;
      const other = `spec.addresses[${earlier.index}] ${JSON.stringify(addresses[earlier.index])}`;
      if (same) {
        problems.push(makeProblem(object, field, addresses[later.index], ErrorCodes.InvalidPool, 'duplicate', `duplicates ${other}`));
      } else {
        const lo = cur.range.first;
        const hi = cur.range.last < widest.range.last ? cur.range.last : widest.range.last;
        const common = describeRange({ family: cur.range.family, first: lo, last: hi });
        problems.push(makeProblem(object, field, addresses[later.index], ErrorCodes.InvalidPool, 'overlap', `overlaps ${other} on ${common}`));
      }
    }
    if (!widest || widest.range.family !== cur.range.family || cur.range.last > widest.range.last) widest = cur;
  }
}

function validateServiceAllocation(raw: unknown, object: string, problems: Problem[], warnings: Problem[]): ServiceAllocationView | undefined {
  if (raw === undefined || raw === null) return undefined;
  const base = 'spec.serviceAllocation';
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push(makeProblem(object, base, raw, ErrorCodes.InvalidPool, 'invalid-value', 'must be an object'));
    return undefined;
  }
  const sa = raw as { priority?: unknown; namespaces?: unknown; namespaceSelectors?: unknown; serviceSelectors?: unknown };
  let priority = 0;
  if (sa.priority !== undefined && sa.priority !== null) {
    if (typeof sa.priority !== 'number' || !Number.isInteger(sa.priority)) {
      problems.push(makeProblem(object, `${base}.priority`, sa.priority, ErrorCodes.InvalidPool, 'invalid-value', 'must be a whole number'));
    } else if (sa.priority < 0) {
      // MetalLB sorts a negative priority like 0 (unset); keep that, but say so.
      warnings.push(makeProblem(object, `${base}.priority`, sa.priority, ErrorCodes.InvalidPool, 'invalid-value', 'is negative; it is treated as 0 (the lowest priority)'));
    } else {
      priority = sa.priority;
    }
  }
  const namespaces: string[] = [];
  if (sa.namespaces !== undefined && sa.namespaces !== null) {
    if (!Array.isArray(sa.namespaces)) {
      problems.push(makeProblem(object, `${base}.namespaces`, sa.namespaces, ErrorCodes.InvalidPool, 'invalid-value', 'must be a list of namespace names'));
    } else {
      sa.namespaces.forEach((ns: unknown, i) => {
        const field = `${base}.namespaces[${i}]`;
        if (typeof ns !== 'string' || ns.length === 0) {
          problems.push(makeProblem(object, field, ns, ErrorCodes.InvalidPool, 'invalid-value', 'must be a namespace name'));
        } else if (namespaces.includes(ns)) {
          warnings.push(makeProblem(object, field, ns, ErrorCodes.InvalidPool, 'duplicate', 'is listed twice'));
        } else {
          namespaces.push(ns);
        }
      });
    }
  }
  const selectors = (key: 'namespaceSelectors' | 'serviceSelectors'): LabelSelector[] => {
    const list = sa[key];
    if (list === undefined || list === null) return [];
    if (!Array.isArray(list)) {
      problems.push(makeProblem(object, `${base}.${key}`, list, ErrorCodes.InvalidSelector, 'invalid-selector', 'must be a list of label selectors'));
      return [];
    }
    list.forEach((s: unknown, i) => problems.push(...validateLabelSelector(s, object, `${base}.${key}[${i}]`)));
    // Copied so the view never aliases the informer cache's objects.
    return (list as LabelSelector[]).map((s) => structuredClone(s));
  };
  return { priority, namespaces, namespaceSelectors: selectors('namespaceSelectors'), serviceSelectors: selectors('serviceSelectors') };
}
