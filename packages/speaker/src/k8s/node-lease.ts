// This speaker's own coordination.k8s.io Lease (`ironlb-speaker-<node>` in the install
// namespace): the API-server record that it is alive, and where peers find its heartbeat
// address and MACs. One write per renew interval per node: API load grows with nodes,
// never with Services. Every call has a deadline.
import { PatchStrategy, V1MicroTime, setHeaderOptions, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import {
  HeartbeatAddressAnnotation,
  isNotFound,
  MacsAnnotation,
  SpeakerLeaseLabel,
  SpeakerLeaseLabelValue,
  SpeakerLeasePrefix,
  speakerLeaseName,
  withDeadline,
  type Clock,
} from '@ironlb/core';

// The names live in core: `kubectl ironlb` reads these Leases too.
export { HeartbeatAddressAnnotation, MacsAnnotation, SpeakerLeaseLabel, SpeakerLeaseLabelValue, SpeakerLeasePrefix, speakerLeaseName };

export interface NodeLeaseInfo {
  readonly node: string;
  readonly heartbeatAddress: string;
  readonly macs: readonly string[];
}

/** Reads a peer's Lease; undefined when it is not a speaker Lease or lacks its address. */
export function leaseInfo(l: V1Lease): NodeLeaseInfo | undefined {
  const name = l.metadata?.name ?? '';
  if (!name.startsWith(SpeakerLeasePrefix)) return undefined;
  const node = l.spec?.holderIdentity ?? name.slice(SpeakerLeasePrefix.length);
  const addr = l.metadata?.annotations?.[HeartbeatAddressAnnotation];
  if (!addr) return undefined;
  const macs = (l.metadata?.annotations?.[MacsAnnotation] ?? '').split(',').map((m) => m.trim().toLowerCase()).filter(Boolean);
  return { node, heartbeatAddress: addr, macs };
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface NodeLeaseWriter {
  /** Creates or renews the Lease; resolves when the API server accepted it. */
  renew(info: NodeLeaseInfo): Promise<void>;
  /** Deletes it (graceful leave): peers drop us from the Lease layer at once. */
  remove(): Promise<void>;
}

export function createNodeLeaseWriter(api: Pick<CoordinationV1Api, 'createNamespacedLease' | 'patchNamespacedLease' | 'deleteNamespacedLease'>, namespace: string, node: string, durationSeconds: number, deadlineMs: number, clock: Clock): NodeLeaseWriter {
  const name = speakerLeaseName(node);
  const body = (info: NodeLeaseInfo): V1Lease => ({
    metadata: {
      name,
      namespace,
      labels: { [SpeakerLeaseLabel]: SpeakerLeaseLabelValue, 'metallb.io/node': node },
      annotations: { [HeartbeatAddressAnnotation]: info.heartbeatAddress, [MacsAnnotation]: info.macs.join(',') },
    },
    spec: { holderIdentity: node, leaseDurationSeconds: durationSeconds, renewTime: new V1MicroTime(clock.now()) },
  });
  return {
    async renew(info) {
      const b = body(info);
      try {
        await withDeadline(api.patchNamespacedLease({ name, namespace, body: b }, merge), deadlineMs, `renew lease ${namespace}/${name}`, clock);
      } catch (e) {
        if (!isNotFound(e)) throw e;
        await withDeadline(api.createNamespacedLease({ namespace, body: b }), deadlineMs, `create lease ${namespace}/${name}`, clock);
      }
    },
    async remove() {
      try {
        await withDeadline(api.deleteNamespacedLease({ name, namespace }), deadlineMs, `delete lease ${namespace}/${name}`, clock);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    },
  };
}
