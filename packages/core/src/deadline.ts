// A deadline for any promise-returning API call. client-node 1.x sets no timeout on
// requests, so a call to a hung API server would otherwise never settle and the caller
// would act on a stale view forever (client-go bounds each try the same way).
import type { Clock } from './clock.js';
import { httpStatusOf } from './api-errors.js';
import { ErrorCodes, IronlbError } from './errors.js';

/**
 * Resolves or rejects as `p` does, or rejects with IronlbError(KubeApi, "… timed out after
 * N ms") once `ms` have passed. The underlying request is not cancelled (the library gives
 * no handle for it); its late result is ignored.
 */
export function withDeadline<T>(p: Promise<T>, ms: number, what: string, clock: Clock): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = clock.setTimer(ms, () => reject(new IronlbError(ErrorCodes.KubeApi, `${what} timed out after ${ms} ms`)));
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
