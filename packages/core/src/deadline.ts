// A deadline for any promise-returning API call. client-node 1.x sets no timeout on
// requests, so a call to a hung API server would otherwise never settle and the caller
// would act on a stale view forever (client-go bounds each try the same way).
import type { ConfigurationOptions } from '@kubernetes/client-node';
import type { Clock } from './clock.js';
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
