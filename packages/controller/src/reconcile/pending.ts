// Services waiting for addresses, and what may let them in. A pending Service gets
// another try when addresses come free (a release), and also when anything that decides
// sharing compatibility changes on a Service with its sharing key — the key itself, the
// traffic policy or selector (backend key), the ports (issue 8, input 2). Pool and
// namespace changes requeue the Services they touch elsewhere. Cost: O(1) per reconcile
// to keep, O(pending) per retry batch, never a scan of every Service per change.

export class PendingServices {
  /** Waiting Service key -> its sharing key ('' none). */
  readonly #waiting = new Map<string, string>();
  /** Service key -> "sharingKey\nidentity", for Services with a sharing key. */
  readonly #identity = new Map<string, string>();

  /**
   * Records a reconcile's outcome for `key`. Returns the sharing keys whose waiting
   * Services deserve another try because this Service's sharing identity changed.
   */
  note(key: string, waiting: { sharingKey: string } | undefined, sharing: { sharingKey: string; identity: string } | undefined): string[] {
    if (waiting !== undefined) this.#waiting.set(key, waiting.sharingKey);
    else this.#waiting.delete(key);
    const before = this.#identity.get(key);
    const after = sharing === undefined ? undefined : `${sharing.sharingKey}\n${sharing.identity}`;
    if (before === after) return [];
    if (after === undefined) this.#identity.delete(key);
    else this.#identity.set(key, after);
    const keys = new Set<string>();
    for (const id of [before, after]) if (id !== undefined) keys.add(id.slice(0, id.indexOf('\n')));
    return [...keys];
  }

  /** The Service is gone or no longer ours; returns the sharing keys to retry, as note does. */
  forget(key: string): string[] {
    return this.note(key, undefined, undefined);
  }

  /** Waiting Services: all of them, or those whose sharing key is in `sharingKeys`. */
  waiters(sharingKeys?: ReadonlySet<string>): string[] {
    const out: string[] = [];
    for (const [key, sk] of this.#waiting) if (sharingKeys === undefined || sharingKeys.has(sk)) out.push(key);
    return out;
  }

  get size(): number {
    return this.#waiting.size;
  }
}
