export { Allocator } from './allocator.js';
export type {
  AllocationFailureReason,
  AllocationResult,
  Assignment,
  HeldAssignment,
  LostAssignment,
  PoolUpdateReport,
  PoolUsage,
  ReleaseResult,
  RestoreOutcome,
} from './results.js';
export { backendKeyOf, planFamilies, portKeysOf, shareIdentityOf, type FamilyPlan, type IPFamilyPolicy, type ServicePort, type ServiceView, type ShareIdentity } from './service-view.js';
export { comparePinnedPools, orderPools, poolAdmitsService, type PoolOrder } from './pool-order.js';
