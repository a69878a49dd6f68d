import { describe, expect, it } from 'vitest';
import { observe } from '../leader/decide.js';
import { judgeClassClaim, type ClaimView } from './class-claim.js';

const claim = (holder: string, lbClass: string, renewTime = 'r1'): ClaimView => ({ holder, lbClass, durationSeconds: 15, renewTime, transitions: 2 });
const me = { identity: 'me', lbClass: 'example.com/a' as string | undefined };

describe('judgeClassClaim', () => {
  it.each([
    ['no claim yet: create it', undefined, me, 'create'],
    ['mine: renew', claim('me', 'example.com/a'), me, 'renew'],
    ['released (no holder): take it', claim('', 'example.com/b'), me, 'acquire'],
    ['same class, another replica: take it at once', claim('old-pod', 'example.com/a'), me, 'acquire'],
    ['no class, another replica of no class: take it', claim('old-pod', ''), { identity: 'me', lbClass: undefined }, 'acquire'],
    ['another class, alive: refuse', claim('other', 'example.com/b'), me, 'refuse'],
    ['no class held, we have one: refuse', claim('other', ''), me, 'refuse'],
    ['a class held, we have none: refuse', claim('other', 'example.com/b'), { identity: 'me', lbClass: undefined }, 'refuse'],
  ] as const)('%s', (_name, c, who, action) => {
    const obs = c ? observe(undefined, c, 0) : undefined;
    expect(judgeClassClaim(c, obs, who, 'metallb-system', 1_000).action).toBe(action);
  });

  it('takes another class\'s claim only once it stopped changing for its duration, on our clock', () => {
    const c = claim('other', 'example.com/b', 'r1');
    let obs = observe(undefined, c, 0);
    const at = (t: number, l = c) => {
      obs = observe(obs, l, t);
      return judgeClassClaim(l, obs, me, 'metallb-system', t);
    };
    expect(at(14_999)).toMatchObject({ action: 'refuse', expiresInMs: 1 });
    // Renewed: the clock starts again.
    const renewed = claim('other', 'example.com/b', 'r2');
    expect(at(14_999, renewed).action).toBe('refuse');
    expect(at(29_998, renewed).action).toBe('refuse');
    expect(at(29_999, renewed)).toEqual({ action: 'acquire', transitions: 3 });
  });

  it('explains the refusal: namespace, both classes, the holder, what to do', () => {
    const d = judgeClassClaim(claim('ctl-b-7f9', 'example.com/b'), undefined, { identity: 'me', lbClass: undefined }, 'metallb-system', 0);
    expect(d.action).toBe('refuse');
    if (d.action === 'refuse') {
      expect(d.message).toContain('namespace metallb-system is served by the controller with lb-class "example.com/b" (ctl-b-7f9)');
      expect(d.message).toContain('this one has no lb-class');
      expect(d.message).toContain('one lb-class per namespace');
    }
  });
});
