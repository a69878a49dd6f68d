// Vocabulary of the announcer: what the caller wants announced, what the state machine
// asks the runtime to do, and what it reports. Plain data, so tests compare with toEqual.
import type { DecodeFailure } from '../packet/codec/decode-result.js';
import type { IpFamily } from '../packet/codec/ip.js';
import type { MacAddress } from '../packet/codec/mac.js';

/**
 * 'first': the address was never announced by any speaker, so probe for a foreign user of
 * it first (RFC 5227 / RFC 4862 DAD). 'failover': a speaker announced it before (a takeover,
 * a restart, a re-claimed status IP), so announce at once: failovers never wait.
 */
export type ClaimKind = 'first' | 'failover';

export interface DesiredEntry {
  readonly ip: string;
  readonly iface: string;
  /** Defaults to 'failover': an address of unknown history is announced without delay. */
  readonly claim?: ClaimKind;
  /**
   * Answer ARP requests and NS for the IP (broadcast and unicast) but send nothing
   * unsolicited: no gratuitous burst, no periodic re-announcement, no defence, no probe.
   * For a lossless handoff (architecture.md, "Failback"): the old owner lingers quiet for a
   * moment while the new owner announces, and a draining speaker stays quiet until the
   * election has moved its IPs. Turning it on cancels pending rounds; turning it off again
   * is a new claim and starts a fresh 'takeover' burst. Default false.
   */
  readonly quiet?: boolean;
}

export interface InterfaceView {
  readonly name: string;
  readonly mac: MacAddress;
  /** Families we can send and receive on it (its ARP / NDP sockets are open); default both. */
  readonly families?: readonly IpFamily[];
}

/** 'answering': a quiet entry whose interface is ready; it answers requests and sends nothing else. */
export type EntryPhase = 'waiting-interface' | 'probing' | 'conflicted' | 'announcing' | 'answering';

export interface EntryStatus {
  readonly ip: string;
  readonly iface: string;
  readonly family: IpFamily;
  readonly claim: ClaimKind;
  readonly quiet: boolean;
  readonly phase: EntryPhase;
  /** When the next scheduled step (probe, burst round, re-announcement, retry) is due. */
  readonly dueAt: number | undefined;
}

/** What a sent frame is, which is also how counters classify it (MetalLB metric semantics). */
export type FramePurpose =
  | 'arp-reply' // answer to an ARP request → responses_sent
  | 'na-solicited' // answer to an NS → responses_sent
  | 'na-dad-reply' // answer to a DAD NS, multicast to all-nodes → responses_sent
  | 'garp-request' // gratuitous ARP, request form → gratuitous_sent
  | 'garp-reply' // gratuitous ARP, reply form → gratuitous_sent
  | 'na-unsolicited' // unsolicited NA with Override → gratuitous_sent
  | 'arp-probe' // RFC 5227 probe
  | 'ns-dad-probe'; // RFC 4862 DAD solicitation

/** Why an announcement round was sent. */
export type AnnounceTrigger = 'takeover' | 'burst' | 'reannounce' | 'defend' | 'mac-change';

export interface SendAction {
  readonly kind: 'send';
  readonly iface: string;
  readonly family: IpFamily;
  readonly ip: string;
  readonly purpose: FramePurpose;
  readonly trigger?: AnnounceTrigger;
  readonly frame: Uint8Array;
}

/** Join / leave an Ethernet multicast group on the interface's IPv6 socket. */
export interface MembershipAction {
  readonly kind: 'join' | 'leave';
  readonly iface: string;
  readonly group: MacAddress;
}

/** Always the last action of every call: when tick() next has work (null: nothing pending). */
export interface ScheduleAction {
  readonly kind: 'schedule';
  readonly at: number | null;
}

export interface EventAction {
  readonly kind: 'event';
  readonly event: AnnouncerEvent;
}

export type AnnouncerAction = SendAction | MembershipAction | ScheduleAction | EventAction;

export type ConflictVia = 'arp-request' | 'arp-reply' | 'arp-probe' | 'ns' | 'na' | 'dad-ns';

export interface ConflictEvent {
  readonly kind: 'conflict';
  readonly family: IpFamily;
  readonly ip: string;
  readonly iface: string;
  /** The other claimant's MAC. */
  readonly mac: MacAddress;
  /** The MAC belongs to another speaker of this cluster (caller-supplied set). */
  readonly knownSpeaker: boolean;
  /** knownSpeaker → 'split-view' (heal by re-electing); otherwise a foreign host uses the IP. */
  readonly classification: 'split-view' | 'foreign-conflict';
  /** 'probe': found before our first announcement, which is then held back. */
  readonly phase: 'probe' | 'announce';
  readonly via: ConflictVia;
  /** Conflicting frames from this MAC that were not reported since the previous event. */
  readonly suppressed: number;
  /**
   * Whether we answered with one defensive announcement (at most one per DEFEND_INTERVAL).
   * Never against a known speaker (a handoff or a split view: ownership is the election's
   * decision) and never from a quiet entry.
   */
  readonly defended: boolean;
}

export type DropReason = DecodeFailure | 'bad-hop-limit' | 'invalid-dad' | 'invalid-na';

export type AnnouncerEvent =
  | ConflictEvent
  /** A request for an owned IP arrived on its interface (MetalLB's requests_received). */
  | { readonly kind: 'request'; readonly family: IpFamily; readonly ip: string; readonly iface: string; readonly from: MacAddress; readonly unicast: boolean }
  | { readonly kind: 'probing'; readonly family: IpFamily; readonly ip: string; readonly iface: string }
  /** The entry owns its IP from now on: answering and announcing. */
  | { readonly kind: 'announcing'; readonly family: IpFamily; readonly ip: string; readonly iface: string; readonly claim: ClaimKind; readonly probed: boolean }
  /** The entry still answers requests but announces no more (a quiet entry, DesiredEntry.quiet). */
  | { readonly kind: 'quiet'; readonly family: IpFamily; readonly ip: string; readonly iface: string }
  | { readonly kind: 'withdrawn'; readonly family: IpFamily; readonly ip: string; readonly iface: string }
  /** A received frame was malformed or invalid (logged at debug as arpDropped/ndpDropped). */
  | { readonly kind: 'dropped'; readonly family: IpFamily | undefined; readonly iface: string; readonly reason: DropReason };
