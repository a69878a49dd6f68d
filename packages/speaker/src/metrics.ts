// Speaker metrics. MetalLB's names and labels are kept exactly (users' dashboards and
// alerts: metallb_speaker_announced, metallb_layer2_*); ours carry the ironlb_ prefix.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export function createSpeakerMetrics() {
  const registry = new Registry();
  return {
    registry,
    announced: new Gauge({ name: 'metallb_speaker_announced', help: 'Services being announced from this node (1 per service and IP)', labelNames: ['service', 'protocol', 'node', 'ip'], registers: [registry] }),
    // Counters, as in MetalLB (its layer2 stats are CounterVecs).
    requestsReceived: new Counter({ name: 'metallb_layer2_requests_received', help: 'Number of layer2 requests received for owned IPs', labelNames: ['ip'], registers: [registry] }),
    responsesSent: new Counter({ name: 'metallb_layer2_responses_sent', help: 'Number of layer2 responses sent for owned IPs', labelNames: ['ip'], registers: [registry] }),
    gratuitousSent: new Counter({ name: 'metallb_layer2_gratuitous_sent', help: 'Number of gratuitous layer2 packets sent for owned IPs', labelNames: ['ip'], registers: [registry] }),
    configLoaded: new Gauge({ name: 'metallb_k8s_client_config_loaded_bool', help: '1 if the speaker has loaded its configuration from the API', registers: [registry] }),
    configStale: new Gauge({ name: 'metallb_k8s_client_config_stale_bool', help: '1 if the speaker acts on a view of the API older than its lease duration', registers: [registry] }),
    failovers: new Counter({ name: 'ironlb_speaker_failovers_total', help: 'IPs this node took over from another node, by cause', labelNames: ['reason'], registers: [registry] }),
    detection: new Histogram({
      name: 'ironlb_speaker_peer_death_detection_seconds',
      help: 'Time from a peer\'s last heartbeat to the verdict that it is dead (heartbeat layer, as seen by a detector)',
      labelNames: ['via'],
      buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2, 5, 15, 30],
      registers: [registry],
    }),
    heartbeatDropped: new Counter({ name: 'ironlb_speaker_heartbeat_dropped_total', help: 'Heartbeat packets dropped, by reason (forged, replayed, wrong key, …)', labelNames: ['reason'], registers: [registry] }),
    heartbeatPackets: new Counter({ name: 'ironlb_speaker_heartbeat_packets_total', help: 'Heartbeat packets, by direction', labelNames: ['direction'], registers: [registry] }),
    livePeers: new Gauge({ name: 'ironlb_speaker_live_speakers', help: 'Speakers this node believes live (itself included)', registers: [registry] }),
    conflicts: new Counter({ name: 'ironlb_speaker_address_conflicts_total', help: 'Another MAC claimed an owned IP, by classification (split-view, foreign-conflict, strict-arp-off)', labelNames: ['classification'], registers: [registry] }),
    strictArp: new Gauge({ name: 'ironlb_speaker_strict_arp_ok', help: '1 if kube-proxy is not in IPVS mode or has strictARP on; 0 if the preflight refuses', registers: [registry] }),
    announcing: new Gauge({ name: 'ironlb_speaker_announcing_bool', help: '1 if this speaker may announce (ready, not isolated, preflight passed)', registers: [registry] }),
  };
}

export type SpeakerMetrics = ReturnType<typeof createSpeakerMetrics>;
