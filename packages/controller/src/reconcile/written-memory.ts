// What we last wrote on each Service, until the cache shows it. Our status write and our
// annotation write each come back as a watch event; a reconcile run by the first sees a
// Service without the second yet, and used to write the annotation again (1,702 PATCHes
// for 1,000 Services). Comparing the wanted state with what we wrote, instead of with a
// cache we know is behind, makes one write per change.
//
// Watch events arrive in resourceVersion order, so the event carrying the version our
// last write returned marks the cache as caught up: every event after it is newer than
// our write. Versions are only compared for equality (they are opaque). A note also
// ends when the cache shows the same written state, when it is older than `ttlMs` (a
// relist may skip our version), and on relist.
import type { V1Service } from '@kubernetes/client-node';
import { writtenOn, type Written } from './decide.js';

interface Note {
  written: Written;
  resourceVersion: string | undefined;
  at: number;
}

const same = (a: Written, b: Written) =>
  a.pool === b.pool && a.legacyPool === b.legacyPool && a.ingress.length === b.ingress.length && a.ingress.every((x, i) => x === b.ingress[i]);

export class WrittenMemory {
  readonly #notes = new Map<string, Note>();

  /** @param ttlMs how long a note may outlive its write (ms, monotonic). */
  constructor(readonly ttlMs = 30_000) {}

  /** What is written on the Service as far as we know: our note while the cache lags, else the cache. */
  view(key: string, svc: V1Service, now: number): Written {
    const n = this.#notes.get(key);
    if (n === undefined) return writtenOn(svc);
    if (now - n.at > this.ttlMs || svc.metadata?.resourceVersion === n.resourceVersion) {
      this.#notes.delete(key);
      return writtenOn(svc);
    }
    return n.written;
  }

  /** We wrote `written` on the Service; the API server answered with `resourceVersion`. */
  wrote(key: string, written: Written, resourceVersion: string | undefined, now: number): void {
    this.#notes.set(key, { written, resourceVersion, at: now });
  }

  /** The cache now holds `svc` (a watch event): drop the note once it shows our write. */
  observed(key: string, svc: V1Service): void {
    const n = this.#notes.get(key);
    if (n === undefined) return;
    if (svc.metadata?.resourceVersion === n.resourceVersion || same(writtenOn(svc), n.written)) this.#notes.delete(key);
  }

  forget(key: string): void {
    this.#notes.delete(key);
  }

  clear(): void {
    this.#notes.clear();
  }

  get size(): number {
    return this.#notes.size;
  }
}
