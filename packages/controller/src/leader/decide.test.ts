import { describe, expect, it } from 'vitest';
import { decide, observe, type LeaseView } from './decide.js';

const lease = (holder: string, renewTime = 't0', durationSeconds = 15): LeaseView => ({ holder, durationSeconds, renewTime, transitions: 3 });

describe('decide', () => {
  it.each([
    { name: 'no lease yet → create', lease: undefined, now: 0, want: { action: 'create' } },
    { name: 'we hold it → renew', lease: lease('me'), now: 0, want: { action: 'renew' } },
    { name: 'released (empty holder) → acquire', lease: lease(''), now: 0, want: { action: 'acquire', transitions: 4 } },
    { name: 'other holder, fresh → wait', lease: lease('other'), now: 1_000, want: { action: 'wait', holder: 'other', expiresInMs: 14_000 } },
    { name: 'other holder, expired by our clock → acquire', lease: lease('other'), now: 15_000, want: { action: 'acquire', transitions: 4 } },
  ])('$name', ({ lease: l, now, want }) => {
    const obs = l ? observe(undefined, l, 0) : undefined;
    expect(decide(l, obs, 'me', now)).toEqual(want);
  });

  it('restarts the expiry clock whenever the holder renews', () => {
    let obs = observe(undefined, lease('other', 't0'), 0);
    obs = observe(obs, lease('other', 't0'), 10_000); // unchanged: keeps seenAt 0
    expect(obs.seenAt).toBe(0);
    obs = observe(obs, lease('other', 't1'), 12_000); // renewed: alive again
    expect(decide(lease('other', 't1'), obs, 'me', 20_000)).toEqual({ action: 'wait', holder: 'other', expiresInMs: 7_000 });
  });

  it('ignores the holder wall-clock renewTime, so a skewed clock cannot shorten the lease', () => {
    const l = lease('other', '1970-01-01T00:00:00.000000Z');
    const obs = observe(undefined, l, 50_000);
    expect(decide(l, obs, 'me', 50_001).action).toBe('wait');
  });
});
