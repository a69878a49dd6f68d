// The one informer of the project (controller, speaker and CLI use it): a client-node
// ListWatch that never gives up and never trusts a silent connection.
//
// - The library relists on 410 Gone by itself but stops on any other error (network,
//   5xx, 403), so we restart it with exponential backoff.
// - Every watch carries a server-side `timeoutSeconds` (the API server ends it cleanly,
//   we re-watch from the last resourceVersion) and bookmarks, and a client-side idle
//   limit: a watch that delivers nothing — no event, no bookmark — for longer than the
//   server timeout plus a margin is a half-open connection, and is aborted and redone.
//   So a cut connection is noticed in `timeoutSeconds + idleMarginMs`, not after TCP
//   gives up minutes later (client-go does the same with its watch timeouts).
// - Each list has a deadline (`listTimeoutMs`), so a hung API server is an error that
//   backs off and retries rather than a promise that never settles.
// - `lastContactAt()` says how stale the cache may be: the monotonic time of the last
//   list, event or bookmark received. Components act on it by a documented rule.
import { ListWatch, Watch, type ConfigurationOptions, type KubeConfig, type KubernetesListObject, type KubernetesObject, type ListPromise } from '@kubernetes/client-node';
import type { Clock, TimerHandle } from './clock.js';
import { callWithDeadline } from './deadline.js';
import type { Logger } from './log.js';

export type ChangeType = 'add' | 'update' | 'delete';

export interface WatchOptions<T extends KubernetesObject> {
  kc: KubeConfig;
  /** API path of the collection, e.g. /api/v1/services. */
  path: string;
  /** Lists the collection; pass `options` on as the call's last argument so a list that
   * outlives its deadline is aborted, not just ignored. */
  list: (options?: ConfigurationOptions) => Promise<KubernetesListObject<T>>;
  clock: Clock;
  log: Logger;
  onChange: (type: ChangeType, obj: T) => void;
  /** Called after every (re)list, so callers can resync everything derived from the cache. */
  onRelisted?: () => void;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Server-side watch timeout (`timeoutSeconds`); default 60 s. */
  watchTimeoutSeconds?: number;
  /** Extra silence tolerated beyond the server timeout before the watch is presumed dead; default 15 s. */
  idleMarginMs?: number;
  /** Deadline of each list call; default 30 s. */
  listTimeoutMs?: number;
  labelSelector?: string;
  fieldSelector?: string;
  /**
   * Narrows each object before it is cached (and before onChange sees it), so the cache
   * holds only what the component reads. Default: drops metadata.managedFields, which
   * nothing here reads and which is often the largest part of an object (an update that
   * omits it leaves the server's copy unchanged, so a cached object stays writable).
   */
  transform?: (obj: T) => T;
}

/**
 * The KubeConfig as client-node's Watch uses it (current cluster, fetch options), with
 * `signal` joined to whatever signal the Watch sets on its request.
 */
function abortableKubeConfig(kc: KubeConfig, signal: AbortSignal): KubeConfig {
  const view = {
    getCurrentCluster: () => kc.getCurrentCluster(),
    async applyToFetchOptions(opts: object) {
      const init = (await kc.applyToFetchOptions(opts as never)) as Record<string, unknown>;
      let joined: AbortSignal = signal;
      Object.defineProperty(init, 'signal', {
        enumerable: true,
        configurable: true,
        get: () => joined,
        set: (s: AbortSignal | undefined) => void (joined = s ? AbortSignal.any([s, signal]) : signal),
      });
      return init;
    },
  };
  return view as unknown as KubeConfig;
}

/** The default informer transform: the object without metadata.managedFields. */
export function withoutManagedFields<T extends KubernetesObject>(obj: T): T {
  if (obj.metadata && 'managedFields' in obj.metadata) delete obj.metadata.managedFields;
  return obj;
}

export interface Watched<T extends KubernetesObject> {
  list(): readonly T[];
  get(name: string, namespace?: string): T | undefined;
  synced: Promise<void>;
  /** Monotonic ms of the last list, event or bookmark; undefined before the first list. */
  lastContactAt(): number | undefined;
  stop(): Promise<void>;
}

type WatchCallback = (phase: string, obj: unknown, watchObj?: unknown) => void;
type DoneCallback = (err: unknown) => void;

