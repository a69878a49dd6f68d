// Turns the IPAddressPool objects into the pools the allocator uses, and into what each
// pool's status should say. A pool whose spec becomes invalid keeps its last valid
// version (MetalLB's "stale config"): a typo in an edit must never take IPs away from
// Services. That version is remembered in memory AND persisted on the pool itself, in the
// annotation ironlb.io/last-valid-spec, so a controller restart while the pool is invalid
// still serves it (issue 8). A pool that was never valid hands out nothing, but the
// addresses Services already hold from it (status + metallb.io/ip-allocated-from-pool)
// stay held: an IP that is held but not readable is never free.
import type { V1Service } from '@kubernetes/client-node';
import { Annotations, ErrorCodes, MetallbResources, describeObject, makeProblem, parseAddressEntry, validatePool, saturateSafeNumber, type AddressRange, type IPAddressPool, type PoolOverlap, type PoolView, type Problem } from '@ironlb/core';
import type { PoolUsage } from '../allocator/index.js';
import { ingressIPs, isOurs } from './service-view.js';

/**
 * Annotation on an IPAddressPool, written by the controller: the last spec of the pool
 * that was valid, as JSON `{"generation": <metadata.generation>, "spec": <spec>}`.
 * An annotation rather than a status field: it survives `kubectl apply` (which only
 * prunes what it applied itself), works with MetalLB's own CRDs (whose status schema
 * would prune an unknown field), and is restored by backups that skip status.
 */
export const LastValidSpecAnnotation = 'ironlb.io/last-valid-spec';

/** The version of a pool that was valid last, and where it comes from. */
export interface LastValid {
  /** metadata.generation of that version; undefined when the API server gave none. */
  generation: number | undefined;
  view: PoolView;
  /** The spec as the API server stored it (what gets persisted). */
  spec: unknown;
}

export type LastGood = ReadonlyMap<string, LastValid>;

export interface PoolHealth {
  problems: Problem[];
  warnings: Problem[];
  /** True when the allocator uses the last valid version instead of the current spec. */
  stale: boolean;
  /** Generation of the last valid version in use, when stale. */
  lastValidGeneration?: number;
  /**
   * Never valid (no last valid version anywhere): the addresses Services hold from it,
   * which stay theirs while nothing new is handed out. Undefined for other pools.
   */
  holding?: string[];
}

export interface PoolConfig {
  pools: PoolView[];
  health: Map<string, PoolHealth>;
  /** Any pool not running on its current spec (metallb_k8s_client_config_stale_bool). */
  stale: boolean;
  /** What to remember for the next call. */
  lastGood: Map<string, LastValid>;
}

/** JSON with object keys sorted, so equal values always encode to the same text. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonical(x))).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The annotation's value for a valid version: canonical JSON, so an unchanged spec is never re-written. */
export function encodeLastValidSpec(generation: number | undefined, spec: unknown): string {
  return canonical(generation === undefined ? { spec } : { generation, spec });
}

export type DecodedLastValid =
  | { kind: 'absent' }
  | { kind: 'ok'; last: LastValid }
  /** Present but unusable (edited by hand, truncated): `message` says why. */
  | { kind: 'unusable'; message: string };

/**
 * Reads the persisted last valid version of `pool`. The stored spec is validated again
 * with the pool's current metadata (name, labels, creationTimestamp): labels are not part
 * of the spec and may change freely.
 */
export function decodeLastValidSpec(pool: IPAddressPool): DecodedLastValid {
  const raw = pool.metadata?.annotations?.[LastValidSpecAnnotation];
  if (raw === undefined) return { kind: 'absent' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    return { kind: 'unusable', message: `annotation ${LastValidSpecAnnotation} is not JSON (${(e as Error).message})` };
  }
  const o = parsed as { generation?: unknown; spec?: unknown } | null;
  if (o === null || typeof o !== 'object' || Array.isArray(o) || o.spec === undefined) {
    return { kind: 'unusable', message: `annotation ${LastValidSpecAnnotation} is not {"generation": N, "spec": {...}}` };
  }
  const generation = typeof o.generation === 'number' && Number.isInteger(o.generation) ? o.generation : undefined;
  const v = validatePool({ ...pool, spec: o.spec as IPAddressPool['spec'] });
  if (!v.ok) return { kind: 'unusable', message: `annotation ${LastValidSpecAnnotation} holds an invalid spec: ${v.problems.map((p) => p.message).join('; ')}` };
  return { kind: 'ok', last: { generation, view: v.pool, spec: o.spec } };
}

/** Newer of two last valid versions; the in-memory one wins a tie (it is what we last used). */
function newer(memory: LastValid | undefined, persisted: LastValid | undefined): LastValid | undefined {
  if (memory === undefined) return persisted;
  if (persisted === undefined) return memory;
  return (persisted.generation ?? -1) > (memory.generation ?? -1) ? persisted : memory;
}

