// Tracks API work that is on the wire, so a stopping leader can let it finish before it
// releases the lease: a standby that takes the released lease must never write at the
// same time as the old leader.
export class InFlight {
  readonly #running = new Set<Promise<unknown>>();

  /** Runs `fn` and tracks it until it settles; returns its promise unchanged. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const p = fn();
    this.#running.add(p);
    const done = () => {
      this.#running.delete(p);
    };
    p.then(done, done);
    return p;
  }

  get size(): number {
    return this.#running.size;
  }

  /** Resolves once nothing is running, including work started while draining. */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }
}
