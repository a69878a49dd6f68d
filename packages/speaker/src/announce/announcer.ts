// The announcer state machine: desired (ip, interface) entries plus received frames in,
// frames to send, multicast memberships, events and the next wake-up time out. Pure: no
// sockets, timers or clock; every call takes `now` (monotonic ms) and returns actions.
//
// Entry life cycle:
//   waiting-interface ──iface known──► probing (first claim) ──quiet──► announcing
//          ▲                              │ conflict                  ▲  │ burst, then
//          └────── iface gone ────────    ▼                           │  ▼ periodic rounds
//                                      conflicted ──probeRetryMs──► probing
//   failover claims (and anything announced before) skip probing entirely.
//   A quiet entry (DesiredEntry.quiet) whose interface is ready sits in 'answering': it
//   answers requests, sends nothing unsolicited and never probes; un-quieting it is a new
//   claim (announcing, 'takeover' burst).
import { ErrorCodes, IronlbError } from '@ironlb/core';
import { decodeFrame } from '../packet/codec/frame.js';
import { canonicalIp, type IpFamily } from '../packet/codec/ip.js';
import { solicitedNodeMac } from '../packet/codec/ipv6.js';
import type { MacAddress } from '../packet/codec/mac.js';
import { claimsOf, type AddressClaim } from './claims.js';
import { resolveAnnouncerConfig, type AnnouncerConfig, type AnnouncerConfigInput } from './config.js';
import { announcementRound, probe } from './frames.js';
import { answerArp, answerNdp, ndpInvalidReason, type Answer } from './respond.js';
import type { AnnounceTrigger, AnnouncerAction, ClaimKind, DesiredEntry, EntryPhase, EntryStatus, InterfaceView } from './types.js';

interface Entry {
  readonly key: string;
  readonly ip: string;
  readonly iface: string;
  readonly family: IpFamily;
  claim: ClaimKind;
  quiet: boolean;
  phase: EntryPhase;
  dueAt: number | undefined;
  probesSent: number;
  burstLeft: number;
  /** Announced or answered for before: a later start is not a first claim any more. */
  everAnnounced: boolean;
  /** MAC used for the current announcements; a change triggers a new burst. */
  announcedMac: MacAddress | undefined;
  /** Solicited-node group this entry holds a reference on (IPv6, while active). */
  group: MacAddress | undefined;
  lastDefendAt: number | undefined;
  reports: Map<MacAddress, { lastAt: number; suppressed: number }>;
}

export interface AnnouncerOptions {
  readonly config?: AnnouncerConfigInput;
  /** Uniform [0, 1) source for RFC 5227's random delays; inject a seeded one in tests. */
  readonly random?: () => number;
}

const entryKey = (iface: string, ip: string): string => `${iface}\u0000${ip}`;

export class Announcer {
  readonly config: AnnouncerConfig;
  readonly #random: () => number;
  readonly #entries = new Map<string, Entry>();
  #ifaces = new Map<string, MacAddress>();
  #ready = new Set<string>(); // entryKey(iface, family)
  #ourMacs = new Set<MacAddress>();
  #knownSpeakers = new Set<MacAddress>();
  readonly #groupRefs = new Map<string, number>();
  /** Entries per IP over all interfaces (hasEntryFor). */
  readonly #ipRefs = new Map<string, number>();
  /** Earliest dueAt, recomputed only after a change: every received frame asks for it. */
  #wakeAt: number | undefined;
  #wakeDirty = false;

  constructor(options: AnnouncerOptions = {}) {
    this.config = resolveAnnouncerConfig(options.config);
    this.#random = options.random ?? Math.random;
  }

  /** MACs of the other speakers: a conflict with one of them is a split view, not a foreign host. */
  setKnownSpeakerMacs(macs: Iterable<MacAddress>): void {
    this.#knownSpeakers = new Set([...macs].map((m) => m.toLowerCase()));
  }

