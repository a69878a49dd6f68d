// The controller: watches pools, Namespaces and Services, keeps the allocator's state
// in step with them, and writes each Service's IPs. Only the Lease holder acts; a
// standby keeps warm caches. On becoming leader it re-claims every IP Services already
// hold BEFORE allocating anything new, so a restart or failover never reshuffles IPs.
// What to write is decided by reconcile/decide.ts (pure); this file only applies plans.
import { CoreV1Api, CoordinationV1Api, type KubeConfig, type KubernetesObject, type V1Namespace, type V1Service } from '@kubernetes/client-node';
import { keyOf, splitKey, type EventRecorder, type EventTarget, type Watched, MetallbApiVersion, MetallbResources, WorkQueue, type Clock, type IPAddressPool, type Logger, type PoolOverlap, type TimerHandle } from '@ironlb/core';
import { Allocator } from './allocator/index.js';
import { heldAssignments } from './reconcile/service-view.js';
import { decide, serviceKey, withAnnotations, type ServiceMemory, type ServicePlan, type Written } from './reconcile/decide.js';
import { WrittenMemory } from './reconcile/written-memory.js';
import { PendingServices } from './reconcile/pending.js';
import { heldByPool, lastValidSpecWrites, poolStatusOf, resolvePoolConfig, samePoolStatus, type Condition, type LastGood, type PoolHealth } from './reconcile/pool-config.js';
import { advertisementViewOf } from './reconcile/l2-coverage.js';
import { ClassClaimLeaseName } from './reconcile/class-claim.js';
import { createCoverageReporter } from './k8s/coverage-reporter.js';
import { createClassClaim } from './k8s/class-claim.js';
import { updatePoolGauges } from './reconcile/pool-metrics.js';

import { LeaderElector } from './k8s/leader-elector.js';
import type { StatusWriter } from './k8s/status-writer.js';
import { createKubePorts, type ControllerPorts } from './ports.js';
import { InFlight } from './k8s/in-flight.js';
import { ensureHeartbeatSecret } from './k8s/heartbeat-secret.js';
import type { ControllerMetrics } from './metrics.js';

export interface ControllerDeps {
  /** Credentials of the Lease and heartbeat Secret clients (and of the default ports). */
  kc: KubeConfig;
  /** Namespace of the IPAddressPools and of the leader lease. */
  namespace: string;
  lbClass?: string;
  identity: string;
  leaseName: string;
  leaseDurationSeconds: number;
  clock: Clock;
  log: Logger;
  metrics: ControllerMetrics;
  /** Informers, LIST, writes and Events; default createKubePorts(kc). */
  ports?: ControllerPorts;
  /** Called when leadership is lost; main exits so the pod restarts clean. */
  onLostLeadership?: () => void;
  concurrency?: number;
  /** Every Service is reconciled again this often, a safety net for anything missed (ms; default 5 min). */
  resyncIntervalMs?: number;
  /** How long an allocation failure must last before it is a Warning Event (ms; default 1 s). */
  failureSettleMs?: number;
}

export interface Controller {
  start(): void;
  stop(): Promise<void>;
  /** Why /readyz should fail; empty when ready. */
  notReady(): string[];
  readonly isLeader: boolean;
}

/** A lasting failure is posted again this often (the recorder counts repeats). */
const REPORT_EVERY_MS = 10 * 60_000;

