// A deadline for any promise-returning API call. client-node 1.x sets no timeout on
// requests, so a call to a hung API server would otherwise never settle and the caller
// would act on a stale view forever (client-go bounds each try the same way).
import type { Clock } from './clock.js';
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
