// The writer's abort on lost leadership, against a loopback HTTP server that never
// answers (what is checked is that client-node's request is really cancelled, not any
// Kubernetes behaviour).
import { createServer } from 'node:http';
import { loopbackKubeConfig } from '@ironlb/core/test-support';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '@ironlb/core';
import { createStatusWriter } from './status-writer.js';

describe('createStatusWriter.abortAll', () => {
  it('closes the connection of a patch on the wire and refuses later patches', async () => {
    let arrived!: () => void;
    const got = new Promise<void>((r) => (arrived = r));
    let closed!: () => void;
    const gone = new Promise<void>((r) => (closed = r));
    const srv = createServer((req) => {
      req.socket.on('close', closed);
      arrived(); // and never answers: a hung API server
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const kc = loopbackKubeConfig(srv);
      const w = createStatusWriter(kc, 'test', new ManualClock());
      const patch = w.setIngress('ns', 'svc', ['203.0.113.1']);
      patch.catch(() => undefined);
      await got;
      w.abortAll?.();
      await expect(patch).rejects.toThrow();
      await gone;
      await expect(w.setAnnotations('ns', 'svc', { 'metallb.io/ip-allocated-from-pool': 'p' })).rejects.toThrow(/not leading any more/);
    } finally {
      srv.closeAllConnections();
      srv.close();
    }
  });
});
