import { loopbackKubeConfig } from './test-support/index.js';
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

describe('callWithDeadline with client-node', () => {
  // A loopback HTTP server stands in for the API server: what is checked is how
  // client-node carries our options, not Kubernetes behaviour.
  it('keeps the caller options (a patch Content-Type) and aborts the request at the deadline', async () => {
    const { createServer } = await import('node:http');
    const { CoreV1Api, PatchStrategy, setHeaderOptions } = await import('@kubernetes/client-node');
    const seen: { url: string; type: string | undefined }[] = [];
    let hungClosed!: () => void;
    const closed = new Promise<void>((r) => (hungClosed = r));
    const srv = createServer((req, res) => {
      seen.push({ url: req.url ?? '', type: req.headers['content-type'] });
      if (req.url?.includes('/hang')) {
        req.socket.on('close', hungClosed);
        return; // never answers
      }
      req.resume();
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'ok' } }));
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const kc = loopbackKubeConfig(srv);
      const api = kc.makeApiClient(CoreV1Api);
      const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
      const { systemClock } = await import('./clock.js');
      const { callWithDeadline } = await import('./deadline.js');
      const svc = await callWithDeadline((o) => api.patchNamespacedService({ name: 'ok', namespace: 'n', body: {} }, o), 5_000, 'patch', systemClock, merge);
      expect(svc.metadata?.name).toBe('ok');
      expect(seen[0]).toEqual({ url: '/api/v1/namespaces/n/services/ok', type: PatchStrategy.MergePatch });
      const err = await callWithDeadline((o) => api.readNamespacedService({ name: 'hang', namespace: 'n' }, o), 200, 'read service n/hang', systemClock).catch((e: unknown) => e);
      expect(String(err)).toContain('read service n/hang timed out after 200 ms');
      await closed; // the request was really aborted: the server saw its connection close
    } finally {
      srv.closeAllConnections();
      srv.close();
    }
  });
});
