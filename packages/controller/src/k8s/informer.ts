// A client-node informer that never gives up: the library relists on 410 Gone by itself
// but stops on any other error (network, 5xx, 403), so we restart it with exponential
// backoff. `synced` resolves once the first full list has landed in the cache, which is
// what start-up waits for before re-claiming IPs.
import { makeInformer, type KubeConfig, type KubernetesObject, type ListPromise } from '@kubernetes/client-node';
import type { Clock, Logger, TimerHandle } from '@ironlb/core';

export type ChangeType = 'add' | 'update' | 'delete';

export interface WatchOptions<T extends KubernetesObject> {
  kc: KubeConfig;
  /** API path of the collection, e.g. /api/v1/services. */
  path: string;
  list: ListPromise<T>;
  clock: Clock;
  log: Logger;
  onChange: (type: ChangeType, obj: T) => void;
  /** Called after every (re)list, so callers can resync everything derived from the cache. */
  onRelisted?: () => void;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface Watched<T extends KubernetesObject> {
  list(): readonly T[];
  get(name: string, namespace?: string): T | undefined;
  synced: Promise<void>;
  stop(): Promise<void>;
}

export function watchResource<T extends KubernetesObject>(o: WatchOptions<T>): Watched<T> {
  const inf = makeInformer<T>(o.kc, o.path, o.list);
  const minB = o.minBackoffMs ?? 500;
  const maxB = o.maxBackoffMs ?? 30_000;
  let backoff = minB;
  let stopped = false;
  let timer: TimerHandle | undefined;
  let failedThisRound = false;
  let markSynced!: () => void;
  const synced = new Promise<void>((r) => (markSynced = r));

  inf.on('add', (obj) => o.onChange('add', obj));
  inf.on('update', (obj) => o.onChange('update', obj));
  inf.on('delete', (obj) => o.onChange('delete', obj));
  inf.on('error', (err: unknown) => {
    failedThisRound = true;
    if (stopped) return;
    o.log.warn({ err, path: o.path, retryInMs: backoff }, 'watch failed; restarting');
    timer?.cancel();
    const wait = backoff;
    backoff = Math.min(maxB, backoff * 2);
    timer = o.clock.setTimer(wait, () => void run());
  });

  async function run(): Promise<void> {
    if (stopped) return;
    failedThisRound = false;
    await inf.start();
    if (!failedThisRound) {
      backoff = minB;
      markSynced();
      o.onRelisted?.();
    }
  }
  void run();

  return {
    list: () => inf.list(),
    get: (name, namespace) => inf.get(name, namespace),
    synced,
    async stop() {
      stopped = true;
      timer?.cancel();
      await inf.stop();
    },
  };
}
