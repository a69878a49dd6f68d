// Records core/v1 Events on objects, as client-go's recorder does: the same (object,
// type, reason, message) within the correlator's window is one Event whose count and
// lastTimestamp go up (a merge PATCH), not a new Event each time, so a Service stuck on
// "no available IPs" does not flood etcd (event-correlator.ts decides; this file writes).
//
// Writes of one series never overlap: occurrences that arrive while its create or patch
// is on the wire are carried by the next patch (one write for a burst). Every call has a
// deadline and is aborted when it passes. Events are best effort: a failed write is
// logged and retried with the next occurrence, never thrown at the caller.
import { createHash } from 'node:crypto';
import { PatchStrategy, setHeaderOptions, type CoreV1Api, type CoreV1Event } from '@kubernetes/client-node';
import type { Clock } from './clock.js';
import type { Logger } from './log.js';
import { httpStatusOf, isNotFound } from './api-errors.js';
import { callWithDeadline } from './deadline.js';
import { EventCorrelator, type CorrelatorOptions, type EventSeries } from './event-correlator.js';

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
  /** Resolves once this occurrence is written (or folded into a write); never rejects. */
  record(target: EventTarget, type: EventType, reason: string, message: string): Promise<void>;
}

export interface EventRecorderOptions extends CorrelatorOptions {
  /** Deadline of each Event call (ms; default 10 s). */
  deadlineMs?: number;
}

/** Write state of one series; lives as long as the series is remembered or being written. */
interface SeriesWrite {
  /** The Event object's name once created. */
  name?: string;
  /** Count last written to the API server. */
  written: number;
  /** The write loop on the wire, if any. */
  running?: Promise<void>;
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function createEventRecorder(
  api: Pick<CoreV1Api, 'createNamespacedEvent' | 'patchNamespacedEvent'>,
  component: string,
  instance: string,
  clock: Clock,
  log: Logger,
  o: EventRecorderOptions = {},
): EventRecorder {
  const correlator = new EventCorrelator(o);
  const deadlineMs = o.deadlineMs ?? 10_000;
  const writes = new WeakMap<EventSeries, SeriesWrite>();

  async function writeLoop(s: EventSeries, w: SeriesWrite, t: EventTarget, type: EventType, reason: string, message: string): Promise<void> {
    const ns = t.eventNamespace ?? (t.namespace || 'default');
    for (let attempts = 0; w.written < s.count && attempts < 4; attempts++) {
      const count = s.count;
      const last = new Date(s.lastAt);
      try {
        if (w.name === undefined) {
          const name = `${t.name}.${createHash('sha256').update(s.key).update(`${s.firstAt}|${attempts}`).digest('hex').slice(0, 16)}`;
          const body: CoreV1Event = {
            metadata: { name, namespace: ns },
            involvedObject: { kind: t.kind, apiVersion: t.apiVersion, ...(t.namespace ? { namespace: t.namespace } : {}), name: t.name, uid: t.uid },
            type,
            reason,
            message,
            count,
            firstTimestamp: new Date(s.firstAt),
            lastTimestamp: last,
            source: { component },
            reportingComponent: component,
            reportingInstance: instance,
          };
          try {
            await callWithDeadline((opts) => api.createNamespacedEvent({ namespace: ns, body }, opts), deadlineMs, `create event ${ns}/${name}`, clock);
          } catch (e) {
            // Ours already (a retried create whose first answer was lost): patch it below.
            if (httpStatusOf(e) !== 409) throw e;
            w.name = name;
            continue;
          }
          w.name = name;
        } else {
          const name = w.name;
          try {
            await callWithDeadline(
              (opts) => api.patchNamespacedEvent({ name, namespace: ns, body: { count, lastTimestamp: last } }, opts),
              deadlineMs,
              `patch event ${ns}/${name}`,
              clock,
              merge,
            );
          } catch (e) {
            if (!isNotFound(e)) throw e;
            w.name = undefined; // expired from etcd (its TTL): create it again
            continue;
          }
        }
        w.written = count;
      } catch (err) {
        log.warn({ err, reason, object: `${t.namespace}/${t.name}` }, 'could not record event');
        return; // the next occurrence retries
      }
    }
  }

  /** Writes the series up to its current count; joins (then re-checks after) a write on the wire. */
  function flush(s: EventSeries, t: EventTarget, type: EventType, reason: string, message: string): Promise<void> {
    let w = writes.get(s);
    if (!w) writes.set(s, (w = { written: 0 }));
    const state = w;
    if (state.running) return state.running.then(() => (state.written < s.count ? flush(s, t, type, reason, message) : undefined));
    if (state.written >= s.count) return Promise.resolve();
    const running = writeLoop(s, state, t, type, reason, message).finally(() => {
      if (state.running === running) state.running = undefined;
    });
    state.running = running;
    return running;
  }

  return {
    record(t, type, reason, message) {
      const object = t.uid ?? `${t.kind}/${t.namespace}/${t.name}`;
      const { series } = correlator.observe(object, type, reason, message, clock.now());
      return flush(series, t, type, reason, message);
    },
  };
}
