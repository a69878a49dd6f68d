// A pool that becomes invalid keeps serving its Services from its last valid version,
// even across a controller restart (issue 8): the version is persisted on the pool in
// the annotation ironlb.io/last-valid-spec. And a pool invalid from the first time the
// controller sees it (no last valid version anywhere, e.g. after a migration) takes no
// IP away from the Services that hold one from it, and hands out nothing new.
//
// How a pool gets past the CRD's validation: the cross-entry overlap rule (CEL) only runs
// for lists of at most 128 entries (its cost), so a 129-entry list with an overlap is
// stored, and the controller's own validation (the same as for pools stored under
// MetalLB's CRDs, which have no CEL) refuses it naming the field.
// Addresses: 203.0.113.144/28 and 2001:db8:200::9:0/112 only.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitFor } from '../cluster/exec.js';
import { E2eScope, PoolNamespace, ingressOf, installCrds, watchIngressChanges, type ControllerHandle, type PoolObject, type PoolSpec } from './fixtures/controller.js';

const s = new E2eScope(inject('cluster'), 'cplv');
const Annotation = 'ironlb.io/last-valid-spec';
const condition = (p: PoolObject, type: string) => p.status?.conditions?.find((c) => c.type === type);
const annotationOf = (p: PoolObject) => (p.metadata as { annotations?: Record<string, string> }).annotations?.[Annotation];
/** 127 IPv6 /128 entries: with two more, the list is past the CEL overlap rule's 128. */
const padding = Array.from({ length: 127 }, (_, i) => `2001:db8:200::9:${(i + 1).toString(16)}/128`);
let ctl: ControllerHandle;

beforeAll(async () => {
  await installCrds(s.k);
  ctl = await s.startLeader({ identity: s.name('c0') });
});
afterEach(() => s.cleanup());
afterAll(() => s.close());

async function restart(signal: NodeJS.Signals, id: string): Promise<ControllerHandle> {
  await ctl.stop(signal);
  ctl = await s.startController({ identity: s.name(id) });
  const done = await ctl.waitInitialSync(60_000);
  expect(done).toMatchObject({ reclaimFailed: 0 });
  await ctl.waitReady();
  return ctl;
}

