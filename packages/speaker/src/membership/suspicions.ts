// Suspicions held about peers: "detector D stopped hearing node X at incarnation i". A node
// is dead when enough distinct detectors agree on its current incarnation at once; one
// broken link yields one detector and kills nobody.
//
// Lifetime: a suspicion received from another speaker counts for suspicionTtlMs (there is
// no "unsuspect" packet: the suspected node refutes with a new incarnation, which voids all
// of them at once). Our own suspicion counts while we still watch the node and still do not
// hear it — we know first-hand it is still true — and for the TTL after we stop watching.

interface Suspicion {
  readonly incarnation: number;
  /** Monotonic ms it arrived (or we raised it). */
  readonly at: number;
}

export class Suspicions {
  readonly #bySubject = new Map<string, Map<string, Suspicion>>();

  /** Records D's suspicion of X; true when it is new (not a repeat of the same one). */
  add(subject: string, detector: string, incarnation: number, at: number): boolean {
    let m = this.#bySubject.get(subject);
    if (!m) this.#bySubject.set(subject, (m = new Map()));
    const old = m.get(detector);
    if (old && old.incarnation === incarnation) return false;
    m.set(detector, { incarnation, at });
    return true;
  }

  remove(subject: string, detector: string): void {
    const m = this.#bySubject.get(subject);
    m?.delete(detector);
    if (m?.size === 0) this.#bySubject.delete(subject);
  }

  clear(subject: string): void {
    this.#bySubject.delete(subject);
  }

  /** Nodes with at least one suspicion held. */
  get size(): number {
    return this.#bySubject.size;
  }

  subjects(): IterableIterator<string> {
    return this.#bySubject.keys();
  }

  /**
   * Detectors whose suspicion of `subject` at `incarnation` counts at `now`; suspicions that
   * no longer count are dropped. `ownStillTrue(subject)`: our own suspicion is still first-hand.
   */
  current(subject: string, incarnation: number, now: number, ttlMs: number, self: string, ownStillTrue: boolean): string[] {
    const m = this.#bySubject.get(subject);
    if (!m) return [];
    const out: string[] = [];
    for (const [detector, s] of m) {
      const counts = s.incarnation === incarnation && ((detector === self && ownStillTrue) || now - s.at < ttlMs);
      if (counts) out.push(detector);
      else m.delete(detector);
    }
    if (m.size === 0) this.#bySubject.delete(subject);
    return out.sort();
  }

  /** The earliest moment a held suspicion stops counting by its TTL (own first-hand ones excluded by `skip`). */
  nextExpiry(ttlMs: number, skip: (subject: string, detector: string) => boolean): number | undefined {
    let at: number | undefined;
    for (const [subject, m] of this.#bySubject) {
      for (const [detector, s] of m) {
        if (skip(subject, detector)) continue;
        const due = s.at + ttlMs;
        if (at === undefined || due < at) at = due;
      }
    }
    return at;
  }
}
