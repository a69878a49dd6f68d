// Names of the objects the speaker writes, shared with whoever reads them (the speaker's
// peers, `kubectl ironlb`): its per-node coordination.k8s.io Lease, and the labels of the
// ServiceL2Status objects it keeps for each Service it announces.

/** Lease `ironlb-speaker-<node>` in the install namespace. */
export const SpeakerLeasePrefix = 'ironlb-speaker-';
export const SpeakerLeaseLabel = 'app.kubernetes.io/component';
export const SpeakerLeaseLabelValue = 'speaker-lease';
/** host:port of the speaker's heartbeat socket, for its peers. */
export const HeartbeatAddressAnnotation = 'ironlb.io/heartbeat-address';
/** Comma-separated MACs of the speaker's interfaces (a GARP from one is a failover, not a conflict). */
export const MacsAnnotation = 'ironlb.io/macs';

export const speakerLeaseName = (node: string): string => `${SpeakerLeasePrefix}${node}`;

/** The node a speaker Lease is for (holderIdentity, else the name's suffix); undefined for other Leases. */
export function speakerLeaseNode(l: { metadata?: { name?: string }; spec?: { holderIdentity?: string } }): string | undefined {
  const name = l.metadata?.name ?? '';
  if (!name.startsWith(SpeakerLeasePrefix)) return undefined;
  return l.spec?.holderIdentity || name.slice(SpeakerLeasePrefix.length);
}

export const L2StatusNodeLabel = 'metallb.io/node';
export const L2StatusServiceNameLabel = 'metallb.io/service-name';
export const L2StatusServiceNamespaceLabel = 'metallb.io/service-namespace';
