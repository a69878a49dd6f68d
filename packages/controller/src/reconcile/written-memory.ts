// What we last wrote on each Service, until the cache shows it. Our status write and our
// annotation write each come back as a watch event; a reconcile run by the first sees a
// Service without the second yet, and used to write the annotation again (1,702 PATCHes
// for 1,000 Services). Comparing the wanted state with what we wrote, instead of with a
// cache we know is behind, makes one write per change.
//
// Is the cache behind our write? resourceVersion is opaque in the API contract, but
// every etcd3-backed API server uses the etcd revision, a decimal number that only
// grows: when both versions are such numbers, the cache is behind exactly when its
// version is lower than the one our write returned. Otherwise we judge by content: the
// cache is behind when it shows a state our writes replaced (the one before our first
// write, or between two of ours); anything else is what we wrote or somebody's change
// after ours, and the cache wins. A note also ends after `ttlMs` and on relist, so
// nothing can hide a change for long.
import type { V1Service } from '@kubernetes/client-node';
import { writtenOn, type Written } from './decide.js';

interface Note {
  /** States our writes replaced: seeing one means the cache has not caught up. */
  replaced: Written[];
  written: Written;
  resourceVersion: string | undefined;
  at: number;
}

const same = (a: Written, b: Written) =>
  a.pool === b.pool && a.legacyPool === b.legacyPool && a.ingress.length === b.ingress.length && a.ingress.every((x, i) => x === b.ingress[i]);

const DECIMAL = /^[0-9]{1,30}$/;

/** Is `svc` (as cached) older than the write `n` remembers? */
function behind(n: Note, svc: V1Service, cached: Written): boolean {
  const rv = svc.metadata?.resourceVersion;
  if (rv === n.resourceVersion) return false;
  if (rv !== undefined && n.resourceVersion !== undefined && DECIMAL.test(rv) && DECIMAL.test(n.resourceVersion)) return BigInt(rv) < BigInt(n.resourceVersion);
  return n.replaced.some((r) => same(r, cached));
}

export class WrittenMemory {
  readonly #notes = new Map<string, Note>();

  /** @param ttlMs how long a note may outlive its write (ms, monotonic). */
  constructor(readonly ttlMs = 30_000) {}

  /** What is written on the Service as far as we know: our write while the cache lags behind it, else the cache. */
  view(key: string, svc: V1Service, now: number): Written {
    const cached = writtenOn(svc);
    const n = this.#notes.get(key);
    if (n === undefined) return cached;
    if (now - n.at <= this.ttlMs && behind(n, svc, cached)) return n.written;
    this.#notes.delete(key);
    return cached;
  }

  /**
   * We replaced `before` (what view() said) with `written` on the Service; the API server
   * answered with `resourceVersion`.
   */
  wrote(key: string, before: Written, written: Written, resourceVersion: string | undefined, now: number): void {
    const prev = this.#notes.get(key);
    const replaced = prev !== undefined && same(prev.written, before) ? [...prev.replaced, before] : [before];
    this.#notes.set(key, { replaced, written, resourceVersion, at: now });
  }

  /** The cache now holds `svc` (a watch event): drop the note unless the event is one we know is stale. */
  observed(key: string, svc: V1Service): void {
    const n = this.#notes.get(key);
    if (n === undefined) return;
    if (!behind(n, svc, writtenOn(svc))) this.#notes.delete(key);
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
