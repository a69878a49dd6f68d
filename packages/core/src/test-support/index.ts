// Helpers for tests of code that talks to an API server through client-node, where a
// loopback HTTP server stands in for it (how client-node carries our options and
// aborts, not Kubernetes behaviour). Not built into dist: tests import it from source.
import type { Server } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';

/** A KubeConfig whose only cluster is `server` (listening on 127.0.0.1), plain HTTP, no credentials. */
export function loopbackKubeConfig(server: Server): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as { port: number }).port}`, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}