  /** The interfaces we can send on, with their MACs; entries on other interfaces wait. */
  setInterfaces(ifaces: readonly InterfaceView[], now: number): AnnouncerAction[] {
    const out: AnnouncerAction[] = [];
    this.#ifaces = new Map(ifaces.map((i) => [i.name, i.mac.toLowerCase()]));
    this.#ready = new Set(ifaces.flatMap((i) => (i.families ?? [4, 6]).map((f) => entryKey(i.name, String(f)))));
    this.#ourMacs = new Set(this.#ifaces.values());
    for (const e of this.#entries.values()) {
      const mac = this.#ifaces.get(e.iface);
      if (mac === undefined || !this.#isReady(e)) {
        if (e.phase !== 'waiting-interface') this.#suspend(e, out);
      } else if (e.phase === 'waiting-interface') {
        this.#start(e, now, out);
      } else if (e.phase === 'announcing' && e.announcedMac !== mac) {
        this.#announce(e, now, 'mac-change', out);
      }
    }
    return this.#finish(out);
  }

  /**
   * The complete desired set (the election's answer for this node). New entries start,
   * missing ones are withdrawn at once: no more answers, nothing left scheduled.
   */
  setEntries(entries: readonly DesiredEntry[], now: number): AnnouncerAction[] {
    const out: AnnouncerAction[] = [];
    const desired = new Map<string, { ip: string; iface: string; family: IpFamily; claim: ClaimKind; quiet: boolean }>();
    for (const d of entries) {
      const c = canonicalIp(d.ip);
      if (!c) throw new IronlbError(ErrorCodes.InvalidAddress, `not an IP address: ${JSON.stringify(d.ip)} (interface ${d.iface})`);
      desired.set(entryKey(d.iface, c.ip), { ip: c.ip, iface: d.iface, family: c.family, claim: d.claim ?? 'failover', quiet: d.quiet === true });
    }
    for (const e of [...this.#entries.values()]) {
      if (!desired.has(e.key)) this.#withdraw(e, out);
    }
    for (const [key, d] of desired) {
      const existing = this.#entries.get(key);
      if (existing) {
        this.#update(existing, d, now, out);
        continue;
      }
      const e: Entry = {
        key,
        ...d,
        phase: 'waiting-interface',
        dueAt: undefined,
        probesSent: 0,
        burstLeft: 0,
        everAnnounced: false,
        announcedMac: undefined,
        group: undefined,
        lastDefendAt: undefined,
        reports: new Map(),
      };
      this.#entries.set(key, e);
      this.#ipRefs.set(e.ip, (this.#ipRefs.get(e.ip) ?? 0) + 1);
      if (this.#isReady(e)) this.#start(e, now, out);
    }
    return this.#finish(out);
  }

  /** A frame received on `iface`: answer it, or learn a conflict from it. */
  handleFrame(iface: string, bytes: Uint8Array, now: number): AnnouncerAction[] {
    const out: AnnouncerAction[] = [];
    const mac = this.#ifaces.get(iface);
    const decoded = decodeFrame(bytes);
    if (!decoded.ok) {
      const family = bytes[12] === 0x08 && bytes[13] === 0x06 ? 4 : bytes[12] === 0x86 && bytes[13] === 0xdd ? 6 : undefined;
      out.push({ kind: 'event', event: { kind: 'dropped', family, iface, reason: decoded.reason } });
      return this.#finish(out);
    }
    const frame = decoded.frame;
    const family: IpFamily = frame.kind === 'arp' ? 4 : 6;
    if (frame.kind === 'ndp') {
      const invalid = ndpInvalidReason(frame);
      if (invalid) {
        out.push({ kind: 'event', event: { kind: 'dropped', family, iface, reason: invalid } });
        return this.#finish(out);
      }
    }
    const claim = claimsOf(frame);
    // Our own frames (another socket, a looped copy) are neither questions nor conflicts.
    if (mac === undefined || this.#ourMacs.has(frame.eth.src) || (claim && this.#ourMacs.has(claim.mac))) return this.#finish(out);

    if (claim) {
      const e = this.#entries.get(entryKey(iface, claim.ip));
      if (e) this.#onClaim(e, claim, now, out);
    }
    const owns = (ip: string): boolean => {
      const phase = this.#entries.get(entryKey(iface, ip))?.phase;
      return phase === 'announcing' || phase === 'answering';
    };
    let answer: Answer | undefined = frame.kind === 'arp' ? answerArp(frame, mac, owns) : answerNdp(frame, mac, owns);
    // A quiet entry (handoff, drain) answers only unicast probes — a client re-validating a
    // cache entry that still points at us — and leaves broadcast / multicast requests to
    // the new owner: answering those too could move a client back to the old owner.
    if (answer && !answer.unicast && this.#entries.get(entryKey(iface, answer.ip))?.phase === 'answering') answer = undefined;
    if (answer) {
      out.push({ kind: 'event', event: { kind: 'request', family, ip: answer.ip, iface, from: answer.from, unicast: answer.unicast } });
      out.push({ kind: 'send', iface, family, ip: answer.ip, purpose: answer.purpose, frame: answer.frame });
    }
    return this.#finish(out);
  }

  /** Runs every scheduled step that is due at `now`. */
  tick(now: number): AnnouncerAction[] {
    const out: AnnouncerAction[] = [];
    // Steps reschedule themselves strictly later, except a zero random probe delay; the
    // bound only guards against a config of zero intervals.
    for (let guard = 0; guard < 1000; guard++) {
      const due = [...this.#entries.values()].filter((e) => e.dueAt !== undefined && e.dueAt <= now).sort((a, b) => a.dueAt! - b.dueAt!);
      if (due.length === 0) break;
      for (const e of due) this.#step(e, now, out);
    }
    return this.#finish(out);
  }

  nextWakeAt(): number | undefined {
    if (this.#wakeDirty) {
      let at: number | undefined;
      for (const e of this.#entries.values()) if (e.dueAt !== undefined && (at === undefined || e.dueAt < at)) at = e.dueAt;
      this.#wakeAt = at;
      this.#wakeDirty = false;
    }
    return this.#wakeAt;
  }

  #due(e: Entry, at: number | undefined): void {
    e.dueAt = at;
    this.#wakeDirty = true;
  }

  status(): EntryStatus[] {
    return [...this.#entries.values()].map((e) => ({ ip: e.ip, iface: e.iface, family: e.family, claim: e.claim, quiet: e.quiet, phase: e.phase, dueAt: e.dueAt }));
  }

  /** Whether any interface still has an entry for `ip` (canonical text, as in events). */
  hasEntryFor(ip: string): boolean {
    return this.#ipRefs.has(ip);
  }

  #isReady(e: { iface: string; family: IpFamily }): boolean {
    return this.#ready.has(entryKey(e.iface, String(e.family)));
  }

  #finish(out: AnnouncerAction[]): AnnouncerAction[] {
    out.push({ kind: 'schedule', at: this.nextWakeAt() ?? null });
    return out;
  }

  /** A desired entry that exists already: follow its claim and quiet flag. */
  #update(e: Entry, d: { claim: ClaimKind; quiet: boolean }, now: number, out: AnnouncerAction[]): void {
    const wasQuiet = e.quiet;
    e.quiet = d.quiet;
    if (d.claim === 'failover') e.claim = 'failover';
    if (e.phase === 'waiting-interface') return; // #start decides once the interface is ready
    if (d.quiet) {
      if (!wasQuiet) this.#quieten(e, out);
    } else if (wasQuiet) {
      // Un-quieted: a new claim, even if we answered all along (a failback to this node).
      this.#announce(e, now, 'takeover', out);
    } else if (d.claim === 'failover' && (e.phase === 'probing' || e.phase === 'conflicted')) {
      // A failover never waits: promote an entry that is still probing or held back.
      this.#announce(e, now, 'takeover', out);
    }
  }

  /** Answer only: pending probes and rounds are cancelled, nothing new is scheduled. */
  #quieten(e: Entry, out: AnnouncerAction[]): void {
    this.#join(e, out);
    e.phase = 'answering';
    e.everAnnounced = true;
    e.burstLeft = 0;
    e.probesSent = 0;
    this.#due(e, undefined);
    out.push({ kind: 'event', event: { kind: 'quiet', family: e.family, ip: e.ip, iface: e.iface } });
  }

  #start(e: Entry, now: number, out: AnnouncerAction[]): void {
    if (e.quiet) {
      this.#quieten(e, out);
      return;
    }
    this.#join(e, out);
    const probing = this.config.probe.count > 0 && e.claim === 'first' && !e.everAnnounced;
    if (probing) this.#beginProbe(e, now, out);
    else this.#announce(e, now, 'takeover', out);
  }

  #beginProbe(e: Entry, now: number, out: AnnouncerAction[]): void {
    e.phase = 'probing';
    e.probesSent = 0;
    this.#due(e, now + this.#random() * this.config.probe.waitMs);
    out.push({ kind: 'event', event: { kind: 'probing', family: e.family, ip: e.ip, iface: e.iface } });
  }

