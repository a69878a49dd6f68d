// A deadline for any promise-returning API call. client-node 1.x sets no timeout on
// requests, so a call to a hung API server would otherwise never settle and the caller
// would act on a stale view forever (client-go bounds each try the same way).
import type { ConfigurationOptions } from '@kubernetes/client-node';
import type { Clock } from './clock.js';
import { httpStatusOf } from './api-errors.js';
import { ErrorCodes, IronlbError } from './errors.js';

/**
 * Resolves or rejects as `p` does, or rejects with IronlbError(KubeApi, "… timed out after
 * N ms") once `ms` have passed, calling `onTimeout` first (e.g. to abort the request).
 * Without `onTimeout` the underlying work is not cancelled; its late result is ignored.
 */
export function withDeadline<T>(p: Promise<T>, ms: number, what: string, clock: Clock, onTimeout?: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = clock.setTimer(ms, () => {
      onTimeout?.();
      reject(new IronlbError(ErrorCodes.KubeApi, `${what} timed out after ${ms} ms`));
    });
    p.then(
      (v) => {
        t.cancel();
        resolve(v);
      },
      (e: unknown) => {
        t.cancel();
        reject(e);
      },
    );
  });
}

/**
 * withDeadline over the whole of `call`, retried while the API server answers 429 Too
 * Many Requests (API priority and fairness, or "storage is (re)initializing" just after a
 * CRD is created), as client-go retries it: after Retry-After (at most 1 s; 0.5 s when the
 * header is absent), as long as the retry can start before the deadline. Any other error,
 * and a 429 with no time left, is thrown as it is.
 */
export async function withDeadlineRetryingThrottle<T>(call: () => Promise<T>, ms: number, what: string, clock: Clock): Promise<T> {
  const end = clock.monotonic() + ms;
  for (;;) {
    try {
      return await withDeadline(call(), Math.max(1, end - clock.monotonic()), what, clock);
    } catch (e) {
      if (httpStatusOf(e) !== 429) throw e;
      const wait = retryAfterMs(e);
      if (clock.monotonic() + wait >= end) throw e;
      await new Promise<void>((resolve) => clock.setTimer(wait, resolve));
    }
  }
}

/** Retry-After of a client-node ApiException (seconds), in ms, within 0..1000; 500 when absent. */
function retryAfterMs(e: unknown): number {
  const headers = (e as { headers?: Record<string, string | undefined> }).headers;
  const s = Number(headers?.['retry-after'] ?? headers?.['Retry-After']);
  return Number.isFinite(s) && s >= 0 ? Math.min(1000, s * 1000) : 500;
}

/**
 * client-node call options (merged after `base`, e.g. a patch Content-Type) whose request
 * is aborted when `signal` aborts: the socket is closed, so a write stuck on a hung API
 * server cannot land later, after we stopped acting.
 */
export function abortableOptions(signal: AbortSignal, base?: ConfigurationOptions): ConfigurationOptions {
  // Call-time middleware is used as is by the generated code, in its Observable flavour
  // (an object with toPromise), like client-node's own setHeaderOptions.
  const observable = <T>(v: T) => ({ toPromise: () => Promise.resolve(v), pipe: <R>(f: (x: T) => R) => observable(f(v)) });
  const abort = {
    pre: (ctx: { setSignal(s: AbortSignal): void }) => {
      ctx.setSignal(signal);
      return observable(ctx);
    },
    post: <R>(r: R) => observable(r),
  };
  return { ...base, middleware: [...(base?.middleware ?? []), abort as never], middlewareMergeStrategy: 'append' };
}

/**
 * One client-node call with a deadline that really ends it: `call` gets options to pass
 * as the call's last argument; past `ms` the request is aborted and the promise rejects
 * with IronlbError(KubeApi, "<what> timed out after <ms> ms").
 */
export function callWithDeadline<T>(call: (options: ConfigurationOptions) => Promise<T>, ms: number, what: string, clock: Clock, base?: ConfigurationOptions): Promise<T> {
  const ac = new AbortController();
  return withDeadline(call(abortableOptions(ac.signal, base)), ms, what, clock, () => ac.abort());
}
