// WrittenMemory: one write per change, however our own writes come back.
import { describe, expect, it } from 'vitest';
import type { V1Service } from '@kubernetes/client-node';
import type { Written } from './decide.js';
import { WrittenMemory } from './written-memory.js';

const OURS = 'metallb.io/ip-allocated-from-pool';
const svc = (rv: string, ingress: string[], pool?: string): V1Service => ({
  metadata: { name: 'a', namespace: 'n', resourceVersion: rv, annotations: pool === undefined ? {} : { [OURS]: pool } },
  status: { loadBalancer: { ingress: ingress.map((ip) => ({ ip })) } },
});
const w = (ingress: string[], pool?: string): Written => ({ ingress, pool, legacyPool: undefined });

describe('WrittenMemory', () => {
  it('while the cache is behind our writes (lower resourceVersion), what we wrote is what is there', () => {
    const m = new WrittenMemory();
    m.wrote('n/a', w([]), w(['192.0.2.1']), '11', 0);
    m.wrote('n/a', w(['192.0.2.1']), w(['192.0.2.1'], 'blue'), '12', 0);
    // The event of our status write (rv 11) arrives before the annotation one: still behind.
    m.observed('n/a', svc('11', ['192.0.2.1']));
    expect(m.view('n/a', svc('11', ['192.0.2.1']), 1)).toEqual(w(['192.0.2.1'], 'blue'));
    // Our last write's version: caught up, the cache is the truth again.
    m.observed('n/a', svc('12', ['192.0.2.1'], 'blue'));
    expect(m.size).toBe(0);
  });

  it("a newer version is somebody's change after ours: the cache wins (even an old value back)", () => {
    const m = new WrittenMemory();
    m.wrote('n/a', w([], 'old'), w([], undefined), '20', 0);
    expect(m.view('n/a', svc('21', [], 'old'), 1)).toEqual(w([], 'old'));
  });

  it('without decimal versions, content decides: a state our writes replaced is stale', () => {
    const m = new WrittenMemory();
    m.wrote('n/a', w([]), w(['192.0.2.1']), 'x2', 0);
    expect(m.view('n/a', svc('x1', []), 1)).toEqual(w(['192.0.2.1']));
    expect(m.view('n/a', svc('x3', ['192.0.2.9']), 1)).toEqual(w(['192.0.2.9']));
  });

  it('a note never outlives its ttl, nor a relist', () => {
    const m = new WrittenMemory(1_000);
    m.wrote('n/a', w([]), w(['192.0.2.1']), '5', 0);
    expect(m.view('n/a', svc('4', []), 500)).toEqual(w(['192.0.2.1']));
    expect(m.view('n/a', svc('4', []), 1_001)).toEqual(w([]));
    m.wrote('n/a', w([]), w(['192.0.2.1']), '5', 0);
    m.clear();
    expect(m.view('n/a', svc('4', []), 1)).toEqual(w([]));
  });
});
