import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { withDeadline, withDeadlineRetryingThrottle } from './deadline.js';
import { isIronlbError } from './errors.js';

describe('withDeadline', () => {
  it('passes a result that arrives in time and leaves no timer behind', async () => {
    const clock = new ManualClock();
    await expect(withDeadline(Promise.resolve(7), 100, 'x', clock)).resolves.toBe(7);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('passes a rejection that arrives in time', async () => {
    const clock = new ManualClock();
    await expect(withDeadline(Promise.reject(new Error('boom')), 100, 'x', clock)).rejects.toThrow('boom');
  });

  it('rejects with a KubeApi error naming the call when the promise hangs', async () => {
    const clock = new ManualClock();
    const p = withDeadline(new Promise<never>(() => undefined), 250, 'renew lease a', clock);
    clock.advance(249);
    let settled = false;
    p.catch(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    clock.advance(1);
    const err = await p.catch((e: unknown) => e);
    expect(isIronlbError(err, 'IRONLB_KUBE_API')).toBe(true);
    expect(String(err)).toContain('renew lease a timed out after 250 ms');
  });
});

describe('withDeadlineRetryingThrottle', () => {
  const throttled = (retryAfter?: string) => Object.assign(new Error('HTTP-Code: 429 Message: storage is (re)initializing'), { code: 429, headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter } });
  const flush = () => new Promise<void>((r) => setImmediate(r));

  it('retries a 429 after Retry-After until the call succeeds', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const p = withDeadlineRetryingThrottle(() => (++calls < 3 ? Promise.reject(throttled('1')) : Promise.resolve('ok')), 10_000, 'list x', clock);
    for (let i = 0; i < 5; i++) {
      await flush();
      clock.advance(1_000);
    }
    await expect(p).resolves.toBe('ok');
    expect(calls).toBe(3);
  });

  it('gives up with the 429 when no retry can start before the deadline', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const p = withDeadlineRetryingThrottle(() => (calls++, Promise.reject(throttled())), 1_200, 'list x', clock);
    const settled = p.catch((e: unknown) => e);
    for (let i = 0; i < 5; i++) {
      await flush();
      clock.advance(500);
    }
    const err = await settled;
    expect((err as { code?: number }).code).toBe(429);
    expect(calls).toBe(3);
  });

  it('throws any other error at once', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const forbidden = Object.assign(new Error('forbidden'), { code: 403 });
    await expect(withDeadlineRetryingThrottle(() => (calls++, Promise.reject(forbidden)), 10_000, 'list x', clock)).rejects.toBe(forbidden);
    expect(calls).toBe(1);
  });
});
