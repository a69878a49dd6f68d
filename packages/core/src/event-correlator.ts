// Which occurrences of an Event are one Event object, as client-go's event correlator
// decides it: the same (object, type, reason, message) seen again within `windowMs` of
// its last occurrence is the same series — its count goes up and its lastTimestamp moves
// — instead of a new Event in etcd. Pure: the caller passes the time in.
//
// Memory is bounded twice: at most `maxSeriesPerObject` series per object and
// `maxSeries` in all, each evicting its least recently seen series (an evicted series
// that recurs starts a new Event, which is harmless).

export interface CorrelatorOptions {
  /** A series whose last occurrence is older than this starts anew (ms; default 10 min, client-go's aggregation window). */
  windowMs?: number;
  /** Series remembered per object (default 16). */
  maxSeriesPerObject?: number;
  /** Series remembered in all (default 4096, client-go's LRU size). */
  maxSeries?: number;
}

export interface EventSeries {
  /** object|type|reason|message */
  readonly key: string;
  /** The involved object's identity (uid, or kind/namespace/name). */
  readonly object: string;
  /** Occurrences so far, ≥ 1. */
  count: number;
  /** Epoch ms of the first and the latest occurrence. */
  readonly firstAt: number;
  lastAt: number;
}

export type Correlation = { action: 'create' | 'update'; series: EventSeries };

export class EventCorrelator {
  readonly #windowMs: number;
  readonly #maxPerObject: number;
  readonly #max: number;
  /** key → series; Map order is least recently seen first. */
  readonly #series = new Map<string, EventSeries>();
  /** object → its series keys, least recently seen first. */
  readonly #byObject = new Map<string, Set<string>>();

  constructor(o: CorrelatorOptions = {}) {
    this.#windowMs = o.windowMs ?? 10 * 60_000;
    this.#maxPerObject = Math.max(1, o.maxSeriesPerObject ?? 16);
    this.#max = Math.max(1, o.maxSeries ?? 4096);
  }

  static keyOf(object: string, type: string, reason: string, message: string): string {
    return `${object}|${type}|${reason}|${message}`;
  }

  /** Series remembered, in all or for one object. */
  size(object?: string): number {
    return object === undefined ? this.#series.size : (this.#byObject.get(object)?.size ?? 0);
  }

  /** Records one occurrence at `nowMs`: a new series ('create') or one more of a live one ('update'). */
  observe(object: string, type: string, reason: string, message: string, nowMs: number): Correlation {
    const key = EventCorrelator.keyOf(object, type, reason, message);
    const prev = this.#series.get(key);
    if (prev && nowMs - prev.lastAt <= this.#windowMs) {
      prev.count++;
      prev.lastAt = Math.max(prev.lastAt, nowMs);
      this.#touch(prev);
      return { action: 'update', series: prev };
    }
    if (prev) this.#forget(prev);
    const series: EventSeries = { key, object, count: 1, firstAt: nowMs, lastAt: nowMs };
    this.#touch(series);
    const mine = this.#byObject.get(object)!;
    if (mine.size > this.#maxPerObject) this.#forget(this.#series.get(mine.values().next().value as string)!);
    if (this.#series.size > this.#max) this.#forget(this.#series.values().next().value as EventSeries);
    return { action: 'create', series };
  }

  /** Forgets every series of an object (e.g. deleted). */
  forgetObject(object: string): void {
    for (const key of this.#byObject.get(object) ?? []) this.#series.delete(key);
    this.#byObject.delete(object);
  }

  #touch(s: EventSeries): void {
    this.#series.delete(s.key);
    this.#series.set(s.key, s);
    let mine = this.#byObject.get(s.object);
    if (!mine) this.#byObject.set(s.object, (mine = new Set()));
    mine.delete(s.key);
    mine.add(s.key);
  }

  #forget(s: EventSeries): void {
    this.#series.delete(s.key);
    const mine = this.#byObject.get(s.object);
    mine?.delete(s.key);
    if (mine?.size === 0) this.#byObject.delete(s.object);
  }
}
