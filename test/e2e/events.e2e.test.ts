// Event aggregation on the real API server, with the controller's ServiceAccount (the
// shipped RBAC: events create + patch): N identical occurrences are ONE Event whose
// count is N — recorded one by one, in a burst, and by the running controller for a
// Service whose failure repeats on every reconcile. Addresses: 203.0.113.184/30 only.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { createEventRecorder, createLogger, shareConnections, systemClock, type EventTarget } from '@ironlb/core';
import { installRbac } from '../cluster/components.js';
import { mintServiceAccountKubeconfig } from '../cluster/accounts.js';
import { waitFor } from '../cluster/exec.js';
import { E2eScope, installCrds } from './fixtures/controller.js';

const cluster = inject('cluster');
const s = new E2eScope(cluster, 'ev');

beforeAll(async () => {
  await installCrds(s.k);
});
afterAll(() => s.close());

describe('events: aggregation', () => {
  it('N identical occurrences recorded by our recorder are one Event with count N', async () => {
    const ns = await s.createNamespace('rec');
    const svc = await s.createService(ns, 'web');
    await installRbac(cluster, ['00-namespace.yaml', '10-controller-rbac.yaml']);
    const kc = new KubeConfig();
    kc.loadFromFile(await mintServiceAccountKubeconfig(cluster, { namespace: 'metallb-system', name: 'ironlb-controller' }));
    shareConnections(kc);
    const problems: string[] = [];
    const log = createLogger({ component: 'test', level: 'warn', destination: { write: (l: string) => void problems.push(l) } });
    const rec = createEventRecorder(kc.makeApiClient(CoreV1Api), 'ironlb-controller', s.name('rec'), systemClock, log);
    const target: EventTarget = { kind: 'Service', apiVersion: 'v1', namespace: ns, name: 'web', uid: svc.metadata?.uid };

    for (let i = 0; i < 5; i++) await rec.record(target, 'Warning', 'AllocationFailed', 'no available IPs');
    // A burst while writes are on the wire (a retry batch of reconciles).
    await Promise.all(Array.from({ length: 20 }, () => rec.record(target, 'Warning', 'AllocationFailed', 'no available IPs')));
    await rec.record(target, 'Normal', 'Other', 'a different series');

    const events = await s.events(ns, 'web');
    const failed = events.filter((e) => e.reason === 'AllocationFailed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.count).toBe(25);
    expect(failed[0]!.type).toBe('Warning');
    expect(new Date(failed[0]!.lastTimestamp!).getTime()).toBeGreaterThanOrEqual(new Date(failed[0]!.firstTimestamp!).getTime());
    expect(events.filter((e) => e.reason === 'Other').map((e) => e.count)).toEqual([1]);
    expect(problems).toEqual([]);
  });

  it('the controller posts a failure that repeats on every reconcile once: one Event, not one per retry', async () => {
    const ns = await s.createNamespace('ctl');
    await s.createPool('ctl', { addresses: ['203.0.113.184-203.0.113.186'], serviceAllocation: { namespaces: [ns] } });
    await s.startLeader();
    // Asks for an IP outside every pool: each reconcile fails the same way.
    await s.createService(ns, 'stuck', { loadBalancerIP: '203.0.113.187' });
    const failures = async () => (await s.events(ns, 'stuck')).filter((e) => e.reason === 'AllocationFailed');
    await waitFor('first AllocationFailed', async () => ((await failures()).length > 0 ? true : undefined), 20_000, 100);
    const N = 5;
    for (let i = 1; i <= N; i++) {
      // Any change to the Service makes the controller reconcile it again (and fail again).
      await s.patchService(ns, 'stuck', { metadata: { labels: { poke: String(i) } } });
      await new Promise((r) => setTimeout(r, 300));
    }
    await new Promise((r) => setTimeout(r, 1_500)); // past the settle time: a new post would be on the wire
    const failed = await failures();
    // A lasting failure is re-posted at most every 10 minutes (docs/operations.md); every
    // re-post of the same message would raise this one Event's count, never add an Event.
    expect(failed, JSON.stringify(failed.map((e) => `${e.count}: ${e.message}`))).toHaveLength(1);
  });
});
