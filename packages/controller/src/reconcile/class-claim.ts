// One --lb-class per namespace. The pools of a namespace are one address space: two
// controllers with different classes reading the same pools would each hand out the same
// free address to their own Services (two Services on one IP) and overwrite each other's
// pool status. MetalLB's model is one installation per namespace, each with its own pools;
// we enforce it: the acting leader holds a second Lease, ironlb-controller-class, that
// records its class, and a leader of another class refuses to act while that claim is
// alive. Pure decisions; expiry is judged like leader election (leader/decide.ts), from
// when WE saw the claim change, never from the holder's clock.
import { decide, type LeaseView, type Observation } from '../leader/decide.js';

/** Fixed on purpose: it must not follow --lease-name, or two installs could dodge each other. */
export const ClassClaimLeaseName = 'ironlb-controller-class';
/** On the claim Lease: the class its holder serves; '' = Services without a loadBalancerClass. */
export const LbClassAnnotation = 'ironlb.io/lb-class';

export interface ClaimView extends LeaseView {
  lbClass: string;
}

export type ClaimDecision =
  | { action: 'create' }
  | { action: 'acquire'; transitions: number }
  | { action: 'renew' }
  | { action: 'refuse'; holder: string; lbClass: string; expiresInMs: number; message: string };

/** How a class is shown to people. */
export function describeClass(lbClass: string | undefined): string {
  return lbClass === undefined || lbClass === '' ? 'no lb-class (Services without spec.loadBalancerClass)' : `lb-class "${lbClass}"`;
}

/**
 * What to do with the claim. The same class may take it over at once from another holder
 * (replicas of one class are already serialised by their leader Lease); another class
 * only once the claim is free or expired.
 */
export function judgeClassClaim(claim: ClaimView | undefined, obs: Observation | undefined, me: { identity: string; lbClass: string | undefined }, namespace: string, nowMono: number): ClaimDecision {
  const mine = me.lbClass ?? '';
  if (claim && claim.holder !== '' && claim.holder !== me.identity && claim.lbClass === mine) {
    return { action: 'acquire', transitions: claim.transitions + 1 };
  }
  const d = decide(claim, obs, me.identity, nowMono);
  if (d.action !== 'wait') return d;
  const other = claim?.lbClass ?? '';
  return {
    action: 'refuse',
    holder: d.holder,
    lbClass: other,
    expiresInMs: d.expiresInMs,
    message:
      `namespace ${namespace} is served by the controller with ${describeClass(other)} (${d.holder}); this one has ${describeClass(mine)} and will not act: ` +
      `one lb-class per namespace, since both would hand the same pool addresses to their own Services. ` +
      `Install each class in its own namespace with its own pools (as MetalLB does), or stop the other one (its claim expires ${Math.ceil(d.expiresInMs / 1000)} s after its last renewal).`,
  };
}
