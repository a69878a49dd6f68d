// The informer's idle limit against a loopback HTTP server whose watch requests never
// get response headers (a hung API server): what is checked is that the request is
// really cancelled — the server sees its connection close — and that a new watch
// follows, not any Kubernetes behaviour.
import { createServer, type IncomingMessage } from 'node:http';
import { loopbackKubeConfig } from './test-support/index.js';
import { describe, expect, it } from 'vitest';
import type { V1Service } from '@kubernetes/client-node';
import { ManualClock } from './clock.js';
import { createLogger } from './log.js';
import { watchResource } from './informer.js';

const settle = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('watchResource idle limit', () => {
  it('cancels a watch that never got response headers and watches again', async () => {
    const watches: IncomingMessage[] = [];
    const closed: number[] = [];
    const srv = createServer((req) => {
      const n = watches.push(req);
      req.socket.on('close', () => closed.push(n));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const clock = new ManualClock();
    const kc = loopbackKubeConfig(srv);
    const w = watchResource<V1Service>({
      kc, clock, path: '/api/v1/services',
      log: createLogger({ component: 'test', level: 'error', destination: { write: () => undefined } }),
      list: async () => ({ apiVersion: 'v1', kind: 'ServiceList', metadata: { resourceVersion: '7' }, items: [] }),
      onChange: () => undefined,
      watchTimeoutSeconds: 5,
      idleMarginMs: 1_000,
    });
    try {
      // (synced waits for the watch's response headers, which never come)
      for (let i = 0; i < 500 && watches.length === 0; i++) await settle(1);
      expect(watches).toHaveLength(1);
      expect(watches[0]!.url).toContain('timeoutSeconds=5');
      clock.advance(5_999);
      await settle();
      expect(closed).toEqual([]);
      clock.advance(1);
      for (let i = 0; i < 200 && (closed.length === 0 || watches.length < 2); i++) await settle(1);
      expect(closed).toEqual([1]); // the hung request's connection was closed
      expect(watches.length).toBeGreaterThanOrEqual(2); // and a new watch was started
    } finally {
      await w.stop();
      srv.closeAllConnections();
      srv.close();
    }
  });
});
