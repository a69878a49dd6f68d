import { describe, expect, it } from 'vitest';
import type { V1Lease } from '@kubernetes/client-node';
import { ManualClock, createLogger } from '@ironlb/core';
import { LeaderElector } from './leader-elector.js';

/** An in-memory Lease endpoint with resourceVersion checks, as the API server does them. */
class FakeLeases {
  lease: V1Lease | undefined;
  #rv = 0;
  replaces = 0;
  /** When set, the next replace waits for it before reaching the "server". */
  replaceGate: Promise<void> | undefined;
  /** Resolves when the gated replace has been applied (or refused). */
  gatedDone: Promise<void> = Promise.resolve();
  /** When set, a read returns its snapshot only after this resolves (a slow response). */
  readDelay: (() => Promise<void>) | undefined;
  /** When true, replaces never answer (a hung API server) until their request is aborted. */
  hang = false;
  /** Abort signals of the hung calls, read from the middleware the caller passed. */
  hungSignals: AbortSignal[] = [];

  async #hung(options: unknown): Promise<never> {
    let signal: AbortSignal | undefined;
    for (const m of (options as { middleware?: { pre(ctx: unknown): unknown }[] } | undefined)?.middleware ?? []) {
      await m.pre({ setSignal: (s: AbortSignal) => (signal = s), setHeaderParam: () => undefined });
    }
    if (signal) this.hungSignals.push(signal);
    return new Promise<never>((_res, rej) => signal?.addEventListener('abort', () => rej(new Error('aborted'))));
  }

  seed(holder: string): void {
    this.lease = { metadata: { name: 'l', namespace: 'ns', resourceVersion: String(++this.#rv) }, spec: { holderIdentity: holder, leaseDurationSeconds: 3, renewTime: new Date() as never, leaseTransitions: 0 } };
  }

  readNamespacedLease = async (): Promise<V1Lease> => {
    if (!this.lease) throw Object.assign(new Error('not found'), { code: 404 });
    const snapshot = structuredClone(this.lease);
    await this.readDelay?.();
    return snapshot;
  };

  createNamespacedLease = async ({ body }: { body: V1Lease }): Promise<V1Lease> => {
    if (this.lease) throw Object.assign(new Error('exists'), { code: 409 });
    this.lease = { ...body, metadata: { ...body.metadata, resourceVersion: String(++this.#rv) } };
    return structuredClone(this.lease);
  };

  replaceNamespacedLease = async ({ body }: { body: V1Lease }, options?: unknown): Promise<V1Lease> => {
    this.replaces++;
    if (this.hang) return this.#hung(options);
    const gate = this.replaceGate;
    this.replaceGate = undefined;
    let done!: () => void;
    if (gate) this.gatedDone = new Promise((r) => (done = r));
    try {
      if (gate) await gate;
      if (body.metadata?.resourceVersion !== this.lease?.metadata?.resourceVersion) throw Object.assign(new Error('conflict'), { code: 409 });
      this.lease = { ...body, metadata: { ...body.metadata, resourceVersion: String(++this.#rv) } };
      return structuredClone(this.lease);
    } finally {
      if (gate) done();
    }
  };
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

function setup(seedHolder?: string, onStartedLeading?: () => void | Promise<void>) {
  const api = new FakeLeases();
  if (seedHolder !== undefined) api.seed(seedHolder);
  const clock = new ManualClock(1_000_000);
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ component: 'test', level: 'debug', destination: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) } });
  let started = 0;
  const stoppedAt: number[] = [];
  const el = new LeaderElector({
    api, namespace: 'ns', name: 'l', identity: 'me', clock, log,
    leaseDurationSeconds: 3, renewDeadlineMs: 2_000, retryPeriodMs: 500,
    onStartedLeading: () => {
      started++;
      return onStartedLeading?.();
    },
    onStoppedLeading: () => void stoppedAt.push(clock.monotonic()),
  });
  let open!: () => void;
  const gate = () => (api.replaceGate = new Promise<void>((r) => (open = r)));
  return { api, clock, el, lines, gate, open: () => open(), started: () => started, stoppedAt };
}

describe('LeaderElector.stop', () => {
  it('waits for a renew on the wire before releasing, so the release is not refused with 409', async () => {
    const t = setup();
    t.el.start();
    await settle();
    expect(t.el.isLeader).toBe(true);
    // The next renew reaches the server only when we say so, and the release's read
    // answers only after that renew landed: the interleaving that made the release stale.
    t.gate();
    t.clock.advance(500);
    await settle();
    t.api.readDelay = () => t.api.gatedDone;
    const stopping = t.el.stop();
    await settle();
    t.open();
    await stopping;
    expect(t.api.lease?.spec?.holderIdentity).toBe('');
    expect(t.lines.some((l) => l.event === 'leaseReleased')).toBe(true);
    expect(t.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('releases a lease an attempt acquired while stop() was already waiting', async () => {
    const t = setup(''); // released by a previous leader: ours to take
    t.gate();
    t.el.start();
    await settle();
    const stopping = t.el.stop();
    await settle();
    t.open();
    await stopping;
    expect(t.started()).toBe(0); // stopped before it could start leading
    expect(t.api.lease?.spec?.holderIdentity).toBe('');
  });

  it('leaves a lease held by another replica alone', async () => {
    const t = setup('other');
    t.el.start();
    await settle();
    expect(t.el.isLeader).toBe(false);
    await t.el.stop();
    expect(t.api.replaces).toBe(0);
    expect(t.api.lease?.spec?.holderIdentity).toBe('other');
  });
});

describe('LeaderElector.decided', () => {
  it('is false until an attempt has answered, whoever holds the lease', async () => {
    for (const seed of ['other', '']) {
      const { api, el } = setup(seed);
      let release!: () => void;
      api.readDelay = () => new Promise<void>((r) => (release = r));
      el.start();
      await settle();
      expect(el.decided).toBe(false); // the first read is still on the wire
      api.readDelay = undefined;
      release();
      await settle();
      expect(el.decided).toBe(true);
      expect(el.isLeader).toBe(seed === ''); // a released lease is ours to take
      await el.stop();
    }
  });
});

describe('LeaderElector renew deadline', () => {
  it('stops leading within the renew deadline when renews hang, and aborts the hung renew', async () => {
    const t = setup();
    t.el.start();
    await settle();
    expect(t.el.isLeader).toBe(true);
    const renewedAt = t.clock.monotonic(); // the first try (create) began here
    t.api.hang = true;
    // Renew tries every 500 ms, each one hangs; none may keep us leading past 2 s.
    for (let ms = 0; ms < 1_900; ms += 100) {
      t.clock.advance(100);
      await settle();
    }
    expect(t.el.isLeader).toBe(true);
    expect(t.stoppedAt).toEqual([]);
    for (let ms = 0; ms < 200; ms += 50) {
      t.clock.advance(50);
      await settle();
    }
    expect(t.el.isLeader).toBe(false);
    expect(t.stoppedAt).toEqual([renewedAt + 2_000]);
    expect(t.api.hungSignals.length).toBeGreaterThan(0);
    expect(t.api.hungSignals.every((s) => s.aborted)).toBe(true);
    expect(t.lines.filter((l) => l.event === 'leaderLost')).toHaveLength(1);
    // It never tries again: the process restarts clean.
    const replaces = t.api.replaces;
    t.clock.advance(10_000);
    await settle();
    expect(t.api.replaces).toBe(replaces);
  });

  it('gives the lease back at once when the take-over fails', async () => {
    const t = setup('', () => Promise.reject(new Error('list failed')));
    t.el.start();
    await settle();
    await settle();
    expect(t.started()).toBe(1);
    expect(t.el.isLeader).toBe(false);
    expect(t.api.lease?.spec?.holderIdentity).toBe('');
    expect(t.stoppedAt).toHaveLength(1);
    expect(t.lines.some((l) => l.event === 'takeOverFailed')).toBe(true);
    expect(t.lines.some((l) => l.event === 'leaseReleased')).toBe(true);
  });
});
