import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { withDeadline } from './deadline.js';
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
