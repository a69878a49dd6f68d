import { describe, expect, it } from 'vitest';
import { IronlbError } from '@ironlb/core';
import { DEFAULT_MEMBERSHIP_CONFIG, resolveMembershipConfig, type MembershipConfig } from './config.js';

describe('resolveMembershipConfig', () => {
  it('fills the documented defaults; isolation follows deadAfterMs', () => {
    expect(resolveMembershipConfig()).toEqual({ ...DEFAULT_MEMBERSHIP_CONFIG, isolationMs: 1200 });
    expect(resolveMembershipConfig({ heartbeatIntervalMs: 200, deadAfterMs: 900 }).isolationMs).toBe(2700);
    expect(resolveMembershipConfig({ deadAfterMs: 900, isolationMs: 1000 }).isolationMs).toBe(1000);
    expect(resolveMembershipConfig({ deadAfterMs: undefined }).deadAfterMs).toBe(400);
  });

  it.each<[Partial<MembershipConfig>, string]>([
    [{ heartbeatIntervalMs: 10 }, 'heartbeatIntervalMs'],
    [{ heartbeatIntervalMs: 6000, deadAfterMs: 30_000 }, 'heartbeatIntervalMs'],
    [{ deadAfterMs: 299 }, 'deadAfterMs'],
    [{ watchers: 0 }, 'watchers'],
    [{ watchers: 9 }, 'watchers'],
    [{ watchers: 2.5 }, 'watchers'],
    [{ quorum: 4 }, 'quorum'],
    [{ quorum: 0 }, 'quorum'],
    [{ startupWaitMs: -1 }, 'startupWaitMs'],
    [{ suspicionTtlMs: 100 }, 'suspicionTtlMs'],
    [{ resendMs: 0 }, 'resendMs'],
    [{ newWatcherGraceMs: -5 }, 'newWatcherGraceMs'],
    [{ syncIntervalMs: 50 }, 'syncIntervalMs'],
    [{ keyActivationDelayMs: -1 }, 'keyActivationDelayMs'],
    [{ isolationMs: 100 }, 'isolationMs'],
    [{ maxClockSkewMs: 10 }, 'maxClockSkewMs'],
    [{ noticeIntervalMs: -1 }, 'noticeIntervalMs'],
    [{ leaveRepeatMs: 0 }, 'leaveRepeatMs'],
    [{ heartbeatIntervalMs: Number.NaN }, 'heartbeatIntervalMs must be a finite number'],
  ])('rejects %j naming the field', (input, field) => {
    let err: unknown;
    try {
      resolveMembershipConfig(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IronlbError);
    expect((err as IronlbError).code).toBe('IRONLB_CONFIG');
    expect((err as IronlbError).message).toContain(field);
  });

  it('accepts the edges of each range', () => {
    expect(() => resolveMembershipConfig({ heartbeatIntervalMs: 20, deadAfterMs: 60, watchers: 1, quorum: 1, syncIntervalMs: 0, startupWaitMs: 0 })).not.toThrow();
    expect(() => resolveMembershipConfig({ heartbeatIntervalMs: 5000, deadAfterMs: 15_000, suspicionTtlMs: 15_000, syncIntervalMs: 5000, watchers: 8, quorum: 8 })).not.toThrow();
  });
});
