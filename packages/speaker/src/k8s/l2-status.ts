// ServiceL2Status objects of this node: one per Service it announces, in the install
// namespace, named after node and Service so a level reconcile can compare by name.
// Stale ones (Service no longer announced here) are deleted; a restart reconciles from the
// informer's list, so none leak whatever was missed while the speaker was down. The owner
// reference is the Node (cluster-scoped, hence valid from any namespace; a Service in
// another namespace cannot own it): deleting the Node garbage-collects its statuses.
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { PatchStrategy, setHeaderOptions, type CustomObjectsApi } from '@kubernetes/client-node';
import {
  L2StatusNodeLabel,
  L2StatusServiceNameLabel,
  L2StatusServiceNamespaceLabel,
  MetallbApiVersion,
  MetallbGroup,
  MetallbResources,
  MetallbVersion,
  isNotFound,
  withDeadline,
  type Clock,
  type ServiceL2Status,
} from '@ironlb/core';

// The label names live in core: `kubectl ironlb` reads these objects too.
export { L2StatusNodeLabel, L2StatusServiceNameLabel, L2StatusServiceNamespaceLabel };

export interface WantedL2Status {
  readonly namespace: string;
  readonly name: string;
  readonly interfaces: readonly string[];
}

/** Deterministic object name: readable prefix, hash for uniqueness and the 253-char limit. */
export function l2StatusName(node: string, serviceNamespace: string, serviceName: string): string {
  const h = createHash('sha256').update(`${node}/${serviceNamespace}/${serviceName}`).digest('hex').slice(0, 10);
  return `l2-${serviceName.slice(0, 40)}-${h}`.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
}

export interface L2StatusPlan {
  readonly create: { name: string; want: WantedL2Status }[];
  readonly update: { name: string; want: WantedL2Status }[];
  readonly remove: string[];
}

export interface OthersView {
  /** Nodes whose speaker is live. */
  readonly live: ReadonlySet<string>;
  /** Service keys ("ns/name") that still exist with IPs. */
  readonly services: ReadonlySet<string>;
  /** This node cleans up after dead nodes' Services that no longer exist (one node does). */
  readonly janitor: boolean;
}

/**
 * Pure diff of what exists against what is wanted. `existing` holds every node's objects:
 * ours are created, updated and deleted to match `wanted`; another node's are deleted
 * when that node's speaker is not live and either we now announce the Service or the
 * Service is gone and we are the janitor — so a node that died for good leaves nothing
 * behind (its Node object, the owner reference, may live on).
 */
export function planL2Statuses(node: string, existing: readonly ServiceL2Status[], wanted: readonly WantedL2Status[], others?: OthersView): L2StatusPlan {
  const mine = existing.filter((o) => (o.metadata.labels?.[L2StatusNodeLabel] ?? o.status?.node) === node);
  const have = new Map(mine.map((o) => [o.metadata.name ?? '', o]));
  const want = new Map(wanted.map((w) => [l2StatusName(node, w.namespace, w.name), w]));
  const plan: L2StatusPlan = { create: [], update: [], remove: [] };
  for (const [name, w] of want) {
    const cur = have.get(name);
    if (!cur) plan.create.push({ name, want: w });
    else if (!isDeepStrictEqual(cur.status, statusOf(node, w))) plan.update.push({ name, want: w });
  }
  for (const name of have.keys()) if (!want.has(name)) plan.remove.push(name);
  if (others) {
    const ours = new Set(wanted.map((w) => `${w.namespace}/${w.name}`));
    for (const o of existing) {
      const owner = o.metadata.labels?.[L2StatusNodeLabel] ?? o.status?.node;
      if (!owner || owner === node || others.live.has(owner)) continue;
      const key = `${o.metadata.labels?.[L2StatusServiceNamespaceLabel] ?? o.status?.serviceNamespace}/${o.metadata.labels?.[L2StatusServiceNameLabel] ?? o.status?.serviceName}`;
      if (ours.has(key) || (!others.services.has(key) && others.janitor)) plan.remove.push(o.metadata.name ?? '');
    }
  }
  return plan;
}

export function statusOf(node: string, w: WantedL2Status): NonNullable<ServiceL2Status['status']> {
  return { node, serviceName: w.name, serviceNamespace: w.namespace, interfaces: w.interfaces.map((name) => ({ name })) };
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface L2StatusWriter {
  apply(plan: L2StatusPlan): Promise<void>;
}

export function createL2StatusWriter(api: CustomObjectsApi, namespace: string, node: string, nodeUid: () => string | undefined, deadlineMs: number, clock: Clock): L2StatusWriter {
  const plural = MetallbResources.serviceL2Status.plural;
  const base = { group: MetallbGroup, version: MetallbVersion, namespace, plural };
  const dl = <T>(p: Promise<T>, what: string) => withDeadline(p, deadlineMs, what, clock);
  const writeStatus = (name: string, w: WantedL2Status) =>
    dl(api.patchNamespacedCustomObjectStatus({ ...base, name, body: { status: statusOf(node, w) } }, merge), `patch servicel2status ${name}`);
  return {
    async apply(plan) {
      // One bad object (a 422, a conflict) must not block the rest: try every item, then
      // fail with all errors so the queue retries.
      const errors: unknown[] = [];
      const attempt = async (fn: () => Promise<void>) => {
        try {
          await fn();
        } catch (e) {
          errors.push(e);
        }
      };
      for (const { name, want } of plan.create) await attempt(async () => {
        const uid = nodeUid();
        const body = {
          apiVersion: MetallbApiVersion,
          kind: MetallbResources.serviceL2Status.kind,
          metadata: {
            name,
            namespace,
            labels: { [L2StatusNodeLabel]: node, [L2StatusServiceNameLabel]: want.name, [L2StatusServiceNamespaceLabel]: want.namespace },
            ...(uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node, uid }] } : {}),
          },
          spec: {},
        };
        try {
          await dl(api.createNamespacedCustomObject({ ...base, body }), `create servicel2status ${name}`);
        } catch (e) {
          if ((e as { code?: number }).code !== 409) throw e;
        }
        // status is a subresource: ignored on create, written separately.
        await writeStatus(name, want);
      });
      for (const { name, want } of plan.update) await attempt(() => writeStatus(name, want));
      for (const name of plan.remove) {
        await attempt(async () => {
          try {
            await dl(api.deleteNamespacedCustomObject({ ...base, name }), `delete servicel2status ${name}`);
          } catch (e) {
            if (!isNotFound(e)) throw e;
          }
        });
      }
      if (errors.length > 0) throw new AggregateError(errors, `${errors.length} ServiceL2Status write(s) failed: ${errors.map(String).join('; ')}`);
    },
  };
}
