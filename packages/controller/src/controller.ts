// The controller: watches pools, Namespaces and Services, keeps the allocator's state
// in step with them, and writes each Service's IPs. Only the Lease holder acts; a
// standby keeps warm caches. On becoming leader it re-claims every IP Services already
// hold BEFORE allocating anything new, so a restart or failover never reshuffles IPs.
import { CoreV1Api, CoordinationV1Api, CustomObjectsApi, type KubeConfig, type KubernetesListObject, type KubernetesObject, type V1Namespace, type V1Service } from '@kubernetes/client-node';
import { callWithDeadline, createEventRecorder, keyOf, splitKey, watchResource, type EventRecorder, type EventTarget, type Watched, Annotations, MetallbApiVersion, MetallbGroup, MetallbResources, MetallbVersion, WorkQueue, type Clock, type IPAddressPool, type Logger, type PoolOverlap, type PoolView, type TimerHandle } from '@ironlb/core';
import { Allocator } from './allocator/index.js';
import { classifyService, heldAssignments, ingressIPs } from './reconcile/service-view.js';
import { poolStatusOf, resolvePoolConfig, samePoolStatus, type Condition, type PoolHealth } from './reconcile/pool-config.js';
import { updatePoolGauges } from './reconcile/pool-metrics.js';
import { cleanupAfterRelease, servicesAwaitingAddresses } from './reconcile/release.js';

import { LeaderElector } from './k8s/leader-elector.js';

import { createStatusWriter, type StatusWriter } from './k8s/status-writer.js';
import { InFlight } from './k8s/in-flight.js';
import { ensureHeartbeatSecret } from './k8s/heartbeat-secret.js';
import type { ControllerMetrics } from './metrics.js';

export interface ControllerDeps {
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
  writer?: StatusWriter;
  events?: EventRecorder;
  /** Called when leadership is lost; main exits so the pod restarts clean. */
  onLostLeadership?: () => void;
  concurrency?: number;
}

export interface Controller {
  start(): void;
  stop(): Promise<void>;
  /** Why /readyz should fail; empty when ready. */
  notReady(): string[];
  readonly isLeader: boolean;
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export function createController(d: ControllerDeps): Controller {
  const log = d.log;
  const core = d.kc.makeApiClient(CoreV1Api);
  const custom = d.kc.makeApiClient(CustomObjectsApi);
  const writer = d.writer ?? createStatusWriter(d.kc, 'ironlb-controller', d.clock);
  const events = d.events ?? createEventRecorder(core, 'ironlb-controller', d.identity, d.clock, log);
  const allocator = new Allocator();
  let lastGood = new Map<string, PoolView>();
  let health = new Map<string, PoolHealth>();
  let overlaps: PoolOverlap[] = [];
  let leading = false;
  let acting = false; // leader AND initial re-claim done: reconciles may run
  let initialDone = false;
  let stopped = false;
  const legacyWarned = new Map<string, string>();
  const poolGenerations = new Map<string, number>();
  let poolsWithGauges = new Set<string>();
  const timers: { pools?: TimerHandle; poolStatus?: TimerHandle; retry?: TimerHandle; secret?: TimerHandle } = {};
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

  const services: Watched<V1Service> = watchResource<V1Service>({
    kc: d.kc, clock: d.clock, log, path: '/api/v1/services',
    list: () => core.listServiceForAllNamespaces(),
    onChange: (_t, svc) => {
      if (acting) queue.add(keyOf(svc.metadata?.namespace ?? '', svc.metadata?.name ?? ''));
    },
  });
  const namespaces: Watched<V1Namespace> = watchResource<V1Namespace>({
    kc: d.kc, clock: d.clock, log, path: '/api/v1/namespaces',
    list: () => core.listNamespace(),
    // serviceAllocation.namespaceSelectors depend on namespace labels.
    onChange: (_t, ns) => onlyWhenActing(() => {
      for (const s of services.list()) if (s.metadata?.namespace === ns.metadata?.name) queue.add(keyOf(ns.metadata?.name ?? '', s.metadata?.name ?? ''));
    })(),
  });
  // Custom objects arrive as plain JSON, which is exactly core's IPAddressPool shape.
  const poolWatch: Watched<KubernetesObject> = watchResource<KubernetesObject>({
    kc: d.kc, clock: d.clock, log,
    path: `/apis/${MetallbGroup}/${MetallbVersion}/namespaces/${d.namespace}/${MetallbResources.ipAddressPool.plural}`,
    list: async () =>
      (await custom.listNamespacedCustomObject({ group: MetallbGroup, version: MetallbVersion, namespace: d.namespace, plural: MetallbResources.ipAddressPool.plural })) as KubernetesListObject<KubernetesObject>,
    onChange: (type, obj) => {
      // Our own status writes come back as updates with the same generation: only spec
      // changes (and adds/deletes) can change allocation.
      const name = obj.metadata?.name ?? '';
      const gen = obj.metadata?.generation;
      if (type === 'update' && gen !== undefined && poolGenerations.get(name) === gen) return;
      if (type === 'delete') poolGenerations.delete(name);
      else if (gen !== undefined) poolGenerations.set(name, gen);
      onlyWhenActing(schedulePoolResync)();
    },
  });
  const pools = { list: () => poolWatch.list() as unknown as IPAddressPool[], synced: poolWatch.synced, stop: () => poolWatch.stop() };

  const serviceTarget = (svc: V1Service): EventTarget => ({
    kind: 'Service', apiVersion: 'v1', namespace: svc.metadata?.namespace ?? '', name: svc.metadata?.name ?? '', uid: svc.metadata?.uid,
  });
  const poolTarget = (p: IPAddressPool): EventTarget => ({
    kind: MetallbResources.ipAddressPool.kind, apiVersion: MetallbApiVersion, namespace: d.namespace, name: p.metadata?.name ?? '', uid: p.metadata?.uid,
  });

  /** Re-reads every pool, hands them to the allocator and requeues what it affects. */
  function applyPools(): void {
    const objs = pools.list();
    const cfg = resolvePoolConfig(objs, lastGood);
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
    // Debounced: `kubectl apply` of several pools is one resync.
    timers.pools = d.clock.setTimer(100, () => {
      applyPools();
      for (const s of services.list()) queue.add(keyOf(s.metadata?.namespace ?? '', s.metadata?.name ?? ''));
    });
  }

  function schedulePoolStatus(): void {
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
      const want = poolStatusOf(name, p.metadata?.generation, health.get(name), overlaps, usage, cur?.conditions ?? [], now);
      if (samePoolStatus(cur, want)) continue;
      try {
        await writer.setPoolStatus(d.namespace, name, want);
      } catch (err) {
        log.warn({ err, pool: name }, 'could not write pool status; will retry');
        schedulePoolStatus();
      }
    }
  }

