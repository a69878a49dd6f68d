import { describe, expect, it } from 'vitest';
import { KeyRing } from './keyring.js';
import type { HeartbeatKey } from './types.js';

const secret = (b: number) => new Uint8Array(32).fill(b);
const k = (id: string, firstSeenAt: number, b = id.charCodeAt(0)): HeartbeatKey => ({ id, secret: secret(b), firstSeenAt });
const DELAY = 10_000;

function signerAt(keys: HeartbeatKey[], now: number): string | undefined {
  const r = new KeyRing();
  r.set(keys);
  return r.signer(now, DELAY)?.id;
}

describe('KeyRing', () => {
  it.each<[string, HeartbeatKey[], number, string | undefined]>([
    ['no keys', [], 0, undefined],
    ['one new key signs at once (nothing older)', [k('a', 0)], 0, 'a'],
    ['a new key waits for activation', [k('a', -Infinity), k('b', 5_000)], 14_999, 'a'],
    ['then signs', [k('a', -Infinity), k('b', 5_000)], 15_000, 'b'],
    ['the most recently seen active key wins, whatever the ids', [k('z', 0), k('b', 3_000)], 20_000, 'b'],
    ['none active yet: the longest known', [k('a', 100), k('b', 50)], 200, 'b'],
    ['keys seen together: the greatest id, before and after activation', [k('a', 0), k('b', 0)], 0, 'b'],
    ['…after activation too', [k('a', 0), k('b', 0)], 60_000, 'b'],
    ['-Infinity means known for long', [k('a', -Infinity)], -1e12, 'a'],
  ])('%s', (_name, keys, now, want) => {
    expect(signerAt(keys, now)).toBe(want);
  });

  it('verifies with every current key, forgets deleted ones', () => {
    const r = new KeyRing();
    r.set([k('a', 0), k('b', 0)]);
    expect(r.verifier('a')).toBeDefined();
    expect(r.verifier('b')).toBeDefined();
    r.set([k('b', 0)]);
    expect(r.verifier('a')).toBeUndefined();
    expect(r.size).toBe(1);
  });

  it('treats a changed secret under the same id as a new key', () => {
    const r = new KeyRing();
    r.set([k('a', 0, 1)]);
    const before = r.verifier('a');
    r.set([k('a', 0, 1)]);
    expect(r.verifier('a')).toBe(before);
    r.set([k('a', 0, 2)]);
    expect(r.verifier('a')).not.toBe(before);
  });

  it('rotation: add b, later delete a — the signer moves to b only after activation, and stays verifiable throughout', () => {
    const r = new KeyRing();
    r.set([k('a', -Infinity)]);
    expect(r.signer(0, DELAY)?.id).toBe('a');
    r.set([k('a', -Infinity), k('b', 1_000)]);
    expect(r.signer(10_999, DELAY)?.id).toBe('a');
    expect(r.signer(11_000, DELAY)?.id).toBe('b');
    r.set([k('b', 1_000)]);
    expect(r.signer(30_000, DELAY)?.id).toBe('b');
  });

  it.each<[string, HeartbeatKey[], RegExp]>([
    ['an empty id', [{ id: '', secret: secret(1), firstSeenAt: 0 }], /1\.\.64 bytes/],
    ['a long id', [{ id: 'x'.repeat(65), secret: secret(1), firstSeenAt: 0 }], /1\.\.64 bytes/],
    ['a short secret', [{ id: 'a', secret: new Uint8Array(8), firstSeenAt: 0 }], /at least 16 bytes/],
    ['a duplicate id', [k('a', 0), k('a', 1)], /appears twice/],
  ])('rejects %s and keeps the old set', (_name, keys, message) => {
    const r = new KeyRing();
    r.set([k('old', 0)]);
    expect(() => r.set(keys)).toThrow(message);
    expect(r.verifier('old')).toBeDefined();
  });
});