/**
 * Addresses our Services hold, by the pool their metallb.io/ip-allocated-from-pool names
 * (only Services this controller handles, by lbClass; whatever their annotations say
 * otherwise). Feeds the "never valid" case of resolvePoolConfig.
 */
export function heldByPool(services: readonly V1Service[], lbClass: string | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const svc of services) {
    const pool = svc.metadata?.annotations?.[Annotations.ipAllocatedFromPool];
    if (pool === undefined || pool === '') continue;
    const ips = ingressIPs(svc);
    if (ips.length === 0 || isOurs(svc, lbClass) !== undefined) continue;
    const list = out.get(pool) ?? [];
    for (const ip of ips) if (!list.includes(ip)) list.push(ip);
    out.set(pool, list);
  }
  return out;
}

/**
 * The pool a never-valid pool becomes: exactly the addresses Services hold from it,
 * autoAssign off and no serviceAllocation, so every holder keeps its address (restore
 * and re-validation succeed) and nothing is handed out automatically.
 */
function holdingView(obj: IPAddressPool, name: string, ips: readonly string[]): { view: PoolView; ips: string[] } | undefined {
  const ranges: AddressRange[] = [];
  const kept: string[] = [];
  for (const ip of ips) {
    const r = parseAddressEntry(`${ip}/${ip.includes(':') ? 128 : 32}`);
    if (!r.ok || ranges.some((x) => x.family === r.range.family && x.first === r.range.first)) continue;
    ranges.push(r.range);
    kept.push(ip);
  }
  if (ranges.length === 0) return undefined;
  const byValue = (a: AddressRange, b: AddressRange) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0);
  const view: PoolView = {
    name,
    labels: { ...(obj.metadata?.labels ?? {}) },
    ipv4: ranges.filter((r) => r.family === 4).sort(byValue),
    ipv6: ranges.filter((r) => r.family === 6).sort(byValue),
    autoAssign: false,
    avoidBuggyIPs: false,
  };
  if (obj.metadata?.creationTimestamp) view.createdAt = String(obj.metadata.creationTimestamp);
  return { view, ips: kept };
}

/**
 * Decides which version of each pool the allocator uses: the current spec when valid;
 * else the newest last valid version (memory or the pool's annotation); else, for a pool
 * never seen valid, only the addresses Services hold from it (`held`, see heldByPool).
 */
export function resolvePoolConfig(objects: readonly IPAddressPool[], lastGood: LastGood, held: ReadonlyMap<string, readonly string[]> = new Map()): PoolConfig {
  const pools: PoolView[] = [];
  const health = new Map<string, PoolHealth>();
  const nextGood = new Map<string, LastValid>();
  let stale = false;
  for (const obj of objects) {
    const name = obj.metadata?.name ?? '';
    const v = validatePool(obj);
    if (v.ok) {
      pools.push(v.pool);
      nextGood.set(name, { generation: obj.metadata?.generation, view: v.pool, spec: obj.spec });
      health.set(name, { problems: [], warnings: v.warnings, stale: false });
      continue;
    }
    const decoded = decodeLastValidSpec(obj);
    const warnings = [...v.warnings];
    if (decoded.kind === 'unusable') {
      const object = describeObject(MetallbResources.ipAddressPool.kind, obj.metadata?.namespace, name);
      warnings.push(makeProblem(object, `metadata.annotations["${LastValidSpecAnnotation}"]`, '(not shown)', ErrorCodes.InvalidPool, 'invalid-value', `${decoded.message}; ignored`));
    }
    const prev = newer(lastGood.get(name), decoded.kind === 'ok' ? decoded.last : undefined);
    if (prev) {
      stale = true;
      pools.push(prev.view);
      nextGood.set(name, prev);
      health.set(name, { problems: v.problems, warnings, stale: true, lastValidGeneration: prev.generation });
      continue;
    }
    const holding = holdingView(obj, name, held.get(name) ?? []);
    if (holding) {
      stale = true;
      pools.push(holding.view);
    }
    health.set(name, { problems: v.problems, warnings, stale: false, holding: holding?.ips ?? [] });
  }
  return { pools, health, stale, lastGood: nextGood };
}

/**
 * Annotation writes that persist each pool's last valid version: for every pool whose
 * annotation does not already say what `cfg.lastGood` holds. A never-valid pool gets none.
 */
export function lastValidSpecWrites(objects: readonly IPAddressPool[], cfg: { lastGood: LastGood }): { pool: string; value: string }[] {
  const out: { pool: string; value: string }[] = [];
  for (const obj of objects) {
    const name = obj.metadata?.name ?? '';
    const last = cfg.lastGood.get(name);
    if (last === undefined) continue;
    const value = encodeLastValidSpec(last.generation, last.spec);
    if (obj.metadata?.annotations?.[LastValidSpecAnnotation] !== value) out.push({ pool: name, value });
  }
  return out;
}

export interface Condition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface PoolStatus {
  assignedIPv4: number;
  assignedIPv6: number;
  availableIPv4: number;
  availableIPv6: number;
  conditions: Condition[];
}

