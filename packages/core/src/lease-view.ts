// The Lease layer of liveness (architecture.md: "a peer is dead when either layer says
// so"): each speaker renews a per-node coordination.k8s.io Lease; a peer whose Lease we
// have not seen renewed within its leaseDurationSeconds is dead for this layer.
//
// Time rule, as client-go's leaderelection (observedTime): a Lease is judged by when WE saw
// it change (renewTime or holder), on our monotonic clock, never by comparing its
// renewTime with our wall clock — except once, the first time we see a Lease, when the
// only hint of its age is renewTime (we accept the clock skew that one time; a renewTime
// in our future counts as "now").
//
// Stale-API rule: the Lease layer may call a peer dead ONLY while our own view of the API
// is fresh (the adapter calls `markApiFresh` after every successful watch event, list or
// renewal; fresh = within the lease duration). When the API server is unreachable nobody
// can renew, so every Lease would expire at once: then the Lease layer declares nobody
// dead and the heartbeat layer alone decides. When freshness returns after such a gap,
// every Lease gets a full duration from that moment to show a renewal again.
/** The heartbeat layer's verdict: the speaker's Membership, or a plain set. */
export interface LiveSource {
  live(): ReadonlySet<string>;
}

export interface LeaseSnapshot {
  /** RFC 3339 with microseconds, as the API server writes spec.renewTime. */
  readonly renewTime?: string;
  readonly leaseDurationSeconds?: number;
  /** "" is a released Lease (graceful shutdown, as client-go releases): not live, whatever the time. */
  readonly holderIdentity?: string;
}

export interface LeaseViewOptions {
  /** For Leases without leaseDurationSeconds, and the API freshness window. Default 15 s. */
  readonly leaseDurationSeconds?: number;
  /** How long after `markApiFresh` the API view counts as fresh. Default: the default lease duration. */
  readonly apiFreshMs?: number;
}

interface Observed {
  renewTime: string | undefined;
  holder: string | undefined;
  durationMs: number;
  /** Monotonic ms we saw it change last (first sight: backdated by its age by wall clock). */
  observedAt: number;
  released: boolean;
}

export class LeaseView {
  readonly #leases = new Map<string, Observed>();
  readonly #defaultDurationMs: number;
  readonly #apiFreshMs: number;
  #lastApiFresh: number | undefined;
  /** After a stale-API gap: Leases count as observed no earlier than this. */
  #graceFrom = -Infinity;

  constructor(o: LeaseViewOptions = {}) {
    this.#defaultDurationMs = (o.leaseDurationSeconds ?? 15) * 1000;
    this.#apiFreshMs = o.apiFreshMs ?? this.#defaultDurationMs;
  }

  /**
   * Records node's Lease as seen in a watch event or list (`undefined`: a Lease without a
   * spec, never renewed). `now` monotonic ms, `wallNow` epoch ms.
   */
  observe(node: string, lease: LeaseSnapshot | undefined, now: number, wallNow: number): void {
    const prev = this.#leases.get(node);
    const renewTime = lease?.renewTime;
    const holder = lease?.holderIdentity;
    const seconds = lease?.leaseDurationSeconds;
    const durationMs = seconds !== undefined && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : this.#defaultDurationMs;
    let observedAt: number;
    if (!prev) {
      const renewed = renewTime === undefined ? undefined : parseRfc3339(renewTime);
      observedAt = renewed === undefined ? -Infinity : now - Math.max(0, wallNow - renewed);
    } else observedAt = prev.renewTime !== renewTime || prev.holder !== holder ? now : prev.observedAt;
    this.#leases.set(node, { renewTime, holder, durationMs, observedAt, released: holder === '' });
  }

  /** The Lease was deleted (node removed): the node is no longer known to this layer. */
  delete(node: string): void {
    this.#leases.delete(node);
  }

  /** Nodes whose Lease we hold (observed and not deleted). */
  nodes(): string[] {
    return [...this.#leases.keys()];
  }

  /** Our API view just proved current (successful watch event, list or renewal). */
  markApiFresh(now: number): void {
    if (this.#lastApiFresh !== undefined && now - this.#lastApiFresh > this.#apiFreshMs) this.#graceFrom = now;
    this.#lastApiFresh = now;
  }

  apiFresh(now: number): boolean {
    return this.#lastApiFresh !== undefined && now - this.#lastApiFresh <= this.#apiFreshMs;
  }

  /** Nodes live for this layer: every observed, unreleased Lease while the API view is stale. */
  live(now: number): Set<string> {
    const fresh = this.apiFresh(now);
    const out = new Set<string>();
    for (const [node, o] of this.#leases) if (!o.released && (!fresh || now < this.#liveUntil(o))) out.add(node);
    return out;
  }

  /** Nodes this layer declares dead (expired or released Leases); none while the API view is stale. */
  expired(now: number): string[] {
    if (!this.apiFresh(now)) return [];
    const live = this.live(now);
    return [...this.#leases.keys()].filter((n) => !live.has(n)).sort();
  }

  /** When the next live Lease expires, or API freshness lapses (monotonic ms), for re-evaluation. */
  nextChange(now: number): number | undefined {
    let at = this.#lastApiFresh === undefined ? undefined : this.#lastApiFresh + this.#apiFreshMs;
    for (const o of this.#leases.values()) {
      const until = this.#liveUntil(o);
      if (!o.released && until > now && (at === undefined || until < at)) at = until;
    }
    return at !== undefined && at > now ? at : undefined;
  }

  #liveUntil(o: Observed): number {
    return Math.max(o.observedAt, this.#graceFrom) + o.durationMs;
  }
}

/**
 * A peer is live only when BOTH layers say so (dead when either says so); `self` is live
 * whenever the membership says so (i.e. unless we are leaving), whatever our own Lease.
 */
export function combineLiveness(leaseLive: ReadonlySet<string>, membership: LiveSource | ReadonlySet<string>, self: string): Set<string> {
  const heartbeatLive = 'live' in membership && typeof membership.live === 'function' ? membership.live() : (membership as ReadonlySet<string>);
  const out = new Set<string>();
  for (const n of heartbeatLive) if (n === self || leaseLive.has(n)) out.add(n);
  return out;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Epoch ms of an RFC 3339 timestamp (the API server's MicroTime), without touching `Date`; undefined if malformed. */
export function parseRfc3339(s: string): number | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const fraction = m[7] ? Number(`0${m[7]}`) * 1000 : 0;
  const offsetMin = m[8] ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  const days = daysFromCivil(year, month, day);
  return ((days * 24 + hour) * 60 + minute - offsetMin) * 60_000 + second * 1000 + fraction;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms"). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
