import { describe, expect, it } from 'vitest';
import { Suspicions } from './suspicions.js';

describe('Suspicions', () => {
  it('counts distinct detectors for the current incarnation only, and drops the rest', () => {
    const s = new Suspicions();
    expect(s.add('x', 'a', 5, 0)).toBe(true);
    expect(s.add('x', 'a', 5, 10)).toBe(false); // repeat
    expect(s.add('x', 'b', 5, 0)).toBe(true);
    expect(s.add('x', 'c', 4, 0)).toBe(true); // old incarnation
    expect(s.current('x', 5, 100, 2000, 'me', false)).toEqual(['a', 'b']);
    expect(s.current('x', 6, 100, 2000, 'me', false)).toEqual([]);
    expect(s.size).toBe(0);
  });

  it('expires received suspicions after the TTL; our own only once no longer first-hand', () => {
    const s = new Suspicions();
    s.add('x', 'a', 1, 0);
    s.add('x', 'me', 1, 0);
    expect(s.nextExpiry(2000, (_x, d) => d === 'me')).toBe(2000);
    expect(s.current('x', 1, 1999, 2000, 'me', true)).toEqual(['a', 'me']);
    expect(s.current('x', 1, 2000, 2000, 'me', true)).toEqual(['me']);
    expect(s.current('x', 1, 2000, 2000, 'me', false)).toEqual([]);
    expect([...s.subjects()]).toEqual([]);
  });

  it('remove and clear', () => {
    const s = new Suspicions();
    s.add('x', 'a', 1, 0);
    s.add('y', 'a', 1, 0);
    s.remove('x', 'a');
    s.clear('y');
    expect(s.size).toBe(0);
  });
});
