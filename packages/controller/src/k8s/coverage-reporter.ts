// Tells Services whose IPs nobody announces (Warning NotAdvertised) and gives the pool
// status its Advertised condition. Sweeps are debounced: a `kubectl apply` of a pool, its
// advertisement and Services is judged once everything has arrived, so a state that
// resolves itself within the same apply gets no Warning. Each Service is told once per
// state (CoverageNotices), not on every sweep.
import type { V1Service } from '@kubernetes/client-node';
import type { Clock, EventRecorder, Logger, TimerHandle } from '@ironlb/core';
import type { Assignment } from '../allocator/index.js';
import { CoverageNotices, advertisersOf, serviceCoverage, type AdvertisementView, type PoolLabels } from '../reconcile/l2-coverage.js';

export interface CoverageReporterDeps {
  clock: Clock;
  log: Logger;
  events: EventRecorder;
  /** Undefined until the advertisements are listed: nothing is judged before that. */
  advertisements: () => readonly AdvertisementView[] | undefined;
  pools: () => readonly PoolLabels[];
  assignments: () => readonly Assignment[];
  service: (key: string) => V1Service | undefined;
  /** False while not leading: a standby tells nobody anything. */
  acting: () => boolean;
  /** Debounce of sweeps, ms (default 1000). */
  delayMs?: number;
}

export interface CoverageReporter {
  /** Asks for a sweep soon (cheap; any number of calls make one sweep). */
  schedule(): void;
  /** Names of the advertisements selecting the pool; undefined while advertisements are unknown. */
  advertisedBy(pool: PoolLabels): string[] | undefined;
  stop(): void;
}

export function createCoverageReporter(d: CoverageReporterDeps): CoverageReporter {
  const notices = new CoverageNotices();
  let timer: TimerHandle | undefined;
  let stopped = false;

  function sweep(): void {
    timer = undefined;
    const ads = d.advertisements();
    if (stopped || !d.acting() || ads === undefined) return;
    const pools = new Map(d.pools().map((p) => [p.name, p]));
    const seen = new Set<string>();
    for (const a of d.assignments()) {
      const svc = d.service(a.service);
      const pool = pools.get(a.pool);
      if (svc === undefined || pool === undefined) continue;
      seen.add(a.service);
      const c = serviceCoverage(ads, pool, svc.metadata?.labels ?? {}, a.ips);
      if (c.covered) {
        notices.shouldPost(a.service, undefined);
        continue;
      }
      if (!notices.shouldPost(a.service, c.message)) continue;
      d.log.warn({ event: 'ipNotAdvertised', service: a.service, ip: a.ips, pool: a.pool, reason: c.reason }, c.message);
      void d.events.record(
        { kind: 'Service', apiVersion: 'v1', namespace: svc.metadata?.namespace ?? '', name: svc.metadata?.name ?? '', uid: svc.metadata?.uid },
        'Warning', 'NotAdvertised', c.message,
      );
    }
    notices.retain(seen);
  }

  return {
    schedule() {
      if (timer !== undefined || stopped) return;
      timer = d.clock.setTimer(d.delayMs ?? 1_000, sweep);
    },
    advertisedBy(pool) {
      const ads = d.advertisements();
      return ads === undefined ? undefined : advertisersOf(ads, pool);
    },
    stop() {
      stopped = true;
      timer?.cancel();
      timer = undefined;
    },
  };
}
