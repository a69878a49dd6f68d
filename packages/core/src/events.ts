// Records core/v1 Events on objects, as client-go's recorder does: the same (object,
// type, reason, message) within one process is one Event whose count goes up, so a
// Service stuck on "no available IPs" does not flood etcd.
import { createHash } from 'node:crypto';
import { PatchStrategy, setHeaderOptions, type CoreV1Api, type CoreV1Event } from '@kubernetes/client-node';
import type { Clock } from './clock.js';
import type { Logger } from './log.js';
import { isNotFound } from './api-errors.js';
import { withDeadline } from './deadline.js';

export interface EventTarget {
  kind: string;
  apiVersion: string;
  /** The object's namespace; '' for a cluster-scoped object (a Node). */
  namespace: string;
  /** Where the Event object itself lives when the target is cluster-scoped (kubectl looks in 'default'). */
  eventNamespace?: string;
  name: string;
  uid?: string;
}

export type EventType = 'Normal' | 'Warning';

/** The narrow port the reconciler sees. */
export interface EventRecorder {
  record(target: EventTarget, type: EventType, reason: string, message: string): Promise<void>;
}

const MAX_SERIES = 4096;
/** Events are best effort: a hung API server must not pile up pending Event calls. */
const EVENT_DEADLINE_MS = 10_000;

interface Seen {
  name: string;
  count: number;
}

export function createEventRecorder(api: Pick<CoreV1Api, 'createNamespacedEvent' | 'patchNamespacedEvent'>, component: string, instance: string, clock: Clock, log: Logger): EventRecorder {
  const seen = new Map<string, Seen>();
  return {
    async record(t, type, reason, message) {
      const key = `${t.uid ?? ''}|${t.namespace}/${t.name}|${type}|${reason}|${message}`;
      const ns = t.eventNamespace ?? (t.namespace || 'default');
      const now = new Date(clock.now());
      const prev = seen.get(key);
      try {
        if (prev) {
          prev.count++;
          try {
            await withDeadline(
              api.patchNamespacedEvent({ name: prev.name, namespace: ns, body: { count: prev.count, lastTimestamp: now } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)),
              EVENT_DEADLINE_MS,
              `patch event ${ns}/${prev.name}`,
              clock,
            );
            return;
          } catch (e) {
            if (!isNotFound(e)) throw e; // expired from etcd: create it again below
          }
        }
        const name = `${t.name}.${createHash('sha256').update(key).update(String(now.getTime())).digest('hex').slice(0, 16)}`;
        const body: CoreV1Event = {
          metadata: { name, namespace: ns },
          involvedObject: { kind: t.kind, apiVersion: t.apiVersion, ...(t.namespace ? { namespace: t.namespace } : {}), name: t.name, uid: t.uid },
          type,
          reason,
          message,
          count: prev?.count ?? 1,
          firstTimestamp: now,
          lastTimestamp: now,
          source: { component },
          reportingComponent: component,
          reportingInstance: instance,
        };
        await withDeadline(api.createNamespacedEvent({ namespace: ns, body }), EVENT_DEADLINE_MS, `create event ${ns}/${name}`, clock);
        seen.set(key, { name, count: body.count ?? 1 });
        // Bounded memory: forget the oldest series (Map keeps insertion order).
        if (seen.size > MAX_SERIES) seen.delete(seen.keys().next().value as string);
      } catch (err) {
        // Events are best effort: a failed Event must never fail a reconcile.
        log.warn({ err, reason, object: `${t.namespace}/${t.name}` }, 'could not record event');
      }
    },
  };
}
