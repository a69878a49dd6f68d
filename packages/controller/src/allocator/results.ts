// What the allocator answers. Expected conditions (exhausted, conflicts, bad requests)
// are values the reconciler turns into Events (AllocationFailed, ClearAssignment),
// conditions and metrics; the allocator never throws for them.
import type { PoolOverlap } from '@ironlb/core';
import type { ServiceView } from './service-view.js';

export type AllocationFailureReason =
  /** Eligible pools exist but have no free (or shareable) address of the family. */
  | 'exhausted'
  /** No pool may serve this Service with the family it needs. */
  | 'no-matching-pool'
  /** A requested address is held by a Service it cannot share with. */
  | 'ip-in-use'
  /** A requested address is in no pool, in another pool than requested, or excluded by avoidBuggyIPs. */
  | 'ip-not-in-pool'
  /** A requested address, or a requested pool, does not have the Service's family. */
  | 'wrong-family'
  /** metallb.io/address-pool names a pool that does not exist. */
  | 'pool-not-found'
  /** The pool's serviceAllocation does not select this Service. */
  | 'pool-not-allowed'
  /** Same sharing key, but ports clash or Local selectors differ. */
  | 'sharing-conflict'
  /** Restore only: the Service now asks for other IPs or another pool than it holds. */
  | 'request-changed'
  /** The request itself is malformed (unparseable IP, two of one family, no ipFamilies...). */
  | 'invalid-request';

export interface Assignment {
  service: string;
  pool: string;
  /** In ingress order: the Service's primary family first. */
  ips: string[];
}

export type AllocationResult =
  | {
      ok: true;
      service: string;
      pool: string;
      ips: string[];
      /**
       * kept: same IPs as before; added-family: a dual-stack policy got its second family
       * (the held one kept); dropped-family: a family the Service no longer has was given
       * back (the other kept); new: had none; moved: had others.
       */
      change: 'kept' | 'added-family' | 'dropped-family' | 'new' | 'moved';
      /** Addresses this Service gave up during the call (its old ones when moved). */
      released: string[];
    }
  | { ok: false; service: string; reason: AllocationFailureReason; message: string; released: string[] };

export interface HeldAssignment {
  service: ServiceView;
  /** What status.loadBalancer.ingress says the Service holds. */
  ips: readonly string[];
}

export type RestoreOutcome =
  | { ok: true; service: string; pool: string; ips: string[] }
  | { ok: false; service: string; reason: AllocationFailureReason; message: string };

export interface ReleaseResult {
  service: string;
  /** False when the Service held nothing. */
  held: boolean;
  ips: string[];
  /** The subset of `ips` now free (the rest are still shared by other Services). */
  freed: string[];
}

export interface LostAssignment {
  service: string;
  pool: string;
  ips: string[];
  reason: 'pool-deleted' | 'pool-shrunk';
  message: string;
}

export interface PoolUpdateReport {
  /** Addresses listed by two pools; the newer pool lost them. */
  overlaps: PoolOverlap[];
  /** Services whose addresses are no longer in any pool: the reconciler clears or moves them. */
  lost: LostAssignment[];
  /** Services whose addresses now belong to another pool (ip-allocated-from-pool changes). */
  rehomed: { service: string; ips: string[]; from: string; to: string }[];
}

export interface PoolUsage {
  pool: string;
  totalIPv4: bigint;
  totalIPv6: bigint;
  /** Addresses in use; a shared address counts once (as MetalLB counts). */
  assignedIPv4: bigint;
  assignedIPv6: bigint;
  availableIPv4: bigint;
  availableIPv6: bigint;
}
