// Counters with MetalLB's layer-2 metric semantics, kept as plain numbers: the caller
// maps them to prom-client (metallb_layer2_requests_received{ip},
// metallb_layer2_responses_sent{ip}, metallb_layer2_gratuitous_sent{ip}). Fed by the
// runtime with events and with the sends that actually left the socket.
//
// Per-IP counts only grow while the IP has an entry on some interface, so they are proper
// Prometheus counters for as long as the series exists. When the last entry of an IP is
// withdrawn the runtime calls forgetIp: the IP drops out of the snapshot, and the exporter
// should delete its label set (series of withdrawn IPs would otherwise pile up for the life
// of the process, one per IP this node ever owned). If the IP comes back it starts from 0,
// which Prometheus' rate() reads as a counter reset. (MetalLB's internal/layer2/stats.go
// never deletes label sets; dropping them is our choice, to keep memory bounded.)
import type { AnnouncerEvent, DropReason, FramePurpose, SendAction } from './types.js';

export interface IpCounters {
  /** Requests (ARP requests, NS) for the owned IP that arrived on its interface. */
  requestsReceived: number;
  /** Answers sent: ARP replies and solicited (or DAD-answering) NAs. */
  responsesSent: number;
  /** Gratuitous frames sent: both GARP forms and unsolicited NAs, per frame. */
  gratuitousSent: number;
  probesSent: number;
  /** Conflict events reported (split views and foreign hosts alike). */
  conflicts: number;
}

export interface CounterSnapshot {
  readonly perIp: Readonly<Record<string, Readonly<IpCounters>>>;
  readonly dropped: Readonly<Partial<Record<DropReason, number>>>;
  readonly sendErrors: number;
}

const RESPONSES: ReadonlySet<FramePurpose> = new Set(['arp-reply', 'na-solicited', 'na-dad-reply']);
const GRATUITOUS: ReadonlySet<FramePurpose> = new Set(['garp-request', 'garp-reply', 'na-unsolicited']);
const PROBES: ReadonlySet<FramePurpose> = new Set(['arp-probe', 'ns-dad-probe']);

export class AnnounceCounters {
  readonly #perIp = new Map<string, IpCounters>();
  readonly #dropped = new Map<DropReason, number>();
  #sendErrors = 0;

  #ip(ip: string): IpCounters {
    let c = this.#perIp.get(ip);
    if (!c) {
      c = { requestsReceived: 0, responsesSent: 0, gratuitousSent: 0, probesSent: 0, conflicts: 0 };
      this.#perIp.set(ip, c);
    }
    return c;
  }

  recordEvent(event: AnnouncerEvent): void {
    if (event.kind === 'request') this.#ip(event.ip).requestsReceived++;
    else if (event.kind === 'conflict') this.#ip(event.ip).conflicts++;
    else if (event.kind === 'dropped') this.#dropped.set(event.reason, (this.#dropped.get(event.reason) ?? 0) + 1);
  }

  /** Counts a send that reached the socket (`ok`) or failed. */
  recordSend(action: SendAction, ok: boolean): void {
    if (!ok) {
      this.#sendErrors++;
      return;
    }
    const c = this.#ip(action.ip);
    if (RESPONSES.has(action.purpose)) c.responsesSent++;
    else if (GRATUITOUS.has(action.purpose)) c.gratuitousSent++;
    else if (PROBES.has(action.purpose)) c.probesSent++;
  }

  /** Drops an IP's counters; the runtime calls it once no interface has an entry for the IP. */
  forgetIp(ip: string): void {
    this.#perIp.delete(ip);
  }

  snapshot(): CounterSnapshot {
    return {
      perIp: Object.fromEntries([...this.#perIp].map(([ip, c]) => [ip, { ...c }])),
      dropped: Object.fromEntries(this.#dropped),
      sendErrors: this.#sendErrors,
    };
  }
}
