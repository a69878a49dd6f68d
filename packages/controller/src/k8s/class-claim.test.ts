import { describe, expect, it } from 'vitest';
import type { V1Lease } from '@kubernetes/client-node';
import { ManualClock, createLogger } from '@ironlb/core';
import { createClassClaim } from './class-claim.js';

/** An in-memory Lease endpoint with resourceVersion checks, as the API server does them. */
class FakeLeases {
  lease: V1Lease | undefined;
  #rv = 0;
  failing = false;

  readNamespacedLease = async (): Promise<V1Lease> => {
    if (this.failing) throw Object.assign(new Error('unavailable'), { code: 503 });
    if (!this.lease) throw Object.assign(new Error('not found'), { code: 404 });
    return structuredClone(this.lease);
  };

  createNamespacedLease = async ({ body }: { body: V1Lease }): Promise<V1Lease> => {
    if (this.lease) throw Object.assign(new Error('exists'), { code: 409 });
    this.lease = { ...body, metadata: { ...body.metadata, resourceVersion: String(++this.#rv) } };
    return structuredClone(this.lease);
  };

  replaceNamespacedLease = async ({ body }: { body: V1Lease }): Promise<V1Lease> => {
    if (body.metadata?.resourceVersion !== this.lease?.metadata?.resourceVersion) throw Object.assign(new Error('conflict'), { code: 409 });
    this.lease = { ...body, metadata: { ...body.metadata, resourceVersion: String(++this.#rv) } };
    return structuredClone(this.lease);
  };
}

const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

function setup() {
  const api = new FakeLeases();
  const clock = new ManualClock(1_000_000);
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ component: 'test', level: 'debug', destination: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) } });
  const make = (identity: string, lbClass: string | undefined) => {
    const state = { lost: 0, refused: [] as string[] };
    const claim = createClassClaim({
      api, namespace: 'metallb-system', identity, lbClass, clock, log, durationSeconds: 3,
      onLost: () => void state.lost++,
      onRefused: (m) => void state.refused.push(m),
    });
    return { claim, state };
  };
  const run = async (ms: number, step = 100) => {
    for (let t = 0; t < ms; t += step) {
      clock.advance(step);
      await settle();
    }
  };
  return { api, clock, lines, make, run };
}

describe('class claim (adapter)', () => {
  it('keeps a second class out while the first renews; it gets in once the first releases', async () => {
    const { api, make, run } = setup();
    const a = make('pod-a', 'example.com/a');
    expect(await a.claim.acquire(() => true)).toBe(true);
    expect(api.lease?.metadata?.annotations?.['ironlb.io/lb-class']).toBe('example.com/a');

    const b = make('pod-b', undefined);
    let bGot: boolean | undefined;
    void b.claim.acquire(() => true).then((v) => (bGot = v));
    await run(10_000); // a renews every second; b must never get in
    expect(bGot).toBeUndefined();
    expect(b.claim.blocked()).toContain('lb-class "example.com/a" (pod-a)');
    expect(b.state.refused).toHaveLength(1); // told once, not once per retry
    expect(a.state.lost).toBe(0);

    await a.claim.release();
    expect(api.lease?.spec?.holderIdentity).toBe('');
    await run(1_100);
    expect(bGot).toBe(true);
    expect(b.claim.blocked()).toBeUndefined();
    expect(api.lease?.metadata?.annotations?.['ironlb.io/lb-class']).toBe('');
  });

  it('lets another class in once a dead holder\'s claim stopped changing for its duration, on our clock', async () => {
    const { api, make, run } = setup();
    // Left behind by a SIGKILLed controller of class a: never renewed again.
    api.lease = {
      metadata: { name: 'ironlb-controller-class', namespace: 'metallb-system', resourceVersion: '7', annotations: { 'ironlb.io/lb-class': 'example.com/a' } },
      spec: { holderIdentity: 'pod-dead', leaseDurationSeconds: 3, renewTime: new Date(0) as never, leaseTransitions: 0 },
    };
    const b = make('pod-b', 'example.com/b');
    let bGot: boolean | undefined;
    void b.claim.acquire(() => true).then((v) => (bGot = v));
    await run(2_500);
    expect(bGot).toBeUndefined(); // its renewTime is ancient, but we only trust our own clock
    await run(1_600);
    expect(bGot).toBe(true);
    expect(api.lease?.spec?.holderIdentity).toBe('pod-b');
  });

  it('a holder that cannot renew within the duration reports the claim lost', async () => {
    const { api, make, run } = setup();
    const a = make('pod-a', 'example.com/a');
    await a.claim.acquire(() => true);
    api.failing = true;
    await run(2_900);
    expect(a.state.lost).toBe(0);
    await run(1_200);
    expect(a.state.lost).toBe(1);
  });

  it('a holder that finds someone else in the claim (even of its class) reports it lost', async () => {
    const { api, make, run } = setup();
    const a = make('pod-a', 'example.com/a');
    await a.claim.acquire(() => true);
    const a2 = make('pod-a2', 'example.com/a');
    expect(await a2.claim.acquire(() => true)).toBe(true); // same class: at once
    expect(api.lease?.spec?.holderIdentity).toBe('pod-a2');
    await run(1_100);
    expect(a.state.lost).toBe(1);
    expect(api.lease?.spec?.holderIdentity).toBe('pod-a2'); // a never took it back
  });

  it('stops trying when no longer wanted', async () => {
    const { make, run } = setup();
    const a = make('pod-a', 'example.com/a');
    await a.claim.acquire(() => true);
    const b = make('pod-b', 'example.com/b');
    let wanted = true;
    let bGot: boolean | undefined;
    void b.claim.acquire(() => wanted).then((v) => (bGot = v));
    await run(500);
    wanted = false;
    await run(1_100);
    expect(bGot).toBe(false);
  });
});