/** Why an invalid pool is (or is not) still used, for the Valid condition. */
function invalidValid(health: PoolHealth): { reason: string; suffix: string } {
  if (health.stale) {
    const gen = health.lastValidGeneration === undefined ? '' : ` (generation ${health.lastValidGeneration})`;
    return { reason: 'InvalidSpecUsingLastValid', suffix: ` (the last valid version of this pool${gen} stays in use)` };
  }
  const held = health.holding ?? [];
  if (held.length > 0) {
    return {
      reason: 'InvalidSpecKeepingAssigned',
      suffix: ` (no valid version of this pool is known: nothing new is assigned from it, and the addresses Services hold from it stay theirs: ${held.join(', ')})`,
    };
  }
  return { reason: 'InvalidSpec', suffix: ' (the pool is not used)' };
}

/**
 * The status a pool should have; keeps lastTransitionTime of conditions that did not
 * change. `advertisedBy`: names of the L2Advertisements selecting the pool; undefined
 * leaves the Advertised condition out (advertisements not known yet).
 */
export function poolStatusOf(
  name: string,
  generation: number | undefined,
  health: PoolHealth | undefined,
  overlaps: readonly PoolOverlap[],
  usage: PoolUsage | undefined,
  previous: readonly Condition[],
  nowIso: string,
  advertisedBy?: readonly string[],
): PoolStatus {
  const cond = (type: string, status: 'True' | 'False', reason: string, message: string): Condition => {
    const prev = previous.find((c) => c.type === type);
    const lastTransitionTime = prev && prev.status === status ? prev.lastTransitionTime : nowIso;
    return { type, status, reason, message, lastTransitionTime, observedGeneration: generation };
  };
  const problems = health?.problems ?? [];
  const mine = overlaps.filter((o) => o.removedFrom === name || o.keptBy === name);
  const hostBits = (health?.warnings ?? []).filter((w) => w.reason === 'host-bits-set');
  const invalid = health && problems.length > 0 ? invalidValid(health) : undefined;
  const conditions = [
    invalid === undefined
      ? cond('Valid', 'True', 'Valid', 'the spec is valid')
      : cond('Valid', 'False', invalid.reason, `${problems.map((p) => p.message).join('; ')}${invalid.suffix}`),
    mine.length === 0
      ? cond('Overlapping', 'False', 'NoOverlap', 'no address is listed by another pool')
      : cond('Overlapping', 'True', 'OverlapsOtherPool', mine.map((o) => o.message).join('; ')),
    hostBits.length === 0
      ? cond('HostBitsSet', 'False', 'NoHostBits', 'every CIDR is a network address')
      : cond('HostBitsSet', 'True', 'HostBitsSet', hostBits.map((w) => w.message).join('; ')),
  ];
  if (advertisedBy !== undefined) {
    conditions.push(advertisedBy.length > 0
      ? cond('Advertised', 'True', 'L2Advertisement', `announced in layer 2 under L2Advertisement ${advertisedBy.join(', ')}`)
      : cond('Advertised', 'False', 'NoL2Advertisement',
          'no L2Advertisement selects this pool (by ipAddressPools, by ipAddressPoolSelectors, or by listing neither): its addresses are assigned, but no node announces them'));
  }
  // The API fields are int64, but the client serialises with JSON.stringify, which cannot
  // write 2^63-1 exactly: counts saturate at 2^53-1 instead, and a condition carries the
  // exact figures, so a /64 never shows a negative or wrapped number.
  const fields = {
    assignedIPv4: usage?.assignedIPv4 ?? 0n,
    assignedIPv6: usage?.assignedIPv6 ?? 0n,
    availableIPv4: usage?.availableIPv4 ?? 0n,
    availableIPv6: usage?.availableIPv6 ?? 0n,
  };
  const saturated = Object.entries(fields).filter(([, v]) => saturateSafeNumber(v).saturated);
  if (saturated.length > 0) {
    conditions.push(cond('CountsSaturated', 'True', 'TooLargeForStatus',
      `${saturated.map(([k, v]) => `${k} is ${v}`).join(', ')}; the status fields show 9007199254740991 (2^53-1)`));
  }
  return {
    assignedIPv4: saturateSafeNumber(fields.assignedIPv4).value,
    assignedIPv6: saturateSafeNumber(fields.assignedIPv6).value,
    availableIPv4: saturateSafeNumber(fields.availableIPv4).value,
    availableIPv6: saturateSafeNumber(fields.availableIPv6).value,
    conditions,
  };
}

/**
 * Whether the status read back from the API server already says what we want. The
 * server returns custom objects with their keys sorted, so the comparison ignores key
 * order (a plain JSON.stringify comparison never matched and re-sent every pool's
 * status on every flush).
 */
export function samePoolStatus(current: unknown, want: PoolStatus): boolean {
  return canonical(current ?? {}) === canonical(want);
}
