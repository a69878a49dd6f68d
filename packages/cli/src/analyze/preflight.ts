// `kubectl ironlb preflight`: the install checks, each a pass/fail line with the command
// that fixes it. strictARP is judged by core's checkStrictArp (what the speaker refuses to
// announce on), overlaps by the allocator's pool update, liveness by the speakers' Leases.
import { ExcludeFromExternalLoadBalancersLabel, HeartbeatSecretName, selectsNode, type StrictArpVerdict } from '@ironlb/core';
import { MetallbCrds } from '../snapshot.js';
import type { ClusterModel } from './model.js';

export type CheckName = 'crds' | 'strictARP' | 'pool' | 'advertisement' | 'pool-overlap' | 'speakers' | 'heartbeat-secret';

export interface Check {
  readonly name: CheckName;
  readonly ok: boolean;
  /** One sentence: what was found. */
  readonly message: string;
  /** On failure: what to run or change. */
  readonly fix?: string;
}

export interface PreflightReport {
  readonly kind: 'PreflightReport';
  readonly now: number;
  readonly checks: readonly Check[];
  /** Set when --fix ran (see fix.ts). */
  readonly fixed?: FixOutcome;
}

export interface FixOutcome {
  /** True when kube-proxy's ConfigMap was changed. */
  readonly patched: boolean;
  readonly message: string;
  /** kube-proxy pods that must restart to apply the sysctls (namespace/name). */
  readonly restartPods: readonly string[];
  readonly restartCommand: string;
}

export function preflightReport(m: ClusterModel): PreflightReport {
  const snap = m.snapshot;
  const ns = snap.systemNamespace;
  const checks: Check[] = [];
  const missing = MetallbCrds.filter((c) => !snap.crds.includes(c));
  checks.push(
    missing.length === 0
      ? { name: 'crds', ok: true, message: `the metallb.io CRDs are installed (${MetallbCrds.join(', ')})` }
      : { name: 'crds', ok: false, message: `missing CustomResourceDefinitions: ${missing.join(', ')}`, fix: 'kubectl apply -k deploy/  (or kubectl apply -f crds/)' },
  );
  checks.push(strictArpCheck(m.strictArp));

  const validPools = [...m.poolValidation].filter(([, v]) => v.ok).map(([n]) => n).sort();
  const invalidPools = [...m.poolValidation].filter(([, v]) => !v.ok).map(([n]) => n).sort();
  checks.push(
    validPools.length > 0
      ? { name: 'pool', ok: true, message: `${validPools.length} valid IPAddressPool(s) in ${ns}: ${validPools.join(', ')}${invalidPools.length ? `; invalid: ${invalidPools.join(', ')}` : ''}` }
      : {
          name: 'pool',
          ok: false,
          message: invalidPools.length > 0 ? `no valid IPAddressPool in ${ns} (invalid: ${invalidPools.join(', ')})` : `no IPAddressPool in ${ns}: no Service can get an IP`,
          fix: `kubectl apply -f examples/02-ipaddresspool.yaml  # an IPAddressPool in ${ns} with addresses of your LAN`,
        },
  );
  const ads = m.electionInput.advertisements.map((a) => a.name).sort();
  checks.push(
    ads.length > 0
      ? { name: 'advertisement', ok: true, message: `${ads.length} L2Advertisement(s) in ${ns}: ${ads.join(', ')}` }
      : { name: 'advertisement', ok: false, message: `no L2Advertisement in ${ns}: IPs are assigned but no node announces them`, fix: `kubectl apply -f examples/03-l2advertisement.yaml  # an L2Advertisement in ${ns}` },
  );
  const overlaps = m.poolReport.overlaps;
  checks.push(
    overlaps.length === 0
      ? { name: 'pool-overlap', ok: true, message: 'no address is listed by two pools' }
      : { name: 'pool-overlap', ok: false, message: overlaps.map((o) => o.message).join('; '), fix: 'remove the common addresses from one of the pools' },
  );

  // Nodes some advertisement selects (every node when there is none), minus those the
  // election never uses (exclude-from-external-load-balancers).
  const selected = m.electionInput.nodes
    .filter((n) => (m.electionInput.advertisements.length === 0 ? true : m.electionInput.advertisements.some((ad) => selectsNode(ad, n))))
    .filter((n) => !Object.prototype.hasOwnProperty.call(n.labels, ExcludeFromExternalLoadBalancersLabel))
    .map((n) => n.name)
    .sort();
  const notLive = selected.filter((n) => !m.speakers.get(n)?.live);
  checks.push(
    selected.length === 0
      ? { name: 'speakers', ok: false, message: 'no node is selected by an L2Advertisement', fix: 'check the nodeSelectors of the L2Advertisements' }
      : notLive.length === 0
        ? { name: 'speakers', ok: true, message: `a live speaker on every selected node (${selected.join(', ')})` }
        : {
            name: 'speakers',
            ok: false,
            message: `no live speaker (its Lease ironlb-speaker-<node> in ${ns} is missing or lapsed) on: ${notLive.join(', ')}`,
            fix: `kubectl -n ${ns} get pods -l app.kubernetes.io/component=speaker -o wide  # the speaker DaemonSet must run on those nodes`,
          },
  );
  checks.push(
    snap.heartbeatSecret
      ? { name: 'heartbeat-secret', ok: true, message: `Secret ${ns}/${HeartbeatSecretName} is present` }
      : {
          name: 'heartbeat-secret',
          ok: false,
          message: `Secret ${ns}/${HeartbeatSecretName} is missing: speakers cannot authenticate heartbeats and fall back to the slower Lease layer`,
          fix: `the controller creates it: check that the controller runs (kubectl -n ${ns} get deploy,pods)`,
        },
  );
  return { kind: 'PreflightReport', now: snap.now, checks };
}

function strictArpCheck(v: StrictArpVerdict): Check {
  if (v.ok) return { name: 'strictARP', ok: true, message: v.message };
  return { name: 'strictARP', ok: false, message: v.message.replace(/ Fix: .*$/, ''), fix: `kubectl ironlb preflight --fix  (or: ${v.fix}); then ${v.restart}` };
}