export function createController(d: ControllerDeps): Controller {
  const log = d.log;
  const ports = d.ports ?? createKubePorts(d.kc, { identity: d.identity, clock: d.clock, log });
  const writer: StatusWriter = ports.writer;
  const events: EventRecorder = ports.events;
  const settleMs = d.failureSettleMs ?? 1_000;
  const allocator = new Allocator();
  let lastGood: LastGood = new Map();
  let health = new Map<string, PoolHealth>();
  let overlaps: PoolOverlap[] = [];
  let leading = false;
  let acting = false; // leader AND initial re-claim done: reconciles may run
  let initialDone = false;
  let stopped = false;
  /** A pool change was seen and is not applied yet: allocation failures wait for it. */
  let poolsDirty = false;
  const memory = new Map<string, ServiceMemory>();
  const written = new WrittenMemory();
  const pending = new PendingServices();
  const poolGenerations = new Map<string, number>();
  let poolsWithGauges = new Set<string>();
  const timers: { pools?: TimerHandle; poolStatus?: TimerHandle; retry?: TimerHandle; secret?: TimerHandle; recheck?: TimerHandle; resync?: TimerHandle } = {};
  /** Sharing keys whose waiting Services get another try at the next batch; 'all' after a release. */
  let retryKeys: Set<string> | 'all' = new Set();
  const recheckKeys = new Set<string>();
  // Reconciles and pool status writes on the wire; stop() lets them finish before the
  // lease is released, so the next leader never writes at the same time as this one.
  const inFlight = new InFlight();

  const queue = new WorkQueue({
    clock: d.clock,
    concurrency: d.concurrency ?? 8,
    handle: (key) => inFlight.run(() => reconcileService(key)),
    onError: (key, err, retryInMs) => {
      d.metrics.reconciles.inc({ result: 'error' });
      log.warn({ err, service: key, retryInMs }, 'reconcile failed; retrying');
    },
  });

  const onlyWhenActing = (fn: () => void) => () => {
    if (acting) fn();
  };
  const requeueAll = () => {
    for (const s of services.list()) queue.add(serviceKey(s));
  };

  const services: Watched<V1Service> = ports.watchServices({
    onChange: (type, svc) => {
      const key = serviceKey(svc);
      if (type === 'delete') written.forget(key);
      else written.observed(key, svc);
      if (acting) queue.add(key);
      if (acting) coverage.schedule(); // serviceSelectors of advertisements depend on labels
    },
    // Whatever a missed event would have said is in the cache now: look at everything.
    onRelisted: () => {
      written.clear();
      if (acting) requeueAll();
    },
  });
  const namespaces: Watched<V1Namespace> = ports.watchNamespaces({
    // serviceAllocation.namespaceSelectors depend on namespace labels.
    onChange: (_t, ns) => onlyWhenActing(() => {
      for (const s of services.list()) if (s.metadata?.namespace === ns.metadata?.name) queue.add(keyOf(ns.metadata?.name ?? '', s.metadata?.name ?? ''));
    })(),
  });
  const poolWatch: Watched<KubernetesObject> = ports.watchPools(d.namespace, {
    onChange: (type, obj) => {
      // Our own status writes come back as updates with the same generation: only spec
      // changes (and adds/deletes) can change allocation.
      const name = obj.metadata?.name ?? '';
      const gen = obj.metadata?.generation;
      if (type === 'update' && gen !== undefined && poolGenerations.get(name) === gen) {
        // Labels may have changed: L2Advertisements select pools by label (Advertised).
        onlyWhenActing(schedulePoolStatus)();
        return;
      }
      if (type === 'delete') poolGenerations.delete(name);
      else if (gen !== undefined) poolGenerations.set(name, gen);
      poolsDirty = true;
      onlyWhenActing(schedulePoolResync)();
    },
  });
  const pools = { list: () => poolWatch.list() as unknown as IPAddressPool[], synced: poolWatch.synced, stop: () => poolWatch.stop() };
  // L2Advertisements: only to tell users about IPs that no node announces (issue 8).
  let adsSynced = false;
  const adWatch: Watched<KubernetesObject> = ports.watchAdvertisements(d.namespace, {
    onChange: () => onlyWhenActing(schedulePoolStatus)(),
  });
  void adWatch.synced.then(() => (adsSynced = true));
  const coverage = createCoverageReporter({
    clock: d.clock, log, events,
    advertisements: () => (adsSynced ? adWatch.list().map(advertisementViewOf) : undefined),
    pools: () => pools.list().map((p) => ({ name: p.metadata?.name ?? '', labels: p.metadata?.labels ?? {} })),
    assignments: () => allocator.assignments(),
    service: (key) => services.get(splitKey(key).name, splitKey(key).namespace),
    acting: () => acting,
  });
  const poolAnnotations = ports.poolAnnotations;
  const classClaim = createClassClaim({
    api: d.kc.makeApiClient(CoordinationV1Api), namespace: d.namespace, identity: d.identity, lbClass: d.lbClass,
    clock: d.clock, log, durationSeconds: d.leaseDurationSeconds,
    onLost: () => {
      acting = false;
      d.onLostLeadership?.();
    },
    onRefused: (message) => void events.record({ kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', namespace: d.namespace, name: ClassClaimLeaseName }, 'Warning', 'LBClassConflict', message),
  });

  const serviceTarget = (svc: V1Service): EventTarget => ({
    kind: 'Service', apiVersion: 'v1', namespace: svc.metadata?.namespace ?? '', name: svc.metadata?.name ?? '', uid: svc.metadata?.uid,
  });
  const poolTarget = (p: IPAddressPool): EventTarget => ({
    kind: MetallbResources.ipAddressPool.kind, apiVersion: MetallbApiVersion, namespace: d.namespace, name: p.metadata?.name ?? '', uid: p.metadata?.uid,
  });

  /** Re-reads every pool, hands them to the allocator and requeues what it affects. */
  function applyPools(svcs: readonly V1Service[] = services.list()): void {
    poolsDirty = false;
    const objs = pools.list();
    const cfg = resolvePoolConfig(objs, lastGood, heldByPool(svcs, d.lbClass));
    lastGood = cfg.lastGood;
    health = cfg.health;
    const report = allocator.setPools(cfg.pools);
    overlaps = report.overlaps;
    d.metrics.configLoaded.set(1);
    d.metrics.configStale.set(cfg.stale ? 1 : 0);
    for (const p of objs) {
      const h = health.get(p.metadata?.name ?? '');
      for (const pr of h?.problems ?? []) void events.record(poolTarget(p), 'Warning', 'InvalidPool', pr.message);
      for (const w of h?.warnings ?? []) void events.record(poolTarget(p), 'Warning', 'PoolWarning', w.message);
    }
    for (const o of overlaps) {
      const p = objs.find((x) => x.metadata?.name === o.removedFrom);
      if (p) void events.record(poolTarget(p), 'Warning', 'PoolOverlap', o.message);
    }
    for (const l of report.lost) log.warn({ event: 'ipLost', service: l.service, pool: l.pool, ip: l.ips, reason: l.reason }, l.message);
    log.info({ event: 'poolsApplied', pools: cfg.pools.length, overlaps: overlaps.length, lost: report.lost.length, stale: cfg.stale }, 'pools applied');
    schedulePoolStatus();
  }

  function schedulePoolResync(): void {
    timers.pools?.cancel();
    // Debounced: `kubectl apply` of several pools is one resync. Every Service is looked
    // at again: a pool's spec or serviceAllocation can make a pending one satisfiable.
    timers.pools = d.clock.setTimer(100, () => {
      timers.pools = undefined;
      applyPools();
      requeueAll();
    });
  }

  function schedulePoolStatus(): void {
    coverage.schedule();
    if (timers.poolStatus) return;
    // At most one status write per pool per second, however many Services change.
    timers.poolStatus = d.clock.setTimer(1_000, () => {
      timers.poolStatus = undefined;
      void inFlight.run(flushPoolStatus);
    });
  }

  async function flushPoolStatus(): Promise<void> {
    if (!acting) return;
    const now = new Date(d.clock.now()).toISOString();
    const objs = pools.list();
    poolsWithGauges = updatePoolGauges(d.metrics, new Map(objs.map((p) => [p.metadata?.name ?? '', allocator.usage(p.metadata?.name ?? '')])), poolsWithGauges);
    for (const p of objs) {
      const name = p.metadata?.name ?? '';
      const cur = p.status as (NonNullable<IPAddressPool['status']> & { conditions?: Condition[] }) | undefined;
      const usage = allocator.usage(name);
      const advertisedBy = coverage.advertisedBy({ name, labels: p.metadata?.labels ?? {} });
      const want = poolStatusOf(name, p.metadata?.generation, health.get(name), overlaps, usage, cur?.conditions ?? [], now, advertisedBy);
      if (samePoolStatus(cur, want)) continue;
      try {
        await writer.setPoolStatus(d.namespace, name, want);
      } catch (err) {
        log.warn({ err, pool: name }, 'could not write pool status; will retry');
        schedulePoolStatus();
      }
    }
    // Persist each pool's last valid spec, so a restart while it is invalid still serves it.
    for (const w of lastValidSpecWrites(objs, { lastGood })) {
      try {
        await poolAnnotations.setLastValidSpec(d.namespace, w.pool, w.value);
      } catch (err) {
        log.warn({ err, pool: w.pool }, 'could not persist the last valid spec; will retry');
        schedulePoolStatus();
      }
    }
  }

  async function reconcileService(key: string): Promise<void> {
    if (!acting) return;
    const now = d.clock.monotonic();
    const { namespace, name } = splitKey(key);
    const svc = services.get(name, namespace);
    const seen = svc === undefined ? { ingress: [], pool: undefined, legacyPool: undefined } : written.view(key, svc, now);
    const plan = decide({
      key, svc, written: seen,
      namespaceLabels: namespaces.get(namespace)?.metadata?.labels ?? {},
      lbClass: d.lbClass,
      memory: memory.get(key),
      now,
      poolsSettling: poolsDirty,
      settleMs,
      reportEveryMs: REPORT_EVERY_MS,
    }, allocator);
    // Bookkeeping first: the allocator has already changed, whatever the writes do.
    if (plan.usageChanged) schedulePoolStatus();
    if (plan.released.length > 0) retryPending('all');
    const sharingChanged = pending.note(key, plan.waiting, plan.sharing);
    if (sharingChanged.length > 0) retryPending(sharingChanged);
    if (plan.recheckInMs !== undefined) recheck(key, plan.recheckInMs);
    if (svc !== undefined) await applyWrites(plan, namespace, name, seen, now);
    // Memory, Events and logs once the writes succeeded: a failed write re-plans them.
    if (plan.memory === undefined) memory.delete(key);
    else memory.set(key, plan.memory);
    for (const l of plan.logs) log[l.level](l.fields, l.msg);
    if (svc !== undefined) for (const e of plan.events) void events.record(serviceTarget(svc), e.type, e.reason, e.message);
    if (plan.metrics.result !== undefined) d.metrics.reconciles.inc({ result: plan.metrics.result });
    if (plan.metrics.failure !== undefined) d.metrics.allocationFailures.inc({ reason: plan.metrics.failure });
    d.metrics.reconcileSeconds.observe((d.clock.monotonic() - now) / 1000);
  }

  /** Status first, then annotations; each write is remembered until the cache shows it. */
  async function applyWrites(plan: ServicePlan, namespace: string, name: string, seen: Written, now: number): Promise<void> {
    let w = seen;
    if (plan.ingress !== undefined) {
      const rv = await writer.setIngress(namespace, name, plan.ingress);
      const next = { ...w, ingress: plan.ingress };
      written.wrote(plan.key, w, next, rv, now);
      w = next;
    }
    if (plan.annotations !== undefined) {
      const rv = await writer.setAnnotations(namespace, name, plan.annotations);
      written.wrote(plan.key, w, withAnnotations(w, plan.annotations), rv, now);
    }
  }

  /**
   * Gives waiting Services another try: all of them after a release, or those with a
   * sharing key whose group changed. Batched: changes within 200 ms share one pass over
   * the waiting Services (never over every Service), so deleting N Services costs one
   * pass per batch instead of N.
   */
  function retryPending(keys: readonly string[] | 'all'): void {
    if (keys === 'all') retryKeys = 'all';
    else if (retryKeys !== 'all') for (const k of keys) retryKeys.add(k);
    if (timers.retry) return;
    timers.retry = d.clock.setTimer(200, () => {
      timers.retry = undefined;
      const which = retryKeys;
      retryKeys = new Set();
      if (!acting) return;
      for (const k of pending.waiters(which === 'all' ? undefined : which)) queue.add(k);
    });
  }

  /** Reconciles `key` again once its failure has had time to resolve itself (one timer per batch). */
  function recheck(key: string, inMs: number): void {
    recheckKeys.add(key);
    if (timers.recheck) return;
    timers.recheck = d.clock.setTimer(Math.max(inMs, 50), () => {
      timers.recheck = undefined;
      const keys = [...recheckKeys];
      recheckKeys.clear();
      if (acting) for (const k of keys) queue.add(k);
    });
  }

  /** The safety net: every Service again, however quiet the watches were. */
  function resyncLoop(): void {
    if (!leading || stopped) return;
    timers.resync = d.clock.setTimer(d.resyncIntervalMs ?? 5 * 60_000, () => {
      if (acting) {
        log.debug({ event: 'resync', services: services.list().length }, 'periodic resync');
        requeueAll();
      }
      resyncLoop();
    });
  }

  /** Leader start-up: pools, then re-claim held IPs, then everything else. */
  async function takeOver(): Promise<void> {
    await Promise.all([services.synced, namespaces.synced, pools.synced]);
    if (!leading || stopped) return;
    // One lb-class per namespace: wait (not ready) while another class's leader acts here.
    if (!(await classClaim.acquire(() => leading && !stopped))) return;
    const t0 = d.clock.monotonic();
    // Re-claim from a fresh list, not from the cache: a standby's cache can be a watch
    // event behind the previous leader's last ingress writes, and an IP written just
    // before the hand-over must never look free to us. (Reconciles still read the cache;
    // at worst they re-write the same IP the allocator already holds for the Service.)
    const fresh = await ports.listServices();
    if (!leading || stopped) return;
    applyPools(fresh);
    const held = heldAssignments(fresh, (ns) => namespaces.get(ns)?.metadata?.labels ?? {}, d.lbClass);
    const outcomes = allocator.restore(held);
    const failed = outcomes.filter((o) => !o.ok);
    for (const o of failed) if (!o.ok) log.warn({ event: 'reclaimFailed', service: o.service, reason: o.reason }, o.message);
    acting = true;
    requeueAll();
    resyncLoop();
    await queue.idle();
    initialDone = true;
    log.info({ event: 'initialSyncDone', reclaimed: outcomes.length - failed.length, reclaimFailed: failed.length, services: services.list().length, ms: Math.round(d.clock.monotonic() - t0) }, 'existing IPs re-claimed; pending Services handled');
    schedulePoolStatus();
  }

  function ensureSecretLoop(): void {
    if (!leading || stopped) return;
    void ensureHeartbeatSecret(d.kc.makeApiClient(CoreV1Api), d.namespace, d.clock, log)
      .catch((err: unknown) => log.error({ err, event: 'heartbeatSecretFailed' }, 'could not create the heartbeat key Secret; new speakers cannot join until it exists'))
      .finally(() => {
        if (leading && !stopped) timers.secret = d.clock.setTimer(60_000, ensureSecretLoop);
      });
  }

  const elector = new LeaderElector({
    api: d.kc.makeApiClient(CoordinationV1Api),
    namespace: d.namespace,
    name: d.leaseName,
    identity: d.identity,
    clock: d.clock,
    log,
    leaseDurationSeconds: d.leaseDurationSeconds,
    renewDeadlineMs: Math.floor(d.leaseDurationSeconds * 1000 * (2 / 3)),
    retryPeriodMs: Math.max(500, Math.floor((d.leaseDurationSeconds * 1000) / 7)),
    onStartedLeading: () => {
      leading = true;
      d.metrics.isLeader.set(1);
      // The speakers need the heartbeat key before they announce anything; checked again
      // every minute, so a deleted Secret comes back (level, not edge).
      ensureSecretLoop();
      // A failed take-over makes the elector give the lease back, then call onStoppedLeading.
      return takeOver();
    },
    onStoppedLeading: () => {
      leading = false;
      acting = false;
      d.metrics.isLeader.set(0);
      queue.stop();
      writer.abortAll?.(); // no write of ours may land after leadership ended
      d.onLostLeadership?.();
    },
  });

  return {
    start() {
      elector.start();
    },
    async stop() {
      stopped = true;
      acting = false;
      queue.stop();
      timers.pools?.cancel();
      timers.poolStatus?.cancel();
      timers.retry?.cancel();
      timers.secret?.cancel();
      timers.recheck?.cancel();
      timers.resync?.cancel();
      coverage.stop();
      await inFlight.drain();
      await classClaim.release();
      await elector.stop();
      await Promise.all([services.stop(), namespaces.stop(), pools.stop(), adWatch.stop()]);
      d.metrics.isLeader.set(0);
    },
    notReady() {
      const reasons: string[] = [];
      if (stopped) reasons.push('stopping');
      if (!elector.decided) reasons.push('leader election: first attempt pending');
      const blocked = classClaim.blocked();
      if (leading && blocked !== undefined) reasons.push(blocked);
      // A standby is ready once it could take over; the leader once it has caught up.
      if (leading && !initialDone) reasons.push('leader: re-claiming existing IPs and handling pending Services');
      return reasons;
    },
    get isLeader() {
      return leading;
    },
  };
}
