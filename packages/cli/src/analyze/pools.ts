// `kubectl ironlb pools`: per IPAddressPool — its addresses, used/free per family (the
// allocator's own count after re-claiming what Services hold), the Services in it, the
// L2Advertisements that announce it, and its problems (invalid, overlap, host bits, not
// advertised, full). Pure.
import { selectsPool } from '@ironlb/core';
import type { ClusterModel } from './model.js';

export type PoolProblemCode = 'invalid' | 'overlap' | 'host-bits' | 'not-advertised' | 'full';

export interface PoolProblem {
  readonly code: PoolProblemCode;
  readonly message: string;
}

export interface FamilyUse {
  /**
   * Exact address counts. Always integers (JSON/YAML integers in the output, never a
   * string for some pools and a number for others): an IPv6 /64 has 18446744073709551616.
   */
  readonly total: bigint;
  readonly used: bigint;
  readonly free: bigint;
}

export interface PoolRow {
  readonly name: string;
  readonly addresses: readonly string[];
  readonly autoAssign: boolean;
  /** undefined when the allocator does not use the pool (invalid). */
  readonly ipv4: FamilyUse | undefined;
  readonly ipv6: FamilyUse | undefined;
  /** Service keys the allocator places in this pool. */
  readonly services: readonly string[];
  readonly advertisements: readonly string[];
  readonly problems: readonly PoolProblem[];
}

export interface PoolsReport {
  readonly kind: 'PoolsReport';
  readonly now: number;
  readonly pools: readonly PoolRow[];
}

export function poolsReport(m: ClusterModel): PoolsReport {
  const assignments = m.allocator.assignments();
  const pools = [...m.snapshot.pools]
    .sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1))
    .map((p): PoolRow => {
      const name = p.metadata?.name ?? '';
      const v = m.poolValidation.get(name);
      const usage = v?.ok ? m.allocator.usage(name) : undefined;
      const family = (total: bigint, used: bigint): FamilyUse | undefined => (total === 0n ? undefined : { total, used, free: total - used });
      const ev = m.electionInput.pools.find((x) => x.name === name);
      const advertisements = ev ? m.electionInput.advertisements.filter((ad) => selectsPool(ad, ev)).map((ad) => ad.name).sort() : [];
      const problems: PoolProblem[] = [];
      if (v && !v.ok) for (const pr of v.problems) problems.push({ code: 'invalid', message: pr.message });
      for (const o of m.poolReport.overlaps) if (o.keptBy === name || o.removedFrom === name) problems.push({ code: 'overlap', message: o.message });
      for (const w of v?.warnings ?? []) if (w.reason === 'host-bits-set') problems.push({ code: 'host-bits', message: w.message });
      if (advertisements.length === 0) problems.push({ code: 'not-advertised', message: `no L2Advertisement in ${m.snapshot.systemNamespace} selects pool ${name}: its IPs are assigned but never announced` });
      if (usage) {
        const full = [
          ...(usage.totalIPv4 > 0n && usage.availableIPv4 === 0n ? ['IPv4'] : []),
          ...(usage.totalIPv6 > 0n && usage.availableIPv6 === 0n ? ['IPv6'] : []),
        ];
        if (full.length > 0) problems.push({ code: 'full', message: `pool ${name} has no free ${full.join(' or ')} address` });
      }
      return {
        name,
        addresses: p.spec?.addresses ?? [],
        autoAssign: p.spec?.autoAssign ?? true,
        ipv4: usage ? family(usage.totalIPv4, usage.assignedIPv4) : undefined,
        ipv6: usage ? family(usage.totalIPv6, usage.assignedIPv6) : undefined,
        services: assignments.filter((a) => a.pool === name).map((a) => a.service),
        advertisements,
        problems,
      };
    });
  return { kind: 'PoolsReport', now: m.snapshot.now, pools };
}
