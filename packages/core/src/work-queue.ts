// A work queue of keys, as controllers need it: a key queued many times runs once; the
// same key never runs twice at the same time (a key queued while running runs again
// afterwards, so no change is missed); failures retry with per-key exponential backoff.
import type { Clock, TimerHandle } from './clock.js';

export interface WorkQueueOptions {
  clock: Clock;
  /** Keys processed at once (different keys only). */
  concurrency?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Returning normally = done; throwing = retry later with backoff. */
  handle: (key: string) => Promise<void>;
  onError?: (key: string, err: unknown, retryInMs: number) => void;
}

export class WorkQueue {
  readonly #o: Required<Omit<WorkQueueOptions, 'onError'>> & Pick<WorkQueueOptions, 'onError'>;
  /** Keys waiting to run; never a running key (those go to #dirty). */
  readonly #pending = new Set<string>();
  /** The same keys in FIFO order, read from #head on. */
  #order: string[] = [];
  #head = 0;
  readonly #running = new Set<string>();
  readonly #dirty = new Set<string>(); // queued again while running
  readonly #failures = new Map<string, number>();
  readonly #retryTimers = new Map<string, TimerHandle>();
  #idleWaiters: (() => void)[] = [];
  #stopped = false;

  constructor(o: WorkQueueOptions) {
    this.#o = { concurrency: 4, minBackoffMs: 100, maxBackoffMs: 60_000, ...o };
  }

  add(key: string): void {
    if (this.#stopped) return;
    if (this.#running.has(key)) {
      this.#dirty.add(key);
      return;
    }
    this.#enqueue(key);
    this.#pump();
  }

  #enqueue(key: string): void {
    if (this.#pending.has(key)) return;
    this.#pending.add(key);
    this.#order.push(key);
  }

  /** The oldest pending key, removed; undefined when none. */
  #dequeue(): string | undefined {
    if (this.#head >= this.#order.length) return undefined;
    const key = this.#order[this.#head++]!;
    this.#pending.delete(key);
    // Drop the consumed prefix once it is most of the array: amortised O(1).
    if (this.#head === this.#order.length) {
      this.#order = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#order.length) {
      this.#order = this.#order.slice(this.#head);
      this.#head = 0;
    }
    return key;
  }

  get length(): number {
    return this.#pending.size + this.#running.size + this.#retryTimers.size;
  }

  /** Resolves when nothing is pending or running (retries waiting on backoff don't count). */
  idle(): Promise<void> {
    if (this.#pending.size === 0 && this.#running.size === 0) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  stop(): void {
    this.#stopped = true;
    this.#pending.clear();
    this.#order = [];
    this.#head = 0;
    for (const t of this.#retryTimers.values()) t.cancel();
    this.#retryTimers.clear();
  }

  #pump(): void {
    while (!this.#stopped && this.#running.size < this.#o.concurrency) {
      const key = this.#dequeue();
      if (key === undefined) break;
      this.#running.add(key);
      void this.#run(key);
    }
    if (this.#pending.size === 0 && this.#running.size === 0) {
      const w = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const r of w) r();
    }
  }

  async #run(key: string): Promise<void> {
    try {
      await this.#o.handle(key);
      this.#failures.delete(key);
    } catch (err) {
      const n = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, n);
      const wait = Math.min(this.#o.maxBackoffMs, this.#o.minBackoffMs * 2 ** (n - 1));
      this.#o.onError?.(key, err, wait);
      if (!this.#stopped && !this.#retryTimers.has(key)) {
        this.#retryTimers.set(key, this.#o.clock.setTimer(wait, () => {
          this.#retryTimers.delete(key);
          this.add(key);
        }));
      }
    } finally {
      this.#running.delete(key);
      if (this.#dirty.delete(key) && !this.#stopped) this.#enqueue(key);
      this.#pump();
    }
  }
}