  async function reconcileService(key: string): Promise<void> {
    if (!acting) return;
    const started = d.clock.monotonic();
    const { namespace, name } = splitKey(key);
    const svc = services.get(name, namespace);
    if (!svc) {
      legacyWarned.delete(key);
      const r = allocator.release(key);
      if (r.held) {
        log.info({ event: 'ipReleased', service: key, ip: r.freed, reason: 'service-deleted' }, 'released IPs of a deleted Service');
        schedulePoolStatus();
        retryPending();
      }
      return;
    }
    const c = classifyService(svc, namespaces.get(namespace)?.metadata?.labels ?? {}, d.lbClass);
    const current = ingressIPs(svc);
    const currentPool = svc.metadata?.annotations?.[Annotations.ipAllocatedFromPool];

    if (c.kind === 'ignored') {
      const r = allocator.release(key);
      if (!r.held) return;
      schedulePoolStatus();
      retryPending();
      log.info({ event: 'ipReleased', service: key, ip: r.freed, reason: c.reason }, 'released IPs of a Service that is no longer ours');
      // Clear only what we wrote; never touch a Service we did not assign. The API server
      // empties ingress itself when the type leaves LoadBalancer, but not our annotation.
      const undo = cleanupAfterRelease(svc, r.ips, c.reason);
      if (undo.clearIngress) await writer.setIngress(namespace, name, []);
      if (undo.clearAnnotation) await writer.setPoolAnnotation(namespace, name, undefined);
      if (undo.clearIngress || undo.clearAnnotation) {
        void events.record(serviceTarget(svc), 'Normal', 'ClearAssignment', `Service is no longer a LoadBalancer handled by ironlb (${c.reason}); released ${JSON.stringify(r.ips)}`);
      }
      return;
    }

    const legacy = c.legacyAnnotations.join(',');
    if (legacy && legacyWarned.get(key) !== legacy) {
      legacyWarned.set(key, legacy);
      void events.record(serviceTarget(svc), 'Warning', 'deprecatedAnnotation',
        `annotations ${c.legacyAnnotations.join(', ')} use the deprecated metallb.universe.tf/ prefix; use metallb.io/ instead`);
    }
    if (c.kind === 'invalid') {
      // Keep whatever it holds: a typo must not take a working IP away.
      d.metrics.allocationFailures.inc({ reason: 'invalid-request' });
      void events.record(serviceTarget(svc), 'Warning', 'AllocationFailed', `Failed to allocate IP for "${key}": ${c.message}`);
      return;
    }

    const r = allocator.allocate(c.view);
    if (r.ok) {
      if (!sameList(current, r.ips)) {
        await writer.setIngress(namespace, name, r.ips);
        log.info({ event: 'ipAllocated', service: key, ip: r.ips, pool: r.pool, reason: r.change }, 'assigned IPs');
        void events.record(serviceTarget(svc), 'Normal', 'IPAllocated', `Assigned IP ${JSON.stringify(r.ips)}`);
      }
      if (currentPool !== r.pool) await writer.setPoolAnnotation(namespace, name, r.pool);
      if (r.change !== 'kept' || r.released.length > 0) schedulePoolStatus();
      if (r.released.length > 0) retryPending();
      d.metrics.reconciles.inc({ result: 'assigned' });
    } else {
      d.metrics.allocationFailures.inc({ reason: r.reason });
      d.metrics.reconciles.inc({ result: 'failed' });
      log.info({ event: 'allocationFailed', service: key, reason: r.reason }, r.message);
      void events.record(serviceTarget(svc), 'Warning', 'AllocationFailed', `Failed to allocate IP for "${key}": ${r.message}`);
      if (current.length > 0) {
        await writer.setIngress(namespace, name, []);
        if (currentPool) await writer.setPoolAnnotation(namespace, name, undefined);
        log.info({ event: 'ipCleared', service: key, ip: current , reason: r.reason }, 'cleared IPs the Service may no longer hold');
        void events.record(serviceTarget(svc), 'Warning', 'ClearAssignment', `current IPs ${JSON.stringify(current)} for "${key}" are not allowed by the configuration, clearing: ${r.message}`);
      }
      if (r.released.length > 0) {
        schedulePoolStatus();
        retryPending();
      }
    }
    d.metrics.reconcileSeconds.observe((d.clock.monotonic() - started) / 1000);
  }