  /** Become (or stay) the owner and start a fresh burst. */
  #announce(e: Entry, now: number, trigger: AnnounceTrigger, out: AnnouncerAction[]): void {
    const mac = this.#ifaces.get(e.iface)!;
    if (e.phase !== 'announcing') {
      out.push({ kind: 'event', event: { kind: 'announcing', family: e.family, ip: e.ip, iface: e.iface, claim: e.claim, probed: e.phase === 'probing' } });
    }
    e.phase = 'announcing';
    e.everAnnounced = true;
    e.announcedMac = mac;
    out.push(...announcementRound(e, mac, trigger));
    e.burstLeft = this.config.burstCount - 1;
    this.#scheduleNextRound(e, now);
  }

  #scheduleNextRound(e: Entry, now: number): void {
    if (e.burstLeft > 0) this.#due(e, now + this.config.burstIntervalMs);
    else this.#due(e, this.config.reannounceIntervalMs > 0 ? now + this.config.reannounceIntervalMs : undefined);
  }

  #step(e: Entry, now: number, out: AnnouncerAction[]): void {
    const mac = this.#ifaces.get(e.iface)!;
    const p = this.config.probe;
    switch (e.phase) {
      case 'probing':
        if (e.probesSent < p.count) {
          out.push(probe(e, mac));
          e.probesSent++;
          this.#due(e, e.probesSent < p.count ? now + p.minIntervalMs + this.#random() * (p.maxIntervalMs - p.minIntervalMs) : now + p.announceWaitMs);
        } else {
          this.#announce(e, now, 'takeover', out); // nobody objected
        }
        return;
      case 'conflicted':
        this.#beginProbe(e, now, out);
        return;
      case 'announcing':
        out.push(...announcementRound(e, mac, e.burstLeft > 0 ? 'burst' : 'reannounce'));
        if (e.burstLeft > 0) e.burstLeft--;
        this.#scheduleNextRound(e, now);
        return;
      case 'answering':
      case 'waiting-interface':
        this.#due(e, undefined);
        return;
    }
  }

  #onClaim(e: Entry, claim: AddressClaim, now: number, out: AnnouncerAction[]): void {
    if (e.phase === 'probing') {
      // RFC 5227 §2.1.1 / RFC 4862 §5.4.3: someone uses or probes for it. Hold back and retry later.
      e.phase = 'conflicted';
      this.#due(e, now + this.config.probeRetryMs);
      this.#report(e, claim, 'probe', false, now, out, true);
      return;
    }
    if ((e.phase !== 'announcing' && e.phase !== 'answering') || claim.probe) return; // an owner answers probes instead
    const knownSpeaker = this.#knownSpeakers.has(claim.mac);
    if (e.phase === 'answering') {
      // Quiet: we are handing the IP over (or draining), so another speaker announcing it is
      // the handoff itself, not news. A foreign host is still worth a report; no defence.
      if (!knownSpeaker) this.#report(e, claim, 'announce', false, now, out, false);
      return;
    }
    // RFC 5227 §2.4 (b): defend once per DEFEND_INTERVAL, never in a loop. Ownership is the
    // election's decision, so we neither give up here nor fight harder. Never against another
    // speaker: its claim is a handoff (the new owner announces before we are told to stop) or
    // a split view, and a defence would flip clients back to us in the middle of a handoff.
    const defended = !knownSpeaker && (e.lastDefendAt === undefined || now - e.lastDefendAt >= this.config.defendIntervalMs);
    if (defended) {
      e.lastDefendAt = now;
      out.push(...announcementRound(e, this.#ifaces.get(e.iface)!, 'defend'));
    }
    this.#report(e, claim, 'announce', defended, now, out, false);
  }

  #report(e: Entry, claim: AddressClaim, phase: 'probe' | 'announce', defended: boolean, now: number, out: AnnouncerAction[], always: boolean): void {
    const r = e.reports.get(claim.mac);
    if (!always && r && now - r.lastAt < this.config.conflictReportIntervalMs) {
      r.suppressed++;
      return;
    }
    e.reports.set(claim.mac, { lastAt: now, suppressed: 0 });
    const knownSpeaker = this.#knownSpeakers.has(claim.mac);
    out.push({
      kind: 'event',
      event: {
        kind: 'conflict',
        family: e.family,
        ip: e.ip,
        iface: e.iface,
        mac: claim.mac,
        knownSpeaker,
        classification: knownSpeaker ? 'split-view' : 'foreign-conflict',
        phase,
        via: claim.via,
        suppressed: r?.suppressed ?? 0,
        defended,
      },
    });
  }

  #withdraw(e: Entry, out: AnnouncerAction[]): void {
    this.#entries.delete(e.key);
    const refs = (this.#ipRefs.get(e.ip) ?? 1) - 1;
    if (refs <= 0) this.#ipRefs.delete(e.ip);
    else this.#ipRefs.set(e.ip, refs);
    this.#leave(e, out);
    this.#due(e, undefined);
    out.push({ kind: 'event', event: { kind: 'withdrawn', family: e.family, ip: e.ip, iface: e.iface } });
  }

  /** The interface went away: stop everything, keep the entry until it returns. */
  #suspend(e: Entry, out: AnnouncerAction[]): void {
    this.#leave(e, out);
    e.phase = 'waiting-interface';
    this.#due(e, undefined);
  }

  // IPv6 entries need their solicited-node group joined, so multicast NS reach the socket.
  // Addresses can share a group (same low 24 bits): reference-count per interface.
  #join(e: Entry, out: AnnouncerAction[]): void {
    if (e.family !== 6 || e.group !== undefined) return;
    e.group = solicitedNodeMac(e.ip);
    const k = entryKey(e.iface, e.group);
    const n = this.#groupRefs.get(k) ?? 0;
    this.#groupRefs.set(k, n + 1);
    if (n === 0) out.push({ kind: 'join', iface: e.iface, group: e.group });
  }

  #leave(e: Entry, out: AnnouncerAction[]): void {
    if (e.group === undefined) return;
    const k = entryKey(e.iface, e.group);
    const n = (this.#groupRefs.get(k) ?? 1) - 1;
    if (n <= 0) {
      this.#groupRefs.delete(k);
      out.push({ kind: 'leave', iface: e.iface, group: e.group });
    } else {
      this.#groupRefs.set(k, n);
    }
    e.group = undefined;
  }
}
