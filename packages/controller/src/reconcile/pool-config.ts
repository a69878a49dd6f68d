// Turns the IPAddressPool objects into the pools the allocator uses, and into what each
// pool's status should say. A pool whose spec becomes invalid keeps its last valid
// version (MetalLB's "stale config"): a typo in an edit must never take IPs away from
// Services. A pool that was never valid is simply not used.
import { validatePool, saturateSafeNumber, type IPAddressPool, type PoolOverlap, type PoolView, type Problem } from '@ironlb/core';
import type { PoolUsage } from '../allocator/index.js';

export interface PoolHealth {
  problems: Problem[];
  warnings: Problem[];
  /** True when the allocator uses the last valid version instead of the current spec. */
  stale: boolean;
}

export interface PoolConfig {
  pools: PoolView[];
  health: Map<string, PoolHealth>;
  /** Any pool running on a stale version (metallb_k8s_client_config_stale_bool). */
  stale: boolean;
  /** What to remember for the next call. */
  lastGood: Map<string, PoolView>;
}

export function resolvePoolConfig(objects: readonly IPAddressPool[], lastGood: ReadonlyMap<string, PoolView>): PoolConfig {
  const pools: PoolView[] = [];
  const health = new Map<string, PoolHealth>();
  const nextGood = new Map<string, PoolView>();
  let stale = false;
  for (const obj of objects) {
    const name = obj.metadata?.name ?? '';
    const v = validatePool(obj);
    if (v.ok) {
      pools.push(v.pool);
      nextGood.set(name, v.pool);
      health.set(name, { problems: [], warnings: v.warnings, stale: false });
      continue;
    }
    const prev = lastGood.get(name);
    if (prev) {
      pools.push(prev);
      nextGood.set(name, prev);
      stale = true;
    }
    health.set(name, { problems: v.problems, warnings: v.warnings, stale: prev !== undefined });
  }
  return { pools, health, stale, lastGood: nextGood };
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

/** The status a pool should have; keeps lastTransitionTime of conditions that did not change. */
export function poolStatusOf(
  name: string,
  generation: number | undefined,
  health: PoolHealth | undefined,
  overlaps: readonly PoolOverlap[],
  usage: PoolUsage | undefined,
  previous: readonly Condition[],
  nowIso: string,
): PoolStatus {
  const cond = (type: string, status: 'True' | 'False', reason: string, message: string): Condition => {
    const prev = previous.find((c) => c.type === type);
    const lastTransitionTime = prev && prev.status === status ? prev.lastTransitionTime : nowIso;
    return { type, status, reason, message, lastTransitionTime, observedGeneration: generation };
  };
  const problems = health?.problems ?? [];
  const mine = overlaps.filter((o) => o.removedFrom === name || o.keptBy === name);
  const hostBits = (health?.warnings ?? []).filter((w) => w.reason === 'host-bits-set');
  const conditions = [
    problems.length === 0
      ? cond('Valid', 'True', 'Valid', 'the spec is valid')
      : cond('Valid', 'False', health?.stale ? 'InvalidSpecUsingLastValid' : 'InvalidSpec',
          `${problems.map((p) => p.message).join('; ')}${health?.stale ? ' (the last valid version of this pool stays in use)' : ' (the pool is not used)'}`),
    mine.length === 0
      ? cond('Overlapping', 'False', 'NoOverlap', 'no address is listed by another pool')
      : cond('Overlapping', 'True', 'OverlapsOtherPool', mine.map((o) => o.message).join('; ')),
    hostBits.length === 0
      ? cond('HostBitsSet', 'False', 'NoHostBits', 'every CIDR is a network address')
      : cond('HostBitsSet', 'True', 'HostBitsSet', hostBits.map((w) => w.message).join('; ')),
  ];
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

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