  /** Addresses came free: every Service still waiting for one gets another try. */
  /**
   * Gives Services that hold nothing another try now that addresses came free. Batched:
   * releases within 200 ms share one scan, so deleting N Services (a namespace) costs
   * one scan per batch instead of N scans of N Services.
   */
  function retryPending(): void {
    if (timers.retry) return;
    timers.retry = d.clock.setTimer(200, () => {
      timers.retry = undefined;
      if (!acting) return;
      for (const k of servicesAwaitingAddresses(services.list(), (key) => allocator.assignment(key) !== undefined, d.lbClass)) queue.add(k);
    });
  }

  /** Leader start-up: pools, then re-claim held IPs, then everything else. */
  async function takeOver(): Promise<void> {
    await Promise.all([services.synced, namespaces.synced, pools.synced]);
    if (!leading || stopped) return;
    const t0 = d.clock.monotonic();
    // Re-claim from a fresh list, not from the cache: a standby's cache can be a watch
    // event behind the previous leader's last ingress writes, and an IP written just
    // before the hand-over must never look free to us. (Reconciles still read the cache;
    // at worst they re-write the same IP the allocator already holds for the Service.)
    const fresh = (await callWithDeadline((o) => core.listServiceForAllNamespaces({}, o), 30_000, 'list services', d.clock)).items;
    if (!leading || stopped) return;
    applyPools();
    const held = heldAssignments(fresh, (ns) => namespaces.get(ns)?.metadata?.labels ?? {}, d.lbClass);
    const outcomes = allocator.restore(held);
    const failed = outcomes.filter((o) => !o.ok);
    for (const o of failed) if (!o.ok) log.warn({ event: 'reclaimFailed', service: o.service, reason: o.reason }, o.message);
    acting = true;
    for (const s of services.list()) queue.add(keyOf(s.metadata?.namespace ?? '', s.metadata?.name ?? ''));
    await queue.idle();
    initialDone = true;
    log.info({ event: 'initialSyncDone', reclaimed: outcomes.length - failed.length, reclaimFailed: failed.length, services: services.list().length, ms: Math.round(d.clock.monotonic() - t0) }, 'existing IPs re-claimed; pending Services handled');
    schedulePoolStatus();
  }

  function ensureSecretLoop(): void {
    if (!leading || stopped) return;
    void ensureHeartbeatSecret(core, d.namespace, d.clock, log)
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
      await inFlight.drain();
      await elector.stop();
      await Promise.all([services.stop(), namespaces.stop(), pools.stop()]);
      d.metrics.isLeader.set(0);
    },
    notReady() {
      const reasons: string[] = [];
      if (stopped) reasons.push('stopping');
      if (!elector.decided) reasons.push('leader election: first attempt pending');
      // A standby is ready once it could take over; the leader once it has caught up.
      if (leading && !initialDone) reasons.push('leader: re-claiming existing IPs and handling pending Services');
      return reasons;
    },
    get isLeader() {
      return leading;
    },
  };
}