describe('controller: last valid pool spec', () => {
  it('keeps serving an invalid pool from its last valid version through a SIGKILL restart, then uses the fixed spec', async () => {
    const ns = await s.createNamespace('lastvalid');
    const sa = { namespaces: [ns] };
    const valid: PoolSpec = { addresses: ['203.0.113.144-203.0.113.147'], serviceAllocation: sa };
    const pool = await s.pool('lv', valid);
    for (const [n, ip] of [['a', '203.0.113.144'], ['b', '203.0.113.145']] as const) {
      await s.createService(ns, n);
      expect(await s.waitAssigned(ns, n)).toEqual({ ips: [ip], pool });
    }
    // The valid version is persisted on the pool.
    const saved = await s.waitPool(pool, `${Annotation} written`, (p) => annotationOf(p) !== undefined);
    expect(JSON.parse(annotationOf(saved)!)).toMatchObject({ generation: saved.metadata.generation, spec: { addresses: valid.addresses } });

    // Edit it into an invalid spec: entry [1] overlaps entry [0].
    await s.updatePoolSpec(pool, { addresses: [...valid.addresses, '203.0.113.146/32', ...padding], serviceAllocation: sa });
    const gen = (await s.getPool(pool)).metadata.generation;
    const invalid = await s.waitPool(pool, 'Valid=False on the new generation', (p) => condition(p, 'Valid')?.observedGeneration === gen && condition(p, 'Valid')?.status === 'False');
    expect(condition(invalid, 'Valid')?.reason).toBe('InvalidSpecUsingLastValid');
    expect(condition(invalid, 'Valid')?.message).toContain('spec.addresses[1]');
    // An invalid edit never overwrites the persisted version.
    expect(annotationOf(invalid)).toBe(annotationOf(saved));

    const watch = await watchIngressChanges(s.kc, ns);
    try {
      await restart('SIGKILL', 'c1');
      // Nothing was cleared or re-assigned; the pool still says why it is stale.
      expect(ctl.linesWith('ipCleared')).toEqual([]);
      expect(ingressOf(await s.getService(ns, 'a'))).toEqual(['203.0.113.144']);
      expect(ingressOf(await s.getService(ns, 'b'))).toEqual(['203.0.113.145']);
      const after = await s.getPool(pool);
      expect(condition(after, 'Valid')).toMatchObject({ status: 'False', reason: 'InvalidSpecUsingLastValid' });
      expect(condition(after, 'Valid')?.message).toContain('spec.addresses[1]');
      // The last valid version also serves new Services after the restart.
      await s.createService(ns, 'c');
      expect(await s.waitIngress(ns, 'c')).toEqual(['203.0.113.146']);
    } finally {
      watch.stop();
    }
    expect(watch.history.get('a') ?? ['203.0.113.144']).toEqual(['203.0.113.144']);
    expect(watch.history.get('b') ?? ['203.0.113.145']).toEqual(['203.0.113.145']);

    // Fixed (and shrunk: .146 is gone): the new spec is used, c moves, a and b stay.
    await s.updatePoolSpec(pool, { addresses: ['203.0.113.144-203.0.113.145', '203.0.113.148/32'], serviceAllocation: sa });
    const fixedGen = (await s.getPool(pool)).metadata.generation;
    await s.waitPool(pool, 'Valid=True on the fixed generation', (p) => condition(p, 'Valid')?.status === 'True' && condition(p, 'Valid')?.observedGeneration === fixedGen);
    expect(await s.waitIngressIs(ns, 'c', ['203.0.113.148'])).toEqual(['203.0.113.148']);
    expect(ingressOf(await s.getService(ns, 'a'))).toEqual(['203.0.113.144']);
    expect(ingressOf(await s.getService(ns, 'b'))).toEqual(['203.0.113.145']);
    await s.waitPool(pool, 'the fixed spec persisted', (p) => JSON.parse(annotationOf(p) ?? '{}').generation === fixedGen);
  });

  it('never clears Services holding IPs from a pool that was never valid, and hands out nothing new from it', async () => {
    const ns = await s.createNamespace('nevervalid');
    const sa = { namespaces: [ns] };
    const pool = await s.pool('nv', { addresses: ['203.0.113.152-203.0.113.155'], serviceAllocation: sa });
    for (const [n, ip] of [['a', '203.0.113.152'], ['b', '203.0.113.153']] as const) {
      await s.createService(ns, n);
      expect(await s.waitAssigned(ns, n)).toEqual({ ips: [ip], pool });
    }
    await s.waitPool(pool, `${Annotation} written`, (p) => annotationOf(p) !== undefined);
    // While no controller runs, the pool becomes invalid and loses its persisted version:
    // as if it came from an older release or from MetalLB.
    await ctl.stop('SIGKILL');
    await s.updatePoolSpec(pool, { addresses: ['203.0.113.152-203.0.113.155', '203.0.113.154/32', ...padding], serviceAllocation: sa });
    await s.k.ok(['annotate', 'ipaddresspool', pool, '-n', PoolNamespace, `${Annotation}-`]);
    const gen = (await s.getPool(pool)).metadata.generation;

    const watch = await watchIngressChanges(s.kc, ns);
    try {
      ctl = await s.startController({ identity: s.name('n1') });
      expect(await ctl.waitInitialSync(60_000)).toMatchObject({ reclaimFailed: 0 });
      await ctl.waitReady();
      expect(ctl.linesWith('ipCleared')).toEqual([]);
      const p = await s.waitPool(pool, 'Valid=False on the invalid generation', (x) => condition(x, 'Valid')?.observedGeneration === gen);
      expect(condition(p, 'Valid')).toMatchObject({ status: 'False', reason: 'InvalidSpecKeepingAssigned' });
      expect(condition(p, 'Valid')?.message).toContain('spec.addresses[1]');
      expect(condition(p, 'Valid')?.message).toContain('203.0.113.152, 203.0.113.153');
      // Nothing new from it, not even on request by name.
      await s.createService(ns, 'pending', { annotations: { 'metallb.io/address-pool': pool } });
      await s.waitEvent(ns, 'pending', 'AllocationFailed');
      expect(ingressOf(await s.getService(ns, 'pending'))).toEqual([]);
      // A held Service keeps its IP through its own edits too.
      await s.patchService(ns, 'a', { metadata: { labels: { touched: 'yes' } } });
      await new Promise((r) => setTimeout(r, 1_000));
      expect(ingressOf(await s.getService(ns, 'a'))).toEqual(['203.0.113.152']);
      expect(ingressOf(await s.getService(ns, 'b'))).toEqual(['203.0.113.153']);
    } finally {
      watch.stop();
    }
    expect(watch.history.get('a') ?? ['203.0.113.152']).toEqual(['203.0.113.152']);
    expect(watch.history.get('b') ?? ['203.0.113.153']).toEqual(['203.0.113.153']);

    // Fixed: the pool is used again, the pending Service is served.
    await s.updatePoolSpec(pool, { addresses: ['203.0.113.152-203.0.113.155'], serviceAllocation: sa });
    await s.waitPool(pool, 'Valid=True', (x) => condition(x, 'Valid')?.status === 'True');
    expect(await s.waitIngress(ns, 'pending')).toEqual(['203.0.113.154']);
    expect(ingressOf(await s.getService(ns, 'a'))).toEqual(['203.0.113.152']);
    await waitFor('the fixed spec persisted', async () => (annotationOf(await s.getPool(pool)) !== undefined ? true : undefined), 10_000);
  });
});

describe('controller: RBAC', () => {
  it('needed no permission beyond deploy/10-controller-rbac.yaml', () => {
    expect(s.started.length).toBeGreaterThan(0);
    expect(s.forbidden()).toEqual([]);
  });
});
