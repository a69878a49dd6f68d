import { describe, expect, it } from 'vitest';
import type { V1Service } from '@kubernetes/client-node';
import { ManualClock, createLogger, type EventTarget } from '@ironlb/core';
import type { Assignment } from '../allocator/index.js';
import { advertisementViewOf, type AdvertisementView } from '../reconcile/l2-coverage.js';
import { createCoverageReporter } from './coverage-reporter.js';

function setup() {
  const clock = new ManualClock();
  const posted: { target: EventTarget; reason: string; message: string }[] = [];
  const state = {
    ads: undefined as AdvertisementView[] | undefined,
    assignments: [{ service: 'ns/a', pool: 'blue', ips: ['203.0.113.1'] }] as Assignment[],
    acting: true,
  };
  const svc: V1Service = { metadata: { name: 'a', namespace: 'ns', uid: 'u1', labels: { app: 'a' } } };
  const r = createCoverageReporter({
    clock,
    log: createLogger({ component: 'test', level: 'error', destination: { write: () => {} } }),
    events: { record: async (target, _type, reason, message) => void posted.push({ target, reason, message }) },
    advertisements: () => state.ads,
    pools: () => [{ name: 'blue', labels: {} }],
    assignments: () => state.assignments,
    service: (k) => (k === 'ns/a' ? svc : undefined),
    acting: () => state.acting,
  });
  return { clock, posted, state, r };
}

describe('coverage reporter', () => {
  it('judges nothing before the advertisements are known, then warns once per state', () => {
    const { clock, posted, state, r } = setup();
    r.schedule();
    clock.advance(1_000);
    expect(posted).toEqual([]);
    expect(r.advertisedBy({ name: 'blue', labels: {} })).toBeUndefined();

    state.ads = [advertisementViewOf({ metadata: { name: 'red-only' }, spec: { ipAddressPools: ['red'] } })];
    r.schedule();
    r.schedule(); // debounced: one sweep
    clock.advance(999);
    expect(posted).toEqual([]);
    clock.advance(1);
    expect(posted.map((p) => [p.target.name, p.reason])).toEqual([['a', 'NotAdvertised']]);
    expect(posted[0]?.message).toContain('no L2Advertisement selects pool blue');
    expect(r.advertisedBy({ name: 'blue', labels: {} })).toEqual([]);

    r.schedule();
    clock.advance(1_000);
    expect(posted).toHaveLength(1); // same state: not again

    state.ads = [advertisementViewOf({ metadata: { name: 'all' }, spec: {} })];
    r.schedule();
    clock.advance(1_000);
    expect(posted).toHaveLength(1);
    expect(r.advertisedBy({ name: 'blue', labels: {} })).toEqual(['all']);

    state.ads = [];
    r.schedule();
    clock.advance(1_000);
    expect(posted).toHaveLength(2); // uncovered again after a covered spell
  });

  it('says nothing while not acting, and nothing after stop', () => {
    const { clock, posted, state, r } = setup();
    state.ads = [];
    state.acting = false;
    r.schedule();
    clock.advance(1_000);
    expect(posted).toEqual([]);
    state.acting = true;
    r.schedule();
    r.stop();
    clock.advance(1_000);
    expect(posted).toEqual([]);
    expect(clock.pendingTimers()).toBe(0);
  });
});