export function watchResource<T extends KubernetesObject>(o: WatchOptions<T>): Watched<T> {
  const minB = o.minBackoffMs ?? 500;
  const maxB = o.maxBackoffMs ?? 30_000;
  const timeoutSeconds = o.watchTimeoutSeconds ?? 60;
  const idleMs = timeoutSeconds * 1000 + (o.idleMarginMs ?? 15_000);
  let backoff = minB;
  let stopped = false;
  let timer: TimerHandle | undefined;
  let failedThisRound = false;
  let lastContact: number | undefined;
  let markSynced!: () => void;
  const synced = new Promise<void>((r) => (markSynced = r));
  const touch = () => (lastContact = o.clock.monotonic());
  const transform = o.transform ?? withoutManagedFields;

  // Wraps the library's Watch: adds timeoutSeconds and bookmarks, records contact, and
  // aborts a watch that has been silent for longer than the server would allow.
  const watcher = {
    async watch(path: string, query: Record<string, unknown>, cb: WatchCallback, done: DoneCallback): Promise<AbortController> {
      let idle: TimerHandle | undefined;
      let finished = false;
      // Ours, joined to the library's own signal: the library hands out its
      // AbortController only once response headers arrived, so without this a request
      // that never gets them (a hung server, a half-open pooled socket) could not be
      // cancelled and would hold a connection of the shared agent for good.
      const ours = new AbortController();
      const giveUp = (why: string) => {
        o.log.warn({ path: o.path, idleMs, event: 'watchIdle' }, why);
        ours.abort();
        finish(null);
      };
      const arm = () => {
        idle?.cancel();
        idle = o.clock.setTimer(idleMs, () => giveUp('watch silent beyond its timeout; reconnecting'));
      };
      const finish = (err: unknown) => {
        if (finished) return;
        finished = true;
        idle?.cancel();
        done(err);
      };
      // Armed before the request, for one that never gets response headers.
      idle = o.clock.setTimer(idleMs, () => giveUp('watch got no response in time; reconnecting'));
      const controller = await new Watch(abortableKubeConfig(o.kc, ours.signal)).watch(
        path,
        { ...query, timeoutSeconds, allowWatchBookmarks: true },
        (phase, obj, watchObj) => {
          touch();
          arm();
          // Bookmarks and errors carry no object of ours; everything else is narrowed.
          cb(phase, phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED' ? transform(obj as T) : obj, watchObj);
        },
        finish,
      );
      if (finished) controller.abort();
      else {
        ours.signal.addEventListener('abort', () => controller.abort());
        arm();
      }
      return controller;
    },
  };
  const listWithDeadline: ListPromise<T> = async () => {
    const r = await callWithDeadline((opts) => o.list(opts), o.listTimeoutMs ?? 30_000, `list ${o.path}`, o.clock);
    touch();
    r.items = r.items.map(transform);
    return r;
  };
  const inf = new ListWatch<T>(o.path, watcher as unknown as Watch, listWithDeadline, false, o.labelSelector, o.fieldSelector);

  // A throwing handler must not become an unhandled rejection inside the library's
  // async watch handler (which would end the process): log it and carry on.
  const deliver = (type: ChangeType, obj: T) => {
    try {
      o.onChange(type, obj);
    } catch (err) {
      o.log.error({ err, path: o.path, event: 'handlerFailed' }, 'informer handler failed');
    }
  };
  inf.on('add', (obj) => deliver('add', obj));
  inf.on('update', (obj) => deliver('update', obj));
  inf.on('delete', (obj) => deliver('delete', obj));
  /** Any failure (watch error, or a start that threw, e.g. credentials) retries with backoff. */
  const retryLater = (err: unknown) => {
    if (stopped) return;
    o.log.warn({ err, path: o.path, retryInMs: backoff }, 'watch failed; restarting');
    timer?.cancel();
    const wait = backoff;
    backoff = Math.min(maxB, backoff * 2);
    timer = o.clock.setTimer(wait, () => void run().catch(retryLater));
  };
  inf.on('error', (err: unknown) => {
    failedThisRound = true;
    retryLater(err);
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
  void run().catch(retryLater);

  return {
    list: () => inf.list(),
    get: (name, namespace) => inf.get(name, namespace),
    synced,
    lastContactAt: () => lastContact,
    async stop() {
      stopped = true;
      timer?.cancel();
      await inf.stop();
    },
  };
}
